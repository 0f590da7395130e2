using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using EdgeFL.CloudBridge;
using EdgeFL.CloudBridge.Link;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Storage;
using EdgeFL.Messaging.Chunking;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// Issue 13, item 1: the durable outbox loses nothing across a kill -9 in the middle of a chunked upload. The
/// gateway binary uploads a 6 MB model in 16 KiB chunks through mosquitto with <c>max_packet_size 131072</c>; it
/// is killed with SIGKILL while the cloud holds part of a transfer, started again, and must send the whole upload
/// again: the cloud applies every upload once, and its global models reach the gateway.
/// </summary>
public sealed class ChunkedKillTests(ITestOutputHelper output) : IDisposable
{
    private const int Elements = 1_500_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-chunkkill-").FullName;
    private readonly ErrorLog _errors = new();
    private readonly ConcurrentQueue<string> _log = new();

    private TestKeys Keys => new(Path.Combine(_dir, "keys"));

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _errors.Dispose();
    }

    [Fact]
    public async Task Kill9MidChunkedUpload_TheUploadIsSentAgainWhole_AndAppliedOnce()
    {
        string modelPath = Path.Combine(_dir, "initial.efm");
        var w = new float[Elements];
        Array.Fill(w, 0.5f);
        await ModelFile.SaveAsync(modelPath, TestModels.Message(new ModelState([NamedTensor.FromFloat32("w", [Elements], w)])));
        await using var broker = await Mosquitto.StartAsync(port => $"listener {port} 127.0.0.1\nallow_anonymous true\nmax_packet_size 131072\n");
        var applied = new ConcurrentQueue<long>();
        using var cloud = RecordingCloud.Build(broker.Port, modelPath, Keys, applied, _log, _errors, new Dictionary<string, string?> { ["Cloud:Chunking:MaxPayloadBytes"] = "130048" });
        await cloud.StartAsync();
        var chunks = cloud.Services.GetRequiredService<GatewayLink>().UploadChunks;
        var aggregator = cloud.Services.GetRequiredService<CloudAggregator>();

        string stateDir = Path.Combine(_dir, "gateway-state");
        var gateway = StartGateway(broker.Port, modelPath, stateDir);
        try
        {
            // Kill -9 while the cloud holds part of an upload: some of its chunks in, the rest still to come.
            // (An upload is about 373 chunks; the count of the one in flight is what arrived since the last completed.)
            long seenCompleted = 0, receivedAtCompletion = 0;
            await TestWait.UntilAsync(
                () =>
                {
                    long completed = chunks.Metrics.Completed, received = chunks.Metrics.Received;
                    if (completed != seenCompleted)
                    {
                        (seenCompleted, receivedAtCompletion) = (completed, received);
                        return false;
                    }

                    return chunks.OpenTransfers == 1 && received - receivedAtCompletion > 20;
                },
                "a chunked upload part way",
                Timeout);
            gateway.Kill(entireProcessTree: true);
            await gateway.WaitForExitAsync();
            long completedAtKill = chunks.Metrics.Completed;
            long acceptedAtKill = aggregator.Metrics.Accepted;
            output.WriteLine($"killed with {chunks.OpenTransfers} transfer open, {chunks.Metrics.Received} chunks received, {completedAtKill} uploads complete, {acceptedAtKill} accepted");

            // Restarted, the gateway sends its queued upload again, whole, under a new transfer id.
            gateway = StartGateway(broker.Port, modelPath, stateDir);
            await TestWait.UntilAsync(() => chunks.Metrics.Completed >= completedAtKill + 2 && aggregator.Metrics.Accepted >= acceptedAtKill + 2, "two more uploads applied after the restart", Timeout);
            await TestWait.UntilAsync(() => _log.Any(l => l.Contains("Global model of round", StringComparison.Ordinal)), "a global model received by the gateway", Timeout);

            var rounds = applied.ToArray();
            output.WriteLine($"global rounds published: {string.Join(",", rounds)}; uploads rejected: {string.Join(", ", aggregator.RejectedByReason.Select(kv => $"{kv.Key} {kv.Value}"))}; transfers failed: {string.Join(", ", chunks.Metrics.FailedByReason.Select(kv => $"{kv.Key} {kv.Value}"))}, open {chunks.OpenTransfers}");
            Assert.Equal(rounds.Distinct().Count(), rounds.Length); // no sync round published twice
            Assert.Equal(rounds.Order().ToArray(), rounds);
            Assert.Empty(chunks.Metrics.RejectedByReason);
            Assert.Equal(0, chunks.Metrics.FailedFor(TransferFailure.HashMismatch));
        }
        catch
        {
            foreach (string line in _log)
            {
                output.WriteLine(line);
            }

            throw;
        }
        finally
        {
            if (!gateway.HasExited)
            {
                gateway.Kill(entireProcessTree: true);
                await gateway.WaitForExitAsync();
            }

            gateway.Dispose();
            await cloud.StopAsync();
        }
    }

    private Process StartGateway(int cloudPort, string modelPath, string stateDir)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "EdgeFL.Gateway"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        foreach (var arg in new[]
        {
            "--Gateway:GatewayId=gw-chunks",
            $"--Gateway:InitialModelPath={modelPath}",
            $"--Gateway:StateDirectory={stateDir}",
            $"--Gateway:Broker:Port={TestPorts.Free()}",
            $"--Observability:Port={TestPorts.Free()}",
            "--Gateway:Rounds:Deadline=00:00:00.300",
            "--Gateway:Rounds:SyncEvery=1",
            "--Gateway:Rounds:GlobalModelTimeout=00:00:00",
            "--Gateway:Cloud:Enabled=true",
            $"--Gateway:Cloud:Port={cloudPort}",
            "--Gateway:Cloud:Chunking:MaxPayloadBytes=16384", // 366 chunks per upload: a kill lands inside one
            $"--Gateway:Signing:CloudPublicKeyPath={Keys.PublicKey("cloud")}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:EdgeFL.CloudLink=Information",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Keep(string? line)
    {
        if (line is not null && _log.Count < 5000)
        {
            _log.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        }
    }
}
