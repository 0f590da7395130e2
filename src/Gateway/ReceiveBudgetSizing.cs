namespace EdgeFL.Gateway;

/// <summary>The default receive budget: one device update of the current model.</summary>
/// <remarks>
/// The budget bounds the update bodies the gateway holds before handling them. One update's worth lets the
/// next update arrive while one is handled; with the receive path's two copies per body and a budget's worth
/// of handled garbage before each background collection, a round then peaks about four model sizes above
/// idle (PERFORMANCE.md figure 5), whatever the model's size. Measured at 200 x 4 MB: a 4 MiB budget gave
/// the same round time as 8 and 16 MiB. A floor of 1 MiB keeps small models from serialising devices.
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
