using EdgeFL.Hosting;

namespace EdgeFL.CloudBridge.Hosting;

/// <summary>What <c>EdgeFL.CloudBridge --help</c> prints.</summary>
internal static class CloudUsage
{
    public static ServiceUsage Create() =>
        new ServiceUsage(
                "EdgeFL.CloudBridge",
                "cloud",
                "the cloud aggregator: hosts the cloud MQTT broker (or uses an external one), averages the gateways' edge models by their sample counts, and publishes the signed global model.")
            .Section<CloudAggregatorOptions>(CloudAggregatorOptions.Section)
            .Section<ServiceOptions>(ServiceOptions.Section)
            .Section<EdgeFL.Observability.ObservabilityOptions>(EdgeFL.Observability.ObservabilityOptions.Section);
}
