using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.Gateway.Tests.Hosting;

/// <summary>
/// Issue 15, finding 3: after a kill -9 restart the embedded broker took device updates before the open
/// round was reopened (NoOpenRound), the devices had their PUBACK and dropped them, and the reopened round
/// waited out its deadline. The real gateway binary is killed three times, each time with one update of the
/// open round taken and two still to come; devices act on their PUBACKs (keep on 0x80, resend when the
/// round is published again). Every round killed must close with all three updates.
/// </summary>
public sealed class KillRestartTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-kill-").FullName;
    private readonly TestSecurity _security = new();
    private readonly TopicScheme _topics = new();

    public void Dispose()
    {
        _security.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task ThreeKill9Restarts_LoseNoUpdate()
    {
        int port = TestPorts.Free();
        string model = Path.Combine(_dir, "model.msgpack");
        await ModelFile.SaveAsync(model, TestModels.Message(TestModels.Filled(0)));
        string[] args =
        [
            "--Gateway:GatewayId=gw", $"--Gateway:Broker:Port={port}", $"--Gateway:InitialModelPath={model}",
            $"--Gateway:Broker:CredentialsPath={_security.CredentialsPath}", $"--Gateway:StateDirectory={Path.Combine(_dir, "state")}",
            "--Gateway:Rounds:Deadline=00:00:06", "--Gateway:Rounds:QuorumFraction=1",
        ];
        string[] ids = ["dev-a", "dev-b", "dev-c"];
        var passwords = ids.Concat(["dev-silent"]).ToDictionary(id => id, _security.Provision);
        var logs = new System.Text.StringBuilder();
        var gateway = await StartAsync(args);
        var devices = new List<TestDevice>();
        try
        {
            var key = ModelVerifier.FromFile(Path.Combine(_dir, "state", "gateway.pub"), requireSigned: true);
            foreach (string id in ids)
            {
                devices.Add(await TestDevice.StartAsync(port, id, passwords[id], _topics, key, delay: id == "dev-a" ? TimeSpan.Zero : TimeSpan.FromSeconds(1)));
            }

            // A device that is online and never answers: a round closes only on its deadline.
            await using var silent = await TestDevice.StartAsync(port, "dev-silent", passwords["dev-silent"], _topics, key, delay: Timeout, answer: false);
            var killedRounds = new List<long>();
            for (int kill = 0; kill < 3; kill++)
            {
                // Wait for a round whose first update (dev-a's) was taken, then kill -9 before the others send theirs.
                long round = await devices[0].NextTakenRoundAsync(killedRounds.LastOrDefault(), Timeout);
                logs.Append(gateway.Output);
                await gateway.DisposeAsync(); // SIGKILL
                killedRounds.Add(round);
                gateway = await StartAsync(args);
            }

            // Every killed round closes (on its deadline: dev-silent never answers) with all three updates.
            await TestWait.UntilAsync(() => killedRounds.All(r => ClosedWith(logs + gateway.Output, r) is not null), "the killed rounds closed", Timeout);
            string all = logs + gateway.Output;
            int lost = killedRounds.Sum(r => ids.Length - ClosedWith(all, r)!.Value);
            output.WriteLine($"rounds killed: {string.Join(", ", killedRounds)}; updates lost: {lost}; kept after 0x80: {devices.Sum(d => d.Kept)}");
            Assert.Equal(0, lost);
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }

            await gateway.DisposeAsync();
        }
    }

    /// <summary>The accepted count of round <paramref name="round"/>'s close line (log 2005), if it closed.</summary>
    private static int? ClosedWith(string log, long round)
    {
        var match = Regex.Match(log, $@"round {round} closed by \w+: (\d+) updates");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private async Task<GatewayBinary> StartAsync(string[] args)
    {
        File.Delete(Path.Combine(_dir, "notify.sock"));
        var gateway = new GatewayBinary(_dir, TimeSpan.FromSeconds(30), args);
        await gateway.WaitForAsync(n => n.Any(m => m.Message == "READY=1"), Timeout);
        return gateway;
    }

    /// <summary>A protocol-level device that acts on its PUBACKs: drop when taken or refused, keep on 0x80 and send again.</summary>
    private sealed class TestDevice : IAsyncDisposable
    {
        private readonly MqttConnection _connection;
        private readonly TopicScheme _topics;
        private readonly string _id;
        private readonly ConcurrentDictionary<long, bool> _sent = new();
        private readonly ConcurrentQueue<long> _taken = new();
        private readonly SemaphoreSlim _send = new(1, 1);
        private byte[]? _kept;
        private int _keptCount;
        private int _republished;

        private TestDevice(MqttConnection connection, TopicScheme topics, string id)
        {
            _connection = connection;
            _topics = topics;
            _id = id;
        }

        public int Kept => Volatile.Read(ref _keptCount);

        public static async Task<TestDevice> StartAsync(int port, string id, string password, TopicScheme topics, ModelVerifier key, TimeSpan delay, bool answer = true)
        {
            var connection = new MqttConnection(
                new MqttConnectionOptions { Port = port, ClientId = id, Username = id, Password = password, ReconnectMaxDelay = TimeSpan.FromMilliseconds(500) },
                NullLogger.Instance);
            var device = new TestDevice(connection, topics, id);
            await connection.SubscribeAsync(topics.GatewayModel("gw"), MqttQos.AtLeastOnce, (m, ct) =>
            {
                if (key.TryDecode(m.Payload, DecodeLimits.Default, out var model, out _) && answer)
                {
                    _ = Task.Run(() => device.OnModelAsync(model, delay));
                }

                return Task.CompletedTask;
            });
            connection.OnConnected(ct => connection.PublishAsync(topics.DeviceStatus("gw", id), WireCodec.Encode(new DeviceStatus(id, true, 1, false, DateTimeOffset.UtcNow)), MqttQos.AtLeastOnce, true, ct));
            await connection.StartAsync();
            return device;
        }

        /// <summary>The first round after <paramref name="after"/> whose update the gateway took.</summary>
        public async Task<long> NextTakenRoundAsync(long after, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                foreach (long r in _taken)
                {
                    if (r > after)
                    {
                        return r;
                    }
                }

                await Task.Delay(20);
            }

            throw new TimeoutException($"{_id}: no update taken after round {after}");
        }

        public async ValueTask DisposeAsync() => await _connection.DisposeAsync();

        private async Task OnModelAsync(ModelMessage model, TimeSpan delay)
        {
            if (_sent.TryAdd(model.Round, true))
            {
                await Task.Delay(delay);
                await SendAsync(WireCodec.Encode(TestModels.Update(_id, model.Round, 10, TestModels.Filled(1))), model.Round);
            }
            else
            {
                // The same round again: a restarted gateway reopened it; what it could not take goes now. The count
                // is raised before _kept is read, and a send that gets 0x80 writes _kept before it reads the count,
                // so a republish racing that PUBACK is seen by one side or the other (a real device would also send
                // the kept update after its next training).
                Interlocked.Increment(ref _republished);
                if (Volatile.Read(ref _kept) is { } kept)
                {
                    await SendAsync(kept, model.Round);
                }
            }
        }

        private async Task SendAsync(byte[] payload, long round)
        {
            await _send.WaitAsync();
            try
            {
                for (int attempt = 0; attempt < 600; attempt++)
                {
                    int republished = Volatile.Read(ref _republished);
                    try
                    {
                        await _connection.WaitConnectedAsync();
                        await _connection.PublishAsync(_topics.DeviceUpdate("gw", _id), payload, MqttQos.AtLeastOnce, false, CancellationToken.None);
                        Volatile.Write(ref _kept, null);
                        _taken.Enqueue(round);
                        return;
                    }
                    catch (MqttPublishRejectedException rejected) when (rejected.ShouldKeep)
                    {
                        Interlocked.Increment(ref _keptCount);
                        Interlocked.Exchange(ref _kept, payload);
                        if (Volatile.Read(ref _republished) != republished)
                        {
                            continue; // the round was published again meanwhile: it is open, send it now
                        }

                        return; // sent again when the round is published again
                    }
                    catch (MqttPublishRejectedException)
                    {
                        return; // refused for good
                    }
                    catch (Exception ex) when (ex is MqttNotConnectedException or OperationCanceledException)
                    {
                        await Task.Delay(100); // the gateway is down: keep it, try again
                    }
                }
            }
            finally
            {
                _send.Release();
            }
        }
    }
}
