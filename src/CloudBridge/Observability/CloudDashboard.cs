using System.Text.Json;
using EdgeFL.Observability.Dashboard;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudBridge.Observability;

/// <summary>The cloud's dashboard: its sync round and accuracy curve, and every gateway's latest fleet report.</summary>
internal sealed class CloudDashboard(CloudAggregator aggregator, CloudFleet fleet, GlobalAccuracy accuracy, IOptions<CloudAggregatorOptions> options, TimeProvider time) : IDashboardSource
{
    public void WriteSnapshot(Utf8JsonWriter writer)
    {
        var metrics = aggregator.Metrics;
        writer.WriteStartObject();
        writer.WriteString("tier", "cloud");
        writer.WriteString("title", "EdgeFL cloud");
        writer.WriteString("at", time.GetUtcNow());
        writer.WriteStartObject("cloud");
        writer.WriteNumber("round", aggregator.Global?.Round ?? 0);
        writer.WriteNumber("expectedGateways", options.Value.ExpectedGateways);
        writer.WriteNumber("uploadsAccepted", metrics.Accepted);
        writer.WriteNumber("globalsPublished", metrics.GlobalsPublished);
        writer.WriteStartObject("rejections");
        foreach (var (reason, count) in metrics.RejectedByReason.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(reason, count);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("accuracy");
        foreach (var (round, acc) in accuracy.Points())
        {
            writer.WriteStartObject();
            writer.WriteNumber("round", round);
            writer.WriteNumber("accuracy", Math.Round(acc, 5));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteStartArray("gateways");
        foreach (var (_, report, at) in fleet.Reports())
        {
            writer.WriteStartObject();
            writer.WriteString("receivedAt", at);
            foreach (var property in report.EnumerateObject())
            {
                if (property.Name != "receivedAt")
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
