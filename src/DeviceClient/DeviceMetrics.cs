using System.Diagnostics.Metrics;
using EdgeFL.Core.Diagnostics;

namespace EdgeFL.DeviceClient;

/// <summary>
/// A device's counters, published as the instruments of its meter <c>EdgeFL.Device</c> (tag
/// <c>edgefl.device.id</c> on the meter: one device per process outside the demo). docs/OPERATIONS.md lists them.
/// </summary>
internal sealed class DeviceMetrics
{
    public DeviceMetrics(Meter meter, Func<int> buffered, Func<long> bufferDropped, Func<double> energyMah)
    {
        Trained = new Tally(meter, "edgefl.device.rounds.trained", "{round}", "Rounds this device trained and sent (or buffered) an update for.");
        Declined = new ReasonTally(meter, "edgefl.device.rounds.declined", "{round}", "Rounds declined, by reason: offline, battery, error, not-selected.");
        UpdatesRefused = new ReasonTally(meter, "edgefl.device.updates.refused", "{update}", "Updates the gateway refused for good (PUBACK reason code), dropped from the buffer, by reason code.");
        UpdatesKept = new Tally(meter, "edgefl.device.updates.kept", "{update}", "Publishes of an update the gateway could not take yet (PUBACK 0x80): kept and sent again later.");
        ModelsRejected = new ReasonTally(meter, "edgefl.device.models.rejected", "{model}", "Models from the gateway not loaded, by reason: a signature verdict, TooLarge or a decode error.");
        meter.CreateObservableUpDownCounter("edgefl.device.updates.buffered", buffered, "{update}", "Updates waiting for a connection now.");
        meter.CreateObservableCounter("edgefl.device.updates.dropped", bufferDropped, "{update}", "Updates dropped because the offline buffer was full (oldest first).");
        meter.CreateObservableCounter("edgefl.device.energy", energyMah, "mA.h", "Energy spent on training.");
    }

    public Tally Trained { get; }

    public ReasonTally Declined { get; }

    public ReasonTally ModelsRejected { get; }

    public ReasonTally UpdatesRefused { get; }

    public Tally UpdatesKept { get; }
}
