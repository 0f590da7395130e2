namespace EdgeFL.Messaging.Security;

/// <summary>What an authenticated broker client is.</summary>
public enum BrokerRole
{
    /// <summary>The process hosting the broker (the gateway's coordinator, the cloud aggregator): every topic.</summary>
    Service,

    /// <summary>A provisioned client (a device at a gateway, a gateway at the cloud): only its own topics.</summary>
    Client,

    /// <summary>An anonymous client, admitted only when anonymous access was switched on.</summary>
    Anonymous,
}
