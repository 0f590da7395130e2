namespace EdgeFL.Core.Validation;

/// <summary>Bounds an update's scalar fields must respect.</summary>
public sealed record ValidationLimits
{
    /// <summary>The defaults.</summary>
    public static ValidationLimits Default { get; } = new();

    /// <summary>Fewest samples an update may claim. Default 1.</summary>
    public long MinSampleCount { get; init; } = 1;

    /// <summary>Most samples an update may claim (caps a liar's weight). Default 10,000,000.</summary>
    public long MaxSampleCount { get; init; } = 10_000_000;

    /// <summary>
    /// How many rounds behind the current one an update may be and still count. Default 0: only the
    /// current round. Updates from the future are always rejected.
    /// </summary>
    public long MaxStaleness { get; init; }

    /// <summary>Longest device id in characters. Default 128.</summary>
    public int MaxDeviceIdLength { get; init; } = 128;
}
