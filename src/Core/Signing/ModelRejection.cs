namespace EdgeFL.Core.Signing;

/// <summary>Why a received model was not taken: a reason to count (a <see cref="SignatureVerdict"/> or a <see cref="Wire.WireErrorReason"/> name) and a detail to log.</summary>
/// <param name="Reason">The counter's key.</param>
/// <param name="Detail">What exactly was wrong.</param>
public readonly record struct ModelRejection(string Reason, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Reason}: {Detail}";
}
