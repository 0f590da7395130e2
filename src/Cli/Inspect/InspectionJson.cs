using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeFL.Cli.Inspect;

/// <summary>The <c>inspect --json</c> form of a message or a database, for scripts.</summary>
internal static class InspectionJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(JsonObject document, TextWriter output) => output.WriteLine(document.ToJsonString(Indented));

    public static JsonObject File(string path, MessageSummary summary) =>
        new() { ["path"] = Path.GetFullPath(path), ["kind"] = "message", ["message"] = Message(summary) };

    public static JsonObject Database(DatabaseReport report)
    {
        var tables = new JsonArray();
        foreach (var table in report.Tables)
        {
            var rows = new JsonArray();
            foreach (var row in table.Rows)
            {
                var o = new JsonObject();
                for (int i = 0; i < table.Columns.Count; i++)
                {
                    o[table.Columns[i]] = row[i].Json?.DeepClone();
                }

                rows.Add(o);
            }

            tables.Add(new JsonObject
            {
                ["name"] = table.Name,
                ["rowCount"] = table.RowCount,
                ["columns"] = new JsonArray([.. table.Columns.Select(c => (JsonNode?)JsonValue.Create(c))]),
                ["rows"] = rows,
            });
        }

        return new JsonObject { ["path"] = report.Path, ["kind"] = "database", ["bytes"] = report.Bytes, ["tables"] = tables };
    }

    public static JsonObject Message(MessageSummary summary)
    {
        var o = new JsonObject { ["type"] = summary.TypeName, ["bytes"] = summary.PayloadBytes };
        foreach (var field in summary.Fields)
        {
            o[field.Name] = Value(field.Value);
        }

        if (summary.Tensors.Count > 0)
        {
            o["elements"] = summary.Elements;
            o["tensorBytes"] = summary.TensorBytes;
            o["l2Norm"] = Value(summary.L2Norm);
            var tensors = new JsonArray();
            foreach (var t in summary.Tensors)
            {
                var tensor = new JsonObject
                {
                    ["name"] = t.Name,
                    ["dtype"] = t.DType,
                    ["shape"] = new JsonArray([.. t.Shape.Select(d => (JsonNode?)JsonValue.Create(d))]),
                    ["elements"] = t.Elements,
                    ["bytes"] = t.Bytes,
                    ["l2Norm"] = Value(t.L2Norm),
                };
                if (t.Quantization is { } q)
                {
                    tensor["scale"] = q.Scale;
                    tensor["zeroPoint"] = q.ZeroPoint;
                }

                tensors.Add(tensor);
            }

            o["tensors"] = tensors;
        }

        o["signature"] = summary.SignerKeyId is null && summary.Verification is null
            ? null
            : new JsonObject
            {
                ["keyId"] = summary.SignerKeyId,
                ["verdict"] = summary.Verification?.Verdict.ToString(),
                ["detail"] = summary.Verification?.Detail,
            };
        return o;
    }

    /// <summary>A field value as JSON: numbers as numbers (a non-finite one as its name), times as ISO strings.</summary>
    private static JsonNode? Value(object? value) => value switch
    {
        null => null,
        double d when !double.IsFinite(d) => MessageSummary.Format(d),
        double d => d,
        long n => n,
        int n => n,
        DateTimeOffset t => MessageSummary.Format(t),
        IEnumerable<string> list => new JsonArray([.. list.Select(e => (JsonNode?)JsonValue.Create(e))]),
        _ => MessageSummary.Format(value),
    };
}
