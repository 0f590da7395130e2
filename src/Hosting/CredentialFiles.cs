namespace EdgeFL.Hosting;

/// <summary>
/// Where the brokers' credential files are by default: in the operator's configuration directory,
/// where the services read them and the <c>edgefl</c> provisioning commands write them.
/// </summary>
public static class CredentialFiles
{
    /// <summary>The gateway's provisioned devices (<c>Gateway:Broker:CredentialsPath</c>).</summary>
    public const string GatewayFileName = "gateway-credentials.json";

    /// <summary>The cloud's provisioned gateways (<c>Cloud:CredentialsPath</c>).</summary>
    public const string CloudFileName = "cloud-credentials.json";

    /// <summary>The default <c>Gateway:Broker:CredentialsPath</c>: gateway-credentials.json in the configuration directory.</summary>
    public static string DefaultGatewayPath() => Path.Combine(EdgeFlHostBuilderExtensions.ConfigDirectory(), GatewayFileName);

    /// <summary>The default <c>Cloud:CredentialsPath</c>: cloud-credentials.json in the configuration directory.</summary>
    public static string DefaultCloudPath() => Path.Combine(EdgeFlHostBuilderExtensions.ConfigDirectory(), CloudFileName);
}
