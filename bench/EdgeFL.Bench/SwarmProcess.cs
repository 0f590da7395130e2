using System.Diagnostics;
using System.Globalization;

namespace EdgeFL.Bench;

/// <summary>The parent's handle on a <see cref="SwarmCommand"/> child process: its latest counts, and a wait for a condition on them.</summary>
internal sealed class SwarmProcess : IDisposable
{
    private readonly Process _process;
    private volatile int[] _counts = [0, 0, 0];

    private SwarmProcess(Process process) => _process = process;

    public int ModelsReceived => _counts[0];

    public long HighestRound => _counts[1];

    public int UpdatesAcknowledged => _counts[2];

    public int Id => _process.Id;

    public static SwarmProcess Start(int port, string gatewayId, int devices, int modelBytes, long answerRound)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(typeof(SwarmProcess).Assembly.Location);
        foreach (string a in SwarmCommand.Arguments(port, gatewayId, devices, modelBytes, answerRound))
        {
            psi.ArgumentList.Add(a);
        }

        var swarm = new SwarmProcess(Process.Start(psi)!);
        swarm._process.OutputDataReceived += (_, e) =>
        {
            // "models M round R acked A"
            string[]? parts = e.Data?.Split(' ');
            if (parts is { Length: 6 } && parts[0] == "models")
            {
                swarm._counts = [int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture), int.Parse(parts[5], CultureInfo.InvariantCulture)];
            }
        };
        swarm._process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrEmpty(e.Data))
            {
                Console.Error.WriteLine($"  [swarm] {e.Data}");
            }
        };
        swarm._process.BeginOutputReadLine();
        swarm._process.BeginErrorReadLine();
        return swarm;
    }

    /// <summary>Tells every device to publish its update now.</summary>
    public void Go() => _process.StandardInput.WriteLine("go");

    /// <summary>Waits until <paramref name="condition"/> holds; throws after <paramref name="timeout"/> or when the swarm exits.</summary>
    public async Task WaitUntilAsync(Func<SwarmProcess, bool> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition(this))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the device swarm exited (code {_process.ExitCode}) before {what}");
            }

            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:F0} s (models {ModelsReceived}, round {HighestRound}, acked {UpdatesAcknowledged})");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }

        _process.Dispose();
    }
}
