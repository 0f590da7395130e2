using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Messaging.Tests;

/// <summary>Broker endpoint lists (a clustered broker's nodes) and the MQTT 3.1.1 client options.</summary>
public sealed class BrokerEndpointTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("127.0.0.1:1883", "127.0.0.1", 1883)]
    [InlineData(" broker.example:8883 ", "broker.example", 8883)]
    [InlineData("[::1]:1884", "::1", 1884)]
    public void TryParse_ReadsHostAndPort(string text, string host, int port)
    {
        Assert.True(BrokerEndpoint.TryParse(text, out var endpoint));
        Assert.Equal(new BrokerEndpoint(host, port), endpoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("host")]
    [InlineData("host:")]
    [InlineData(":1883")]
    [InlineData("host:0")]
    [InlineData("host:65536")]
    [InlineData("host:-1")]
    [InlineData("::1:1883")]
    [InlineData("a b:1883")]
    public void TryParse_RefusesWhatIsNotHostColonPort(string text) => Assert.False(BrokerEndpoint.TryParse(text, out _));

    [Fact]
    public void ParseAll_NamesTheKeyAndIndexOfABadEntry()
    {
        var problems = new List<string>();
        BrokerEndpoint.ParseAll(["127.0.0.1:1", "nope"], "Gateway:Cloud:Endpoints", problems);
        Assert.Equal("Gateway:Cloud:Endpoints:1 must be host:port with a port of 1-65535 (was 'nope')", Assert.Single(problems));
    }

    [Fact]
    public async Task AConnectionWhoseFirstEndpointIsDown_MovesOnToTheNext()
    {
        int port = TestPorts.Free();
        int dead = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        await broker.StartAsync();
        await using var c = new MqttConnection(
            new MqttConnectionOptions { ClientId = "c", Endpoints = [new("127.0.0.1", dead), new("127.0.0.1", port)], ReconnectMaxDelay = TimeSpan.FromMilliseconds(500) },
            NullLogger.Instance);
        Assert.Equal(dead, c.CurrentEndpoint.Port);
        await c.StartAsync();
        await c.WaitConnectedAsync().WaitAsync(Timeout);
        Assert.Equal(port, c.CurrentEndpoint.Port);
    }

    [Fact]
    public async Task Mqtt311_ConnectsWithoutMqtt5Properties_AndPublishesAndReceives()
    {
        // MQTTnet refuses a 3.1.1 connect that carries any MQTT 5 property: session expiry, receive maximum and the
        // maximum packet size are configured here and must be left out, not sent.
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        await broker.StartAsync();
        var options = new MqttConnectionOptions
        {
            Port = port, ClientId = "v311", Protocol = MqttProtocol.V311, CleanStart = false, SessionExpirySeconds = 3600, ReceiveMaximum = 4, MaximumPacketBytes = 1 << 20,
        };
        await using var c = new MqttConnection(options, NullLogger.Instance);
        var built = c.BuildClientOptions();
        Assert.Equal(MQTTnet.Formatter.MqttProtocolVersion.V311, built.ProtocolVersion);
        Assert.Equal(0u, built.SessionExpiryInterval);
        Assert.Equal(0, built.ReceiveMaximum);
        Assert.False(built.CleanSession);

        var got = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await c.SubscribeAsync("t/x", MqttQos.AtLeastOnce, (m, _) => { got.TrySetResult(m.Retain); return Task.CompletedTask; });
        await c.StartAsync();
        await c.WaitConnectedAsync().WaitAsync(Timeout);
        await c.PublishAsync("t/x", new byte[] { 1 }, MqttQos.AtLeastOnce, retain: false);
        Assert.False(await got.Task.WaitAsync(Timeout));
    }

    [Theory]
    [InlineData("5", MqttProtocol.V5)]
    [InlineData("3.1.1", MqttProtocol.V311)]
    public void ProtocolNames_ParseTheConfiguredSpelling(string text, MqttProtocol expected) => Assert.Equal(expected, MqttProtocolNames.Parse(text, "K"));

    [Fact]
    public void ProtocolNames_RefuseAnythingElse_NamingTheKey()
    {
        var e = Assert.Throws<InvalidOperationException>(() => MqttProtocolNames.Parse("3.1", "Gateway:Cloud:ProtocolVersion"));
        Assert.Contains("Gateway:Cloud:ProtocolVersion must be '5' or '3.1.1'", e.Message, StringComparison.Ordinal);
    }
}
