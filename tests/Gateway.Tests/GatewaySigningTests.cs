using System.Globalization;
using System.Threading.Channels;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
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
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Tests;

/// <summary>A gateway between a cloud broker and its devices' broker, both real: what it takes from the cloud, and what it signs.</summary>
public sealed class GatewaySigningTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-gwsign-").FullName;
    private readonly TopicScheme _topics = new();
    private readonly TestKeys _keys;
    private readonly TestSecurity _security = new();
    private readonly ErrorLog _errors = new();

    public GatewaySigningTests() => _keys = new TestKeys(_dir);

    public void Dispose()
    {
        _security.Dispose();
        Directory.Delete(_dir, recursive: true);
        _errors.Dispose();
    }

    [Fact]
    public async Task Gateway_RejectsGlobalModelsTheCloudDidNotSign_CountsEach_AndAdoptsTheSignedOne_ThenSignsForItsDevices()
    {
        int cloudPort = TestPorts.Free();
        int devicePort = TestPorts.Free();
        await using var cloudBroker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = cloudPort }, NullLogger.Instance);
        await cloudBroker.StartAsync();
        await using var cloud = new MqttConnection(new MqttConnectionOptions { Port = cloudPort, ClientId = "test-cloud" }, NullLogger.Instance);
        await cloud.StartAsync();
        await cloud.WaitConnectedAsync().WaitAsync(Timeout);

        using var host = BuildHost(devicePort, new()
        {
            ["Gateway:Cloud:Enabled"] = "true",
            ["Gateway:Cloud:Port"] = cloudPort.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Signing:CloudPublicKeyPath"] = _keys.PublicKey("cloud"),
        });
        await host.StartAsync();
        var metrics = host.Services.GetRequiredService<GatewayMetrics>();

        // What a device of this gateway accepts: models signed by the gateway's key.
        using var gatewayKey = _keys.Verifier("gw");
        var models = Channel.CreateUnbounded<ModelMessage>();
        await using var device = new MqttConnection(new MqttConnectionOptions { Port = devicePort, ClientId = "dev-watch", Username = "dev-watch", Password = _security.Provision("dev-watch") }, NullLogger.Instance);
        await device.SubscribeAsync(_topics.GatewayModel("gw"), MqttQos.AtLeastOnce, (m, ct) =>
        {
            Assert.True(gatewayKey.TryDecode(m.Payload, DecodeLimits.Default, out var model, out var rejection), rejection.ToString());
            models.Writer.TryWrite(model with { Model = model.Model.Detach() });
            return Task.CompletedTask;
        });
        await device.StartAsync();

        var global = new ModelMessage("m", 3, "cloud", 500, DateTimeOffset.UtcNow, TestModels.Filled(7));
        using var cloudSigner = _keys.Signer("cloud");
        using var intruder = _keys.Signer("intruder");
        byte[] tampered = cloudSigner.Encode(global);
        tampered[tampered.Length / 2] ^= 0x01;
        byte[] signed = cloudSigner.Encode(global);
        byte[] shortSignature = [.. signed[..^66], 0xc4, 63, .. signed[^63..]];
        foreach (var (payload, reason) in new (byte[], SignatureVerdict)[]
        {
            (tampered, SignatureVerdict.BadSignature),
            (shortSignature, SignatureVerdict.MalformedSignature),
            (intruder.Encode(global), SignatureVerdict.UnknownSigningKey),
            (WireCodec.Encode(global), SignatureVerdict.Unsigned),
        })
        {
            await cloud.PublishAsync(_topics.CloudGlobalModel, payload, MqttQos.AtLeastOnce, retain: true);
            await WaitUntilAsync(() => metrics.GlobalModelsRejectedByReason.ContainsKey(reason.ToString()), $"a {reason} rejection");
        }

        Assert.True(models.Reader.Count == 0, "the gateway opened a round on a model it should have refused");
        await cloud.PublishAsync(_topics.CloudGlobalModel, signed, MqttQos.AtLeastOnce, retain: true);

        var first = await models.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(("gw", 4L), (first.Source, first.Round));
        Assert.Equal(TestModels.Filled(7).Tensors[0].AsFloat32().ToArray(), first.Model.Tensors[0].AsFloat32().ToArray());
        Assert.Equal(4, metrics.GlobalModelsRejected);
        Assert.All(metrics.GlobalModelsRejectedByReason.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Gateway_WithCloudSyncAndNoCloudKey_RefusesToStart_NamingTheKey()
    {
        using var host = BuildHost(TestPorts.Free(), new() { ["Gateway:Cloud:Enabled"] = "true" });
        _errors.Expect(ErrorLog.HostFailedToStart); // the host refuses the options, on purpose
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Gateway:Signing:CloudPublicKeyPath must be set", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:Signing:RequireSignedModels=false", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_WithInMemoryStateAndNoKeyFile_RefusesToStart_NamingTheKey()
    {
        using var host = BuildHost(TestPorts.Free(), new() { ["Gateway:StateDirectory"] = ":memory:", ["Gateway:Signing:PrivateKeyPath"] = null, ["Gateway:InitialModelPath"] = _keys.PublicKey("any") });
        _errors.Expect(ErrorLog.HostFailedToStart); // the host refuses the options, on purpose
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Gateway:Signing:PrivateKeyPath must be set when Gateway:StateDirectory is ':memory:'", ex.Message, StringComparison.Ordinal);
    }

    private IHost BuildHost(int port, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:GatewayId"] = "gw",
            ["Gateway:StateDirectory"] = Path.Combine(_dir, "state"),
            ["Gateway:Broker:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Broker:CredentialsPath"] = _security.CredentialsPath,
            ["Gateway:Rounds:MaxRounds"] = "1",
            ["Gateway:Rounds:Deadline"] = "00:00:01",
            ["Gateway:Signing:PrivateKeyPath"] = _keys.PrivateKey("gw"),
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(_errors.For("gateway"));
        builder.Services.AddEdgeFlGateway(builder.Configuration);
        return builder.Build();
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => TestWait.UntilAsync(condition, what, Timeout);
}
