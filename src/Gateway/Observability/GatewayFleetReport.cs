using System.Text.Json;

namespace EdgeFL.Gateway.Observability;

/// <summary>
/// A gateway's fleet as one JSON object: the dashboard's gateway entry, and the payload of the fleet
/// report it sends the cloud (docs/PROTOCOL.md, "Fleet report"). At most <see cref="MaxDevices"/> devices
/// and the last <see cref="MaxRounds"/> rounds, so a report stays well under <see cref="MaxBytes"/>.
/// </summary>
internal static class GatewayFleetReport
{
    public const int MaxDevices = 1000;
    public const int MaxRounds = 100;

    /// <summary>The largest report the cloud takes.</summary>
    public const int MaxBytes = 256 * 1024;

    public static void Write(Utf8JsonWriter json, GatewayFleetState state)
    {
        var selection = state.Selection;
        json.WriteStartObject();
        json.WriteString("id", state.GatewayId);
        json.WriteNumber("round", state.Round);
        json.WriteBoolean("roundOpen", state.RoundOpen);
        json.WriteNumber("syncEvery", state.SyncEvery);
        json.WriteString("at", state.Time.GetUtcNow());
        json.WriteStartObject("cloud");
        json.WriteBoolean("enabled", state.CloudEnabled);
        json.WriteBoolean("connected", state.CloudConnected);
        json.WriteNumber("outboxDepth", state.OutboxDepth);
        json.WriteNumber("outboxBytes", state.OutboxBytes);
        json.WriteNumber("delivered", state.UploadsDelivered);
        json.WriteNumber("deadLettered", state.UploadsDeadLettered);
        json.WriteEndObject();

        json.WriteStartArray("devices");
        foreach (var d in state.Devices().Take(MaxDevices))
        {
            json.WriteStartObject();
            json.WriteString("id", d.Id);
            json.WriteBoolean("online", d.Online);
            json.WriteNumber("battery", Math.Round(Finite(d.Battery), 4));
            json.WriteBoolean("charging", d.Charging);
            json.WriteString("lastSeen", d.LastSeen);
            json.WriteBoolean("selected", selection is { } s && (s.Devices?.Contains(d.Id) ?? d.Online));
            if (state.Metrics.Outcomes.Of(d.Id) is { } outcome)
            {
                json.WriteString("lastUpdate", outcome.Outcome);
                if (outcome.Round >= 0)
                {
                    json.WriteNumber("lastUpdateRound", outcome.Round);
                }
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("rounds");
        foreach (var r in state.History.Recent.TakeLast(MaxRounds))
        {
            json.WriteStartObject();
            json.WriteNumber("round", r.Round);
            json.WriteNumber("accepted", r.Accepted);
            json.WriteNumber("declined", r.Declined);
            json.WriteNumber("rejected", r.Rejected);
            json.WriteNumber("energyMah", Math.Round(Finite(r.EnergyMah), 3));
            json.WriteNumber("seconds", Math.Round(r.Duration.TotalSeconds, 3));
            json.WriteString("closedBy", r.CloseReason.ToString());
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartObject("rejections");
        foreach (var (reason, count) in state.Metrics.RejectedByReason.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(reason, count);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static byte[] ToBytes(GatewayFleetState state)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json, state);
        }

        return buffer.ToArray();
    }

    private static double Finite(double x) => double.IsFinite(x) ? x : 0;
}
