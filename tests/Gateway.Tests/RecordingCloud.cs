using System.Collections.Concurrent;
using System.Globalization;
using EdgeFL.CloudBridge;
using EdgeFL.Core.Messages;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// An in-process cloud aggregator on an external broker (mosquitto) for the tests that run the real gateway binary
/// against it: one expected gateway, state in memory, signing with the test's "cloud" key; each published global
/// model's round goes to <c>applied</c>, its log lines to <c>log</c>, its errors to <c>errors</c>.
/// </summary>
internal static class RecordingCloud
{
    public static IHost Build(int port, string modelPath, TestKeys keys, ConcurrentQueue<long> applied, ConcurrentQueue<string> log, ErrorLog errors, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:EmbeddedBroker"] = "false",
            ["Cloud:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Cloud:ExpectedGateways"] = "1",
            ["Cloud:InitialModelPath"] = modelPath,
            ["Cloud:StateDirectory"] = ":memory:",
            ["Cloud:Signing:PrivateKeyPath"] = keys.PrivateKey("cloud"),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(new LineLoggerProvider(log, "cloud"));
        builder.Logging.AddProvider(errors.For("cloud"));
        builder.Services.AddSingleton<ICloudObserver>(new Recorder(applied));
        builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
        return builder.Build();
    }

    private sealed class Recorder(ConcurrentQueue<long> applied) : ICloudObserver
    {
        public void GlobalPublished(ModelMessage global, int gateways) => applied.Enqueue(global.Round);
    }
}
