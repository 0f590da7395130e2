using EdgeFL.Core.Topics;
using EdgeFL.Messaging.Security;

namespace EdgeFL.Gateway.Security;

/// <summary>
/// A device's rights at its gateway's broker: it connects with its own id as client id, publishes
/// only its own update, decline, status and telemetry (its last will is its own status), and
/// subscribes only to the gateway's model. It cannot publish as another device, publish a model, or
/// read other devices' messages.
/// </summary>
internal sealed class DeviceTopicRules(TopicScheme topics, string gatewayId) : IClientTopicRules
{
    private readonly string _model = topics.GatewayModel(gatewayId);

    public bool MayUseClientId(string id, string clientId) => string.Equals(id, clientId, StringComparison.Ordinal);

    public bool MayPublish(string id, string topic) =>
        TopicScheme.IsValidId(id) && (
            topic == topics.DeviceUpdate(gatewayId, id)
            || topic == topics.DeviceDecline(gatewayId, id)
            || topic == topics.DeviceStatus(gatewayId, id)
            || topic == topics.DeviceTelemetry(gatewayId, id));

    public bool MaySubscribe(string id, string filter) => filter == _model;
}
