using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace EdgeFL.Emulation.Tests;

/// <summary>
/// A published program run under qemu-user (<c>qemu-aarch64-static ./EdgeFL.Gateway ...</c>), its output kept
/// line by line so a test can wait for a line instead of sleeping.
/// </summary>
internal sealed class EmulatedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waits = new(StringComparer.Ordinal);
    private readonly string _name;

    private EmulatedProcess(string name, Process process)
    {
        _name = name;
        _process = process;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="program"/> (a file in <paramref name="directory"/>) under <paramref name="emulator"/>.</summary>
    public static EmulatedProcess Start(string name, string emulator, string directory, string program, IEnumerable<string> arguments, string workingDirectory)
    {
        var info = new ProcessStartInfo(emulator)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(Path.Combine(directory, program));
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        // As a service would run: no systemd here, no colour codes, one line per log entry.
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        info.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        info.Environment.Remove("NOTIFY_SOCKET");
        info.Environment.Remove("WATCHDOG_USEC");
        info.Environment.Remove("WATCHDOG_PID");
        var started = new EmulatedProcess(name, new Process { StartInfo = info, EnableRaisingEvents = true });
        started._process.OutputDataReceived += (_, e) => started.Append(e.Data);
        started._process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        started._process.Exited += (_, _) =>
        {
            foreach (var wait in started._waits.Values)
            {
                wait.TrySetException(new InvalidOperationException($"{name} exited (code {started._process.ExitCode}) before the line came"));
            }
        };
        started._process.Start();
        started._process.BeginOutputReadLine();
        started._process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Waits for an output line containing <paramref name="text"/> (already printed or still to come).</summary>
    public async Task WaitForLineAsync(string text, TimeSpan timeout)
    {
        var wait = _waits.GetOrAdd(text, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (Output.Contains(text, StringComparison.Ordinal))
        {
            wait.TrySetResult();
        }

        if (_process.HasExited)
        {
            wait.TrySetException(new InvalidOperationException($"{_name} exited (code {_process.ExitCode}) before the line came"));
        }

        try
        {
            await wait.Task.WaitAsync(timeout);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw new TimeoutException($"{_name}: no line containing '{text}' within {timeout.TotalSeconds:F0} s ({e.Message}). Its output:\n{Output}", e);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        foreach (var (text, wait) in _waits)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                wait.TrySetResult();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
