using System.Globalization;
using System.Text;

namespace EdgeFL.Cli.Inspect;

/// <summary>The <c>inspect</c> text form of a message or a database, for people.</summary>
internal static class InspectionText
{
    public static void Write(string path, MessageSummary m, TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFullPath(path)}: {m.TypeName} message, {m.PayloadBytes:N0} bytes"));
        var rows = m.Fields.Select(f => (f.Label, f.Display)).ToList();
        if (m.Tensors.Count > 0)
        {
            rows.Add(("signature", m.SignatureText));
            rows.Add(("L2 norm", MessageSummary.Format(m.L2Norm)));
            rows.Add(("tensors", string.Create(CultureInfo.InvariantCulture, $"{m.Tensors.Count} ({m.Elements:N0} elements, {m.TensorBytes:N0} bytes)")));
        }

        int width = rows.Count == 0 ? 0 : rows.Max(r => r.Label.Length) + 2;
        foreach (var (label, value) in rows)
        {
            output.WriteLine("  " + label.PadRight(width) + value);
        }

        if (m.Tensors.Count > 0)
        {
            WriteTable(
                output,
                "    ",
                ["name", "dtype", "shape", "elements", "bytes", "L2 norm"],
                [.. m.Tensors.Select(t => (IReadOnlyList<string>)[
                    t.Name,
                    t.Quantization is { } q ? string.Create(CultureInfo.InvariantCulture, $"{t.DType} (scale {q.Scale:G6}, zero {q.ZeroPoint})") : t.DType,
                    t.ShapeText,
                    t.Elements.ToString("N0", CultureInfo.InvariantCulture),
                    t.Bytes.ToString("N0", CultureInfo.InvariantCulture),
                    MessageSummary.Format(t.L2Norm)])]);
        }
    }

    public static void Write(DatabaseReport report, TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{report.Path}: SQLite state database, {report.Bytes:N0} bytes, {report.Tables.Count} tables (opened read-only)"));
        foreach (var table in report.Tables)
        {
            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"table {table.Name}: {table.RowCount:N0} row{(table.RowCount == 1 ? "" : "s")}"));
            if (table.Rows.Count > 0)
            {
                WriteTable(output, "  ", table.Columns, [.. table.Rows.Select(r => (IReadOnlyList<string>)[.. r.Select(c => c.Text)])]);
            }

            if (table.RowCount > table.Rows.Count)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ... {table.RowCount - table.Rows.Count:N0} more (--rows N shows more)"));
            }
        }
    }

    /// <summary>Rows under a header, columns padded to their widest cell (the last column is not padded).</summary>
    private static void WriteTable(TextWriter output, string indent, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        int[] widths = [.. header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length)))];
        foreach (var row in rows.Prepend(header))
        {
            var line = new StringBuilder(indent);
            for (int i = 0; i < row.Count; i++)
            {
                line.Append(i == row.Count - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            output.WriteLine(line.ToString().TrimEnd());
        }
    }
}
