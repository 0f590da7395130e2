using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace EdgeFL.Bench;

/// <summary>
/// The real gateway binary (src/Gateway's Release output) as a child process, with a fresh state folder and
/// NOTIFY_SOCKET pointing at a Unix datagram socket this object owns (as systemd would), so the time to
/// READY=1 can be read; its memory is read from /proc/PID/status.
/// </summary>
internal sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;
    private readonly Socket _notify;
    private readonly TaskCompletionSource<TimeSpan> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _stateDir;
    private readonly string _socketDir;
    private readonly StringBuilder _output = new();

    private readonly Stopwatch _clock;

    private GatewayProcess(Process process, Socket notify, string stateDir, string socketDir, Stopwatch clock)
    {
        _clock = clock;
        _process = process;
        _notify = notify;
        _stateDir = stateDir;
        _socketDir = socketDir;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Time since just before the process was started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Process start to READY=1 (the broker listens and the gateway's own client is connected).</summary>
    public Task<TimeSpan> Ready => _ready.Task;

    public string Output
    {
        get { lock (_output) { return _output.ToString(); } }
    }

    /// <summary>
    /// Starts the gateway with <paramref name="args"/> (configuration keys) and extra environment variables; another
    /// service (the cloud aggregator) is started the same way with its own <paramref name="stateDirectoryKey"/>.
    /// </summary>
    public static GatewayProcess Start(string gatewayDll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string stateDirectoryKey = "Gateway:StateDirectory")
    {
        string socketDir = Directory.CreateTempSubdirectory("edgefl-bench-notify-").FullName;
        string socketPath = Path.Combine(socketDir, "notify.sock");
        var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));

        // A fresh state folder per process: the gateway's real durable state, never a resumed one.
        string stateDir = Directory.CreateTempSubdirectory("edgefl-bench-state-").FullName;
        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(gatewayDll);
        psi.ArgumentList.Add($"--{stateDirectoryKey}={stateDir}");
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NOTIFY_SOCKET"] = socketPath;
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment.Remove("WATCHDOG_USEC");
        psi.Environment.Remove("WATCHDOG_PID");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        var gateway = new GatewayProcess(Process.Start(psi)!, notify, stateDir, socketDir, clock);
        gateway._process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        gateway._process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        gateway._process.BeginOutputReadLine();
        gateway._process.BeginErrorReadLine();
        _ = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    int n = await notify.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                    if (Encoding.UTF8.GetString(buffer, 0, n).Split('\n').Contains("READY=1"))
                    {
                        gateway._ready.TrySetResult(clock.Elapsed);
                    }
                }
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
                gateway._ready.TrySetException(new InvalidOperationException("the gateway never said READY=1"));
            }
        });
        return gateway;
    }

    /// <summary>Waits for READY=1; throws with the gateway's output if it does not come within <paramref name="timeout"/>.</summary>
    public async Task<TimeSpan> WaitReadyAsync(TimeSpan timeout)
    {
        try
        {
            return await Ready.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the gateway did not say READY=1 within {timeout.TotalSeconds:F0} s (exited: {_process.HasExited}):\n{Output}");
        }
    }

    /// <summary>The process's state folder (fresh, deleted on dispose).</summary>
    public string StateDirectory => _stateDir;

    /// <summary>VmRSS and VmHWM (peak RSS) of the gateway process, bytes.</summary>
    public (long Rss, long Hwm) Memory() => Measure.Memory(_process.Id);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        _notify.Dispose();
        Directory.Delete(_stateDir, recursive: true);
        Directory.Delete(_socketDir, recursive: true);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
