using System.Collections.Concurrent;
using System.Globalization;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// A gateway service on a real embedded broker with device credentials, and protocol-level test devices for it;
/// a folder deleted on dispose. The gateways it builds log their errors to <see cref="Errors"/>: disposed after
/// the hosts, the harness fails the test on an error it did not declare.
/// </summary>
internal sealed class GatewayHarness : IDisposable
{
    private readonly TestSecurity _security = new();
    private readonly TopicScheme _topics = new();

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("edgefl-gw-").FullName;

    /// <summary>The Error and Critical lines of the gateways built here; a test declares those it causes.</summary>
    public ErrorLog Errors { get; } = new();

    public void Dispose()
    {
        _security.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
        Errors.Dispose();
    }

    /// <summary>A gateway started on <paramref name="port"/> from an initial model of zeros (<see cref="TestModels.Filled"/>), reporting to the observer returned.</summary>
    public async Task<(IHost Host, RecordingObserver Observer)> StartAsync(int port, int maxRounds, double quorum, TimeSpan? deadline = null, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection, IConfiguration>? services = null)
    {
        string modelPath = Path.Combine(Directory, "initial.efm");
        await ModelFile.SaveAsync(modelPath, TestModels.Message(TestModels.Filled(0)));
        var observer = new RecordingObserver();
        var host = BuildHost(port, modelPath, observer, maxRounds, quorum, deadline, settings, services);
        await host.StartAsync();
        return (host, observer);
    }

    /// <summary>Returns once the gateway's fleet view has every one of <paramref name="devices"/> online.</summary>
    public static Task WhenOnlineAsync(IHost host, TimeSpan timeout, params string[] devices)
    {
        var fleet = host.Services.GetRequiredService<FleetView>();
        return TestWait.UntilAsync(() => devices.All(fleet.OnlineDevices().Contains), $"{string.Join(", ", devices)} online", timeout);
    }

    /// <summary>A gateway host, not started; <paramref name="settings"/> add to or override the defaults.</summary>
    public IHost BuildHost(int port, string? modelPath, RecordingObserver observer, int maxRounds, double quorum, TimeSpan? deadline = null, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection, IConfiguration>? services = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:GatewayId"] = "gw",
            ["Gateway:StateDirectory"] = Path.Combine(Directory, "state"),
            ["Gateway:InitialModelPath"] = modelPath,
            ["Gateway:Broker:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Broker:CredentialsPath"] = _security.CredentialsPath,
            ["Gateway:Rounds:MaxRounds"] = maxRounds.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:QuorumFraction"] = quorum.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:Deadline"] = (deadline ?? TimeSpan.FromSeconds(20)).ToString("c", CultureInfo.InvariantCulture),
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.AddProvider(Errors.For("gateway"));
        builder.Services.AddSingleton<IGatewayObserver>(observer);
        builder.Services.AddEdgeFlGateway(builder.Configuration);
        services?.Invoke(builder.Services, builder.Configuration);
        return builder.Build();
    }

    /// <summary>
    /// A minimal device written against the protocol: status online with a will, then a reaction to each
    /// model, which must be signed by the key the gateway generated in its state folder. With
    /// <paramref name="online"/> false it announces nothing, so the gateway's quorum does not wait for it.
    /// </summary>
    public async Task<MqttConnection> DeviceAsync(int port, string id, Func<MqttConnection, ModelMessage, CancellationToken, Task> onModel, bool online = true)
    {
        var conn = new MqttConnection(
            new MqttConnectionOptions
            {
                Port = port,
                ClientId = id,
                Username = id,
                Password = _security.Provision(id),
                Will = online ? new LastWill(_topics.DeviceStatus("gw", id), WireCodec.Encode(new DeviceStatus(id, false, 1, false, DateTimeOffset.UtcNow)), Retain: true) : null,
            },
            NullLogger.Instance);
        var seen = new ConcurrentDictionary<long, bool>();
        var gatewayKey = ModelVerifier.FromFile(Path.Combine(Directory, "state", "gateway.pub"), requireSigned: true);
        await conn.SubscribeAsync(_topics.GatewayModel("gw"), MqttQos.AtLeastOnce, async (m, ct) =>
        {
            Assert.True(gatewayKey.TryDecode(m.Payload, DecodeLimits.Default, out var model, out var rejection), rejection.ToString());
            if (seen.TryAdd(model.Round, true))
            {
                await onModel(conn, model, ct);
            }
        });
        if (online)
        {
            conn.OnConnected(ct => conn.PublishAsync(_topics.DeviceStatus("gw", id), WireCodec.Encode(new DeviceStatus(id, true, 1, false, DateTimeOffset.UtcNow)), MqttQos.AtLeastOnce, true, ct));
        }

        await conn.StartAsync();
        return conn;
    }
}
