using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Gateway.Selection;
using EdgeFL.Hosting;

namespace EdgeFL.Gateway.Hosting;

/// <summary>What <c>EdgeFL.Gateway --help</c> prints.</summary>
internal static class GatewayUsage
{
    public static ServiceUsage Create() =>
        new ServiceUsage(
                "EdgeFL.Gateway",
                "gateway",
                "the gateway service: hosts the devices' MQTT broker (or uses an external one), runs the federated rounds (collects, validates and averages the devices' updates), and syncs its edge model with the cloud every Rounds:SyncEvery rounds.")
            .Section<GatewayOptions>(GatewayOptions.Section)
            .Section<CloudUplinkOptions>(CloudUplinkOptions.Section)
            .Section<OutboxOptions>(OutboxOptions.Section)
            .Section<Observability.FleetReportOptions>(Observability.FleetReportOptions.Section)
            .Section<SelectionOptions>(SelectionOptions.Section)
            .Section<ServiceOptions>(ServiceOptions.Section)
            .Section<EdgeFL.Observability.ObservabilityOptions>(EdgeFL.Observability.ObservabilityOptions.Section);
}
