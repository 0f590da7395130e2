using System.Globalization;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Wire;

namespace EdgeFL.Cli.Inspect;

/// <summary>What a wire message holds, for display: its type and header fields, and for one carrying a model its tensors, norm and signature.</summary>
internal sealed record MessageSummary(
    WireMessageType Type,
    long PayloadBytes,
    IReadOnlyList<MessageField> Fields,
    IReadOnlyList<TensorSummary> Tensors,
    double? L2Norm,
    string? SignerKeyId,
    SignatureCheck? Verification)
{
    /// <summary>The type as on the wire (<c>model</c>, <c>update</c>, ...).</summary>
    public string TypeName => Type.ToString().ToLowerInvariant();

    public long Elements => Tensors.Sum(t => t.Elements);

    public long TensorBytes => Tensors.Sum(t => t.Bytes);

    /// <summary>The signature as one phrase: unsigned, signed by a key, and what checking it said.</summary>
    public string SignatureText => (SignerKeyId, Verification) switch
    {
        (null, null) => "none (unsigned)",
        (_, { } check) => $"{check.Verdict}: {check.Detail}",
        (_, null) => $"signed by key {SignerKeyId} (not verified; --public-key FILE checks it)",
    };

    /// <summary>One line: what it is, whose, which round, how big.</summary>
    public string OneLine()
    {
        string head = string.Join(", ", Fields.Where(f => f.Value is string or long).Take(4).Select(f => $"{f.Label} {f.Display}"));
        string model = Tensors.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"; {Tensors.Count} tensors, {Elements:N0} elements, L2 {Format(L2Norm)}");
        string signed = SignerKeyId is null ? "" : $"; signed by {SignerKeyId}";
        return string.Create(CultureInfo.InvariantCulture, $"{TypeName}: {head}{model}{signed} ({PayloadBytes:N0} bytes)");
    }

    /// <summary>A field value for people: invariant numbers, UTC ISO times.</summary>
    public static string Format(object? value) => value switch
    {
        null => "-",
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
