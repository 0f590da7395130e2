namespace EdgeFL.Core.Signing;

/// <summary>The outcome of checking one payload's signature: a verdict to count and a detail to log.</summary>
/// <param name="Verdict">What was found.</param>
/// <param name="Detail">Why, in words (key ids, never payload bytes).</param>
public readonly record struct SignatureCheck(SignatureVerdict Verdict, string Detail)
{
    /// <summary>True when the payload may be decoded and used.</summary>
    public bool IsAccepted => Verdict is SignatureVerdict.Verified or SignatureVerdict.Unchecked;

    /// <inheritdoc/>
    public override string ToString() => $"{Verdict}: {Detail}";
}
