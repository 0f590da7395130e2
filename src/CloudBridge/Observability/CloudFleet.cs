using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using EdgeFL.Core.Diagnostics;

namespace EdgeFL.CloudBridge.Observability;

/// <summary>
/// The gateways' latest fleet reports (JSON, docs/PROTOCOL.md "Fleet report"), for the cloud's dashboard.
/// A report is kept when it is at most <see cref="MaxBytes"/>, parses as a JSON object within
/// <see cref="MaxDepth"/> levels and names the topic's gateway as its <c>id</c>; anything else is counted and dropped.
/// At most <see cref="MaxGateways"/> gateways are kept.
/// </summary>
internal sealed class CloudFleet
{
    public const int MaxBytes = 256 * 1024;
    public const int MaxDepth = 8;
    public const int MaxGateways = 10_000;
    private readonly ConcurrentDictionary<string, (JsonElement Report, DateTimeOffset At)> _reports = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ReasonTally _rejected;

    public CloudFleet(CloudMetrics metrics, TimeProvider time)
    {
        _time = time;
        _rejected = new ReasonTally(metrics.Meter, "edgefl.cloud.fleet_reports.rejected", "{report}", "Gateway fleet reports dropped, by reason: TooLarge, Malformed, SenderMismatch, TooManyGateways.");
        metrics.Meter?.CreateObservableGauge("edgefl.cloud.gateways.reporting", () => _reports.Count, "{gateway}", "Gateways whose fleet report the cloud holds.");
    }

    /// <summary>Reports dropped, by reason.</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason => _rejected.ByReason;

    /// <summary>Takes <paramref name="payload"/> as <paramref name="gatewayId"/>'s report, or counts why not.</summary>
    public bool OnReport(string gatewayId, ReadOnlySequence<byte> payload)
    {
        if (payload.Length > MaxBytes)
        {
            _rejected.Add("TooLarge");
            return false;
        }

        JsonElement report;
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = MaxDepth });
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                _rejected.Add("Malformed");
                return false;
            }

            report = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            _rejected.Add("Malformed");
            return false;
        }

        if (!report.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() != gatewayId)
        {
            _rejected.Add("SenderMismatch");
            return false;
        }

        if (!_reports.ContainsKey(gatewayId) && _reports.Count >= MaxGateways)
        {
            _rejected.Add("TooManyGateways");
            return false;
        }

        _reports[gatewayId] = (report, _time.GetUtcNow());
        return true;
    }

    /// <summary>The latest report of each gateway, by id, with when it arrived.</summary>
    public IReadOnlyList<(string GatewayId, JsonElement Report, DateTimeOffset At)> Reports() =>
        [.. _reports.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value.Report, kv.Value.At))];
}
