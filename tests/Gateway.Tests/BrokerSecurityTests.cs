using EdgeFL.Gateway.Link;
using System.Diagnostics;
using System.Globalization;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Security;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// The gateway's broker as deployed (defaults: anonymous refused, per-device credentials, topic
/// ACLs; a TLS listener), attacked with mosquitto's own command-line clients and with MQTTnet.
/// </summary>
public sealed class BrokerSecurityTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TestSecurity _security = new();
    private readonly TopicScheme _topics = new();
    private readonly int _port = TestPorts.Free();
    private readonly int _tlsPort = TestPorts.Free();

    // The gateway's clock, from now on moved by the test: the broker re-reads its credential file at most
    // once a second of it. Rounds never reach their deadline on it (none of these tests needs one to).
    private readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ErrorLog _errors = new();
    private IHost _host = null!;

    private EmbeddedBroker Broker => _host.Services.GetRequiredService<DeviceLink>().Broker!;

    private GatewayMetrics Metrics => _host.Services.GetRequiredService<GatewayMetrics>();

    public async Task InitializeAsync()
    {
        string modelPath = Path.Combine(_security.Directory, "initial.efm");
        await ModelFile.SaveAsync(modelPath, TestModels.Message(TestModels.Filled(0)));
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:GatewayId"] = "gw",
            ["Gateway:StateDirectory"] = Path.Combine(_security.Directory, "state"),
            ["Gateway:InitialModelPath"] = modelPath,
            ["Gateway:Broker:Port"] = _port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Broker:CredentialsPath"] = _security.CredentialsPath,
            ["Gateway:Rounds:Deadline"] = "00:05:00",
        };
        _security.AddListenerTls(settings, "Gateway:Broker:Tls", _tlsPort);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Logging.AddProvider(_errors.For("gateway"));
        builder.Services.AddEdgeFlGateway(builder.Configuration);
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        _security.Dispose();
        _errors.Dispose();
    }

    [Fact]
    public async Task AnonymousMosquittoPub_IsRefused()
    {
        var result = await MosquittoPubAsync(["-p", Port(_port), "-i", "intruder", "-t", _topics.DeviceUpdate("gw", "dev-a"), "-m", "garbage"]);

        Assert.True(result.ExitCode != 0, result.Output);
        Assert.True(result.Output.Contains("Bad User Name or Password", StringComparison.OrdinalIgnoreCase), result.Output);
        Assert.True(Broker.ConnectionsRefused >= 1);
        Assert.Equal(0, Metrics.Rejected + Metrics.Accepted);
    }

    [Fact]
    public async Task WrongPassword_AndUnknownDevice_AreRefused()
    {
        _security.Provision("dev-a");
        var wrong = await MosquittoPubAsync(["-p", Port(_port), "-i", "dev-a", "-u", "dev-a", "-P", "not-the-password", "-t", _topics.DeviceUpdate("gw", "dev-a"), "-m", "x"]);
        var unknown = await MosquittoPubAsync(["-p", Port(_port), "-i", "dev-z", "-u", "dev-z", "-P", "whatever", "-t", _topics.DeviceUpdate("gw", "dev-z"), "-m", "x"]);

        Assert.True(wrong.ExitCode != 0, wrong.Output);
        Assert.True(unknown.ExitCode != 0, unknown.Output);
        Assert.True(Broker.ConnectionsRefused >= 2);
    }

    [Fact]
    public async Task ADevicePublishingToAnotherDevicesTopic_IsRefused_WithMosquittoPub()
    {
        string password = _security.Provision("dev-a");
        _security.Provision("dev-b");

        // dev-a, properly authenticated, tries to send an update as dev-b (QoS 1, MQTT 5: PUBACK 0x87).
        var result = await MosquittoPubAsync(["-p", Port(_port), "-i", "dev-a", "-u", "dev-a", "-P", password, "-t", _topics.DeviceUpdate("gw", "dev-b"), "-m", "forged"]);

        Assert.True(result.Output.Contains("not authori", StringComparison.OrdinalIgnoreCase), result.Output);
        Assert.Equal(1, Broker.PublishesRefused);
        Assert.Equal(0, Metrics.Rejected + Metrics.Accepted);
    }

    [Fact]
    public async Task ADevice_CannotPublishAModel_OrReadOtherDevices_OrTakeOverSessions()
    {
        await using var device = await ConnectAsync("dev-a", _security.Provision("dev-a"));
        _security.Provision("dev-b");

        var model = await Assert.ThrowsAsync<MqttPublishRejectedException>(() =>
            device.PublishAsync(_topics.GatewayModel("gw"), WireCodec.Encode(TestModels.Message(TestModels.Filled(666), round: 99)), MqttQos.AtLeastOnce, retain: true, CancellationToken.None));
        Assert.Equal("NotAuthorized", model.ReasonCode);
        var forged = await Assert.ThrowsAsync<MqttPublishRejectedException>(() =>
            device.PublishAsync(_topics.DeviceStatus("gw", "dev-b"), new byte[] { 1 }, MqttQos.AtLeastOnce, retain: true, CancellationToken.None));
        Assert.Equal("NotAuthorized", forged.ReasonCode);

        // Its own topics and the model are fine.
        await device.PublishAsync(_topics.DeviceTelemetry("gw", "dev-a"), new byte[] { 0x80 }, MqttQos.AtLeastOnce, retain: false, CancellationToken.None);

        // The mosquitto clients below use dev-a's client id: with the device still connected, each would
        // take over its session and the device's reconnect would take it back, kicking the mosquitto
        // client off before it is answered (seen under load).
        await device.DisposeAsync();

        // Reading other devices' updates: the SUBACK refuses it (mosquitto_sub reports it and exits).
        var sub = await RunAsync("mosquitto_sub", ["-h", "127.0.0.1", "-V", "mqttv5", "-p", Port(_port), "-i", "dev-a", "-u", "dev-a", "-P", _security.Provision("dev-a"), "-t", _topics.DeviceUpdateFilter("gw"), "-W", "3"]);
        Assert.True(sub.Output.Contains("denied", StringComparison.OrdinalIgnoreCase), sub.Output);
        Assert.True(Broker.SubscriptionsRefused >= 1);

        // dev-b's credentials with dev-a's client id (which would kick dev-a off) are refused, as is the coordinator's id.
        string passwordB = _security.Provision("dev-b");
        var takeover = await MosquittoPubAsync(["-p", Port(_port), "-i", "dev-a", "-u", "dev-b", "-P", passwordB, "-t", _topics.DeviceTelemetry("gw", "dev-b"), "-m", "x"]);
        var coordinator = await MosquittoPubAsync(["-p", Port(_port), "-i", "gw-coordinator", "-u", "dev-b", "-P", passwordB, "-t", _topics.DeviceTelemetry("gw", "dev-b"), "-m", "x"]);
        Assert.True(takeover.ExitCode != 0, takeover.Output);
        Assert.True(coordinator.ExitCode != 0, coordinator.Output);
        Assert.Equal(0, Metrics.Rejected + Metrics.Accepted);
    }

    [Fact]
    public async Task ALastWill_OnAnotherDevicesTopic_IsNotDelivered()
    {
        string password = _security.Provision("dev-a");
        var conn = new MqttConnection(
            new MqttConnectionOptions
            {
                Port = _port,
                ClientId = "dev-a",
                Username = "dev-a",
                Password = password,
                Will = new LastWill(_topics.DeviceStatus("gw", "dev-b"), [0x80], Retain: true),
            },
            NullLogger.Instance);
        await conn.StartAsync(CancellationToken.None);
        await conn.WaitConnectedAsync(CancellationToken.None).WaitAsync(Timeout);
        await conn.GoOfflineAsync(CancellationToken.None);
        await conn.DisposeAsync();

        await TestWait.UntilAsync(() => Broker.PublishesRefused > 0, "the will refused", Timeout);
        Assert.Equal(1, Broker.PublishesRefused);
    }

    [Fact]
    public async Task Tls_ADeviceTrustingTheCa_Connects_APlainClientOrAnUntrustingOne_DoesNot()
    {
        string password = _security.Provision("dev-a");
        await using (var device = await ConnectAsync("dev-a", password, tls: _security.ClientTls(), port: _tlsPort))
        {
            await device.PublishAsync(_topics.DeviceTelemetry("gw", "dev-a"), new byte[] { 0x80 }, MqttQos.AtLeastOnce, retain: false, CancellationToken.None);
        }

        // Disconnected first: mosquitto_pub uses the same client id, and a live device would take the session
        // back (its reconnect) before mosquitto_pub had published ("The client is not currently connected").

        // mosquitto_pub over TLS with the CA file works; without it the handshake fails.
        var trusted = await MosquittoPubAsync(["-p", Port(_tlsPort), "--cafile", _security.Pki.CaCertificatePath, "-i", "dev-a", "-u", "dev-a", "-P", password, "-t", _topics.DeviceTelemetry("gw", "dev-a"), "-m", "x"]);
        Assert.True(trusted.ExitCode == 0, trusted.Output);

        using var other = new TestSecurity();
        var untrusted = await MosquittoPubAsync(["-p", Port(_tlsPort), "--cafile", other.Pki.CaCertificatePath, "-i", "dev-a", "-u", "dev-a", "-P", password, "-t", _topics.DeviceTelemetry("gw", "dev-a"), "-m", "x"]);
        Assert.True(untrusted.ExitCode != 0, untrusted.Output);

        // An MQTTnet client that does not trust the CA never gets through either.
        var distrustful = new MqttConnection(
            new MqttConnectionOptions { Port = _tlsPort, ClientId = "dev-a", Username = "dev-a", Password = password, Tls = other.ClientTls(), ReconnectMaxDelay = TimeSpan.FromMilliseconds(500) },
            NullLogger.Instance);
        await distrustful.StartAsync(CancellationToken.None);
        await Assert.ThrowsAnyAsync<TimeoutException>(() => distrustful.WaitConnectedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2)));
        await distrustful.DisposeAsync();
    }

    [Fact]
    public async Task ARevokedDevice_IsRefusedAtItsNextConnect()
    {
        string password = _security.Provision("dev-a");
        var before = await MosquittoPubAsync(["-p", Port(_port), "-i", "dev-a", "-u", "dev-a", "-P", password, "-t", _topics.DeviceTelemetry("gw", "dev-a"), "-m", "x"]);
        Assert.True(before.ExitCode == 0, before.Output);

        Assert.True(new CredentialFile(_security.CredentialsPath).Revoke("dev-a"));
        _time.Advance(TimeSpan.FromSeconds(1.1)); // the broker re-reads the file at most once a second
        var after = await MosquittoPubAsync(["-p", Port(_port), "-i", "dev-a", "-u", "dev-a", "-P", password, "-t", _topics.DeviceTelemetry("gw", "dev-a"), "-m", "x"]);
        Assert.True(after.ExitCode != 0, after.Output);
    }

    private async Task<MqttConnection> ConnectAsync(string id, string password, MqttTlsOptions? tls = null, int? port = null)
    {
        var conn = new MqttConnection(
            new MqttConnectionOptions { Port = port ?? _port, ClientId = id, Username = id, Password = password, Tls = tls ?? new MqttTlsOptions() },
            NullLogger.Instance);
        await conn.StartAsync(CancellationToken.None);
        await conn.WaitConnectedAsync(CancellationToken.None).WaitAsync(Timeout);
        return conn;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static Task<(int ExitCode, string Output)> MosquittoPubAsync(string[] args) =>
        RunAsync("mosquitto_pub", ["-h", "127.0.0.1", "-V", "mqttv5", "-q", "1", .. args]);

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] args)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeout);
        return (process.ExitCode, await stdout + await stderr);
    }
}
