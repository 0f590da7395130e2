using EdgeFL.Core.Messages;

namespace EdgeFL.CloudBridge;

/// <summary>Receives the cloud aggregator's progress (the demo evaluates each global model).</summary>
internal interface ICloudObserver
{
    /// <summary>A global model was published.</summary>
    void GlobalPublished(ModelMessage global, int gateways);
}
