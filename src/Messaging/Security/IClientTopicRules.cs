namespace EdgeFL.Messaging.Security;

/// <summary>The rights of a provisioned client (a device at its gateway, a gateway at the cloud), by its id.</summary>
public interface IClientTopicRules
{
    /// <summary>Whether client <paramref name="id"/> may connect with MQTT client id <paramref name="clientId"/>.</summary>
    bool MayUseClientId(string id, string clientId);

    /// <summary>Whether client <paramref name="id"/> may publish to <paramref name="topic"/>.</summary>
    bool MayPublish(string id, string topic);

    /// <summary>Whether client <paramref name="id"/> may subscribe to <paramref name="filter"/>.</summary>
    bool MaySubscribe(string id, string filter);
}
