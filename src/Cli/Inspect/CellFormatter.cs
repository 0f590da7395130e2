using System.Globalization;
using System.Text.Json.Nodes;
using EdgeFL.Core.Signing;

namespace EdgeFL.Cli.Inspect;

/// <summary>
/// Turns a SQLite value into a <see cref="Cell"/>: a blob that is a wire message is decoded and summed up
/// (a stored model, a journaled update, a queued upload), any other blob shows its size; an integer
/// named like a millisecond timestamp (<c>*_ms</c>) shows the time too.
/// </summary>
internal sealed class CellFormatter(ModelVerifier? verifier)
{
    private const int MaxTextLength = 80;

    // 2000-01-01 to 2200-01-01: an integer in this range named *_ms is a Unix time in milliseconds.
    private const long EarliestMs = 946_684_800_000;
    private const long LatestMs = 7_258_118_400_000;

    /// <summary>The cell of <paramref name="value"/>; <paramref name="name"/> is its column's name, or for a key-value row its key.</summary>
    public Cell Format(object? value, string name) => value switch
    {
        null or DBNull => new("null", null),
        long n => Integer(n, name),
        double d => new(d.ToString("G6", CultureInfo.InvariantCulture), double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture))),
        string s => new(s.Length > MaxTextLength ? s[..(MaxTextLength - 1)] + "…" : s, JsonValue.Create(s)),
        byte[] blob => Blob(blob),
        _ => new(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "", JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture))),
    };

    private static Cell Integer(long n, string name)
    {
        string text = n.ToString(CultureInfo.InvariantCulture);
        if (name.EndsWith("_ms", StringComparison.OrdinalIgnoreCase) && n is >= EarliestMs and <= LatestMs)
        {
            text += " (" + MessageSummary.Format(DateTimeOffset.FromUnixTimeMilliseconds(n)) + ")";
        }

        return new(text, JsonValue.Create(n));
    }

    private Cell Blob(byte[] blob)
    {
        if (MessageInspector.TryDescribe(blob, verifier, out var summary, out _))
        {
            return new(summary.OneLine(), new JsonObject { ["bytes"] = blob.LongLength, ["message"] = InspectionJson.Message(summary) });
        }

        return new(string.Create(CultureInfo.InvariantCulture, $"{blob.LongLength:N0} bytes"), new JsonObject { ["bytes"] = blob.LongLength });
    }
}
