using System.Text.Json;
using EdgeFL.Observability.Dashboard;

namespace EdgeFL.Gateway.Observability;

/// <summary>A gateway's own dashboard (<c>Observability:Dashboard=true</c>): its devices, rounds, outbox and rejections.</summary>
internal sealed class GatewayDashboard(GatewayFleetState state) : IDashboardSource
{
    public void WriteSnapshot(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("tier", "gateway");
        writer.WriteString("title", "EdgeFL gateway " + state.GatewayId);
        writer.WriteStartArray("gateways");
        GatewayFleetReport.Write(writer, state);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
