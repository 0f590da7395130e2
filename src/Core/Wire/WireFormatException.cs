namespace EdgeFL.Core.Wire;

/// <summary>Carries a <see cref="WireError"/> out of the decoder's inner loops; never escapes <see cref="WireCodec"/>.</summary>
internal sealed class WireFormatException : Exception
{
    public WireFormatException(WireErrorReason reason, string detail)
        : base(detail)
    {
        Error = new WireError(reason, detail);
    }

    public WireError Error { get; }
}
