namespace EdgeFL.Gateway;

/// <summary>The default receive budget: one device update of the current model.</summary>
/// <remarks>
/// The budget bounds the update bodies the gateway holds before handling them. With one update's worth,
/// the receive path's two copies per body and a budget's worth of handled garbage before each background
/// collection, a 200 x 4 MB round peaked 3.4-5.6 model sizes above the connected gateway (PERFORMANCE.md
/// figure 5), against 8-9 with a fixed 8 MiB. The price: one update is received while none is handled, so
/// that round took about 30% longer on the loaded test machine (7.7-9.6 s against 5.4-7.4 s); figure 4's
/// rounds stayed within their target. A gateway short of time rather than memory sets a larger budget.
/// A floor of 1 MiB keeps small models from serialising devices.
/// </remarks>
internal static class ReceiveBudgetSizing
{
    /// <summary>The smallest budget chosen for a model.</summary>
    public const long MinimumBytes = 1024 * 1024;

    /// <summary>Room for an update's header (ids, tensor names and shapes) and the MQTT packet's topic and properties.</summary>
    public const long OverheadBytes = 64 * 1024;

    /// <summary>The budget for a model whose tensors hold <paramref name="modelDataBytes"/> bytes.</summary>
    public static long ForModel(long modelDataBytes) => Math.Max(MinimumBytes, modelDataBytes + OverheadBytes);
}
