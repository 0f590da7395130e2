using EdgeFL.Hosting;

namespace EdgeFL.Cli.Commands;

/// <summary>
/// The clients one broker's credential file provisions: devices at a gateway, or gateways at the cloud,
/// with the configuration key the service reads the file from and the keys the client is given.
/// </summary>
/// <param name="Noun">What is provisioned: <c>device</c> or <c>gateway</c>.</param>
/// <param name="Component">The service whose configuration names the file (<c>gateway</c>, <c>cloud</c>).</param>
/// <param name="PathKey">The key of the file's path in that configuration.</param>
/// <param name="DefaultPath">The path when the key is not set.</param>
/// <param name="UsernameKey">The client's user name key.</param>
/// <param name="PasswordKey">The client's password key.</param>
internal sealed record CredentialRole(string Noun, string Component, string PathKey, Func<string> DefaultPath, string UsernameKey, string PasswordKey)
{
    /// <summary>Devices, at their gateway's embedded broker.</summary>
    public static CredentialRole Device { get; } = new("device", "gateway", "Gateway:Broker:CredentialsPath", CredentialFiles.DefaultGatewayPath, "Device:Username", "Device:Password");

    /// <summary>Gateways, at the cloud's embedded broker.</summary>
    public static CredentialRole Gateway { get; } = new("gateway", "cloud", "Cloud:CredentialsPath", CredentialFiles.DefaultCloudPath, "Gateway:Cloud:Username", "Gateway:Cloud:Password");

    /// <summary>
    /// The file the service reads: <see cref="PathKey"/> in the configuration it would see (its
    /// {config dir}/{component}.json, the environment), else <see cref="DefaultPath"/>.
    /// </summary>
    public string ConfiguredPath() =>
        EdgeFlHostBuilderExtensions.ToolConfiguration(Component, [])[PathKey] is { Length: > 0 } configured ? configured : DefaultPath();
}
