using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using EdgeFL.Core.Messages;
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
/// The gateway on an external mosquitto configured as docs/SECURITY.md says (TLS, password file, the
/// documented ACL file): the gateway and a device get through over TLS with their credentials, a
/// round completes, and the device cannot publish as another device.
/// </summary>
public sealed class ExternalBrokerSecurityTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TestSecurity _security = new();
    private readonly TopicScheme _topics = new();
    private readonly ErrorLog _errors = new();

    public void Dispose()
    {
        _security.Dispose();
        _errors.Dispose();
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task MosquittoWithTheDocumentedAcl_CarriesARound_AndRefusesForgedDeviceTopics()
    {
        var pki = _security.Pki;
        string dir = _security.Directory;
        string passwords = Path.Combine(dir, "edgefl.passwd");
        string acl = Path.Combine(dir, "edgefl.acl");
        var secrets = new Dictionary<string, string> { ["gw-coordinator"] = "coordinator-secret", ["dev-a"] = "a-secret", ["dev-b"] = "b-secret" };
        foreach (var (user, secret) in secrets)
        {
            await RunAsync("mosquitto_passwd", File.Exists(passwords) ? ["-b", passwords, user, secret] : ["-c", "-b", passwords, user, secret]);
        }

        // The ACL of docs/SECURITY.md, for gateway "gw".
        await File.WriteAllTextAsync(acl, """
            user gw-coordinator
            topic readwrite edgefl/v1/gw/#
            topic readwrite edgefl/v1/cloud/#

            pattern write edgefl/v1/gw/devices/%u/update
            pattern write edgefl/v1/gw/devices/%u/decline
            pattern write edgefl/v1/gw/devices/%u/status
            pattern write edgefl/v1/gw/devices/%u/telemetry
            pattern read edgefl/v1/gw/model

            """);

        // mosquitto drops to its own user before reading these (test files only: real keys stay 0600 for their owner).
        foreach (string path in new[] { dir, Path.GetDirectoryName(pki.ServerKeyPath)! })
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        }

        foreach (string path in new[] { pki.ServerKeyPath, pki.ServerCertificatePath, passwords, acl })
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        }

        await using var mosquitto = await Mosquitto.StartAsync(port => $"""
            listener {port} 127.0.0.1
            certfile {pki.ServerCertificatePath}
            keyfile {pki.ServerKeyPath}
            allow_anonymous false
            password_file {passwords}
            acl_file {acl}
            use_username_as_clientid true

            """);

        string modelPath = Path.Combine(dir, "initial.efm");
        await ModelFile.SaveAsync(modelPath, TestModels.Message(TestModels.Filled(0)));
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var rounds = new ConcurrentBag<RoundResult>();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:GatewayId"] = "gw",
            ["Gateway:StateDirectory"] = Path.Combine(_security.Directory, "state"),
            ["Gateway:InitialModelPath"] = modelPath,
            ["Gateway:Broker:Embedded"] = "false",
            ["Gateway:Broker:Host"] = "127.0.0.1",
            ["Gateway:Broker:Port"] = mosquitto.Port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Broker:Username"] = "gw-coordinator",
            ["Gateway:Broker:Password"] = secrets["gw-coordinator"],
            ["Gateway:Broker:ClientTls:Enabled"] = "true",
            ["Gateway:Broker:ClientTls:CaCertificatePath"] = pki.CaCertificatePath,
            ["Gateway:Rounds:MaxRounds"] = "1",
            ["Gateway:Rounds:Deadline"] = "00:00:20",
        });
        builder.Logging.AddProvider(_errors.For("gateway"));
        builder.Services.AddSingleton<IGatewayObserver>(new Observer(rounds, finished));
        builder.Services.AddEdgeFlGateway(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();

        var forged = new TaskCompletionSource<MqttPublishRejectedException?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var device = new MqttConnection(
            new MqttConnectionOptions { Port = mosquitto.Port, ClientId = "dev-a", Username = "dev-a", Password = secrets["dev-a"], Tls = _security.ClientTls() },
            NullLogger.Instance);
        await device.SubscribeAsync(_topics.GatewayModel("gw"), MqttQos.AtLeastOnce, async (m, ct) =>
        {
            Assert.True(WireCodec.TryDecodeModel(m.Payload, DecodeLimits.Default, out var model, out _));
            try
            {
                await device.PublishAsync(_topics.DeviceUpdate("gw", "dev-b"), WireCodec.Encode(TestModels.Update("dev-b", model!.Round, 100, TestModels.Filled(9))), MqttQos.AtLeastOnce, false, ct);
                forged.TrySetResult(null);
            }
            catch (MqttPublishRejectedException e)
            {
                forged.TrySetResult(e);
            }

            await device.PublishAsync(_topics.DeviceUpdate("gw", "dev-a"), WireCodec.Encode(TestModels.Update("dev-a", model!.Round, 100, TestModels.Filled(4))), MqttQos.AtLeastOnce, false, ct);
        });
        await device.StartAsync();

        var refusal = await forged.Task.WaitAsync(Timeout);
        Assert.NotNull(refusal);
        Assert.Equal("NotAuthorized", refusal.ReasonCode);
        await finished.Task.WaitAsync(Timeout);
        var round = Assert.Single(rounds);
        Assert.Equal(1, round.Accepted);
        Assert.Equal(0, host.Services.GetRequiredService<GatewayMetrics>().Rejected);
    }

    private static async Task RunAsync(string program, string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException($"{program} did not start");
        string err = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeout);
        Assert.True(process.ExitCode == 0, $"{program}: {err}");
    }

    private sealed class Observer(ConcurrentBag<RoundResult> rounds, TaskCompletionSource finished) : IGatewayObserver
    {
        public void RoundCompleted(RoundResult result) => rounds.Add(result);

        public void GlobalModelAdopted(string gatewayId, ModelMessage global)
        {
        }

        public void Finished(string gatewayId, long lastRound) => finished.TrySetResult();
    }
}
