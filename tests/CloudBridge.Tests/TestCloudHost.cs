using System.Globalization;
using EdgeFL.Core.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>A cloud aggregator host for tests (not started): in-memory state, the folder's key and error log, and the settings given on top.</summary>
internal static class TestCloudHost
{
    public static IHost Build(CloudTestFolder folder, int port, int expectedGateways, IModelSeed seed, Dictionary<string, string?>? settings = null, TestSecurity? security = null, int tlsPort = 0, ILoggerProvider? log = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var defaults = new Dictionary<string, string?>
        {
            ["Cloud:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Cloud:StateDirectory"] = ":memory:",
            ["Cloud:ExpectedGateways"] = expectedGateways.ToString(CultureInfo.InvariantCulture),
            ["Cloud:Signing:PrivateKeyPath"] = folder.Keys.PrivateKey("cloud"),
        };
        if (security is not null)
        {
            defaults["Cloud:CredentialsPath"] = security.CredentialsPath;
            security.AddListenerTls(defaults, "Cloud:Tls", tlsPort);
        }

        builder.Configuration.AddInMemoryCollection(defaults);
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Logging.AddProvider(folder.Errors.For("cloud"));
        if (log is not null)
        {
            builder.Logging.AddProvider(log);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }

        builder.Services.AddSingleton(seed);
        builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
        return builder.Build();
    }
}
