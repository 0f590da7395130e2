namespace EdgeFL.Messaging.Security;

/// <summary>Who a broker connection authenticated as: the name is the device or gateway id for clients.</summary>
public sealed record BrokerIdentity(string Name, BrokerRole Role)
{
    /// <summary>The identity of anonymous clients (only when anonymous access is allowed).</summary>
    public static BrokerIdentity Anonymous { get; } = new("", BrokerRole.Anonymous);
}
