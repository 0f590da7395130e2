namespace EdgeFL.Core.Wire;

/// <summary>A decoding failure: a reason to count and a human-readable detail to log.</summary>
/// <param name="Reason">The failure class.</param>
/// <param name="Detail">What exactly was wrong (never contains payload bytes beyond short field values).</param>
public readonly record struct WireError(WireErrorReason Reason, string Detail)
{
    /// <summary>The value reported on success.</summary>
    public static WireError None { get; } = new(WireErrorReason.None, string.Empty);

    /// <summary>True unless this is <see cref="None"/>.</summary>
    public bool IsError => Reason != WireErrorReason.None;

    /// <inheritdoc/>
    public override string ToString() => $"{Reason}: {Detail}";
}
