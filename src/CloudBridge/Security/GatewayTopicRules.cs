using EdgeFL.Core.Topics;
using EdgeFL.Messaging.Security;

namespace EdgeFL.CloudBridge.Security;

/// <summary>
/// A gateway's rights at the cloud broker: it connects as <c>{id}-uplink</c> (or <c>{id}</c>),
/// publishes only its own upload, fleet report, presence and global model request topics, and subscribes only to the
/// global model, its own acknowledgements and its own answers to global model requests. It cannot upload as another gateway, publish a global model or an
/// acknowledgement, or read other gateways' uploads or acknowledgements.
/// </summary>
internal sealed class GatewayTopicRules(TopicScheme topics) : IClientTopicRules
{
    public bool MayUseClientId(string id, string clientId) =>
        string.Equals(clientId, id, StringComparison.Ordinal) || string.Equals(clientId, id + "-uplink", StringComparison.Ordinal);

    public bool MayPublish(string id, string topic) => TopicScheme.IsValidId(id) && (topic == topics.CloudUpload(id) || topic == topics.CloudFleetReport(id) || topic == topics.CloudGlobalRequest(id) || topic == topics.CloudGatewayStatus(id));

    public bool MaySubscribe(string id, string filter) =>
        filter == topics.CloudGlobalModel || (TopicScheme.IsValidId(id) && (filter == topics.CloudAck(id) || filter == topics.CloudGlobalFor(id)));
}
