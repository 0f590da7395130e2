using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Gateway.Tests.Hosting;

/// <summary>
/// Runs the built gateway (src/Gateway's output, EdgeFL.Gateway.dll) as a child process with
/// NOTIFY_SOCKET pointing at a Unix datagram socket this object owns, and records what it says.
/// </summary>
internal sealed class GatewayBinary : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Process _process;
    private readonly List<(TimeSpan At, string Message)> _notifications = [];
    private readonly StringBuilder _stdout = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _receiver;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _socketPath;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A datagram the test sends itself after the gateway exited: read, it proves every earlier one was.</summary>
    private const string DrainedMarker = "EDGEFL_TEST_DRAINED=1";

    public GatewayBinary(string directory, TimeSpan watchdog, IReadOnlyCollection<string> args)
    {
        string socketPath = _socketPath = Path.Combine(directory, "notify.sock");
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        _receiver = Task.Run(ReceiveAsync);

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        start.ArgumentList.Add(GatewayDll());
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        // The observability listener's default port (9464) would be shared by every gateway a test run starts.
        if (!args.Any(a => a.StartsWith("--Observability:", StringComparison.Ordinal)))
        {
            start.ArgumentList.Add($"--Observability:Port={TestPorts.Free()}");
        }

        start.Environment["NOTIFY_SOCKET"] = socketPath;
        start.Environment["WATCHDOG_USEC"] = ((long)watchdog.TotalMicroseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["EDGEFL_CONFIG_DIR"] = directory;
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment.Remove("WATCHDOG_PID");
        start.Environment.Remove("JOURNAL_STREAM");
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_stdout) { _stdout.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_stdout) { _stdout.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get { lock (_stdout) { return _stdout.ToString(); } }
    }

    /// <summary>Every sd_notify variable received, one entry per line, with its arrival time.</summary>
    public IReadOnlyList<(TimeSpan At, string Message)> Notifications
    {
        get { lock (_notifications) { return [.. _notifications]; } }
    }

    public async Task WaitForAsync(Func<IReadOnlyList<(TimeSpan At, string Message)>, bool> condition, TimeSpan timeout)
    {
        var deadline = _clock.Elapsed + timeout;
        while (!condition(Notifications))
        {
            if (_clock.Elapsed > deadline || _process.HasExited)
            {
                throw new TimeoutException($"gateway did not get there (exited: {_process.HasExited}); notifications: {string.Join(" | ", Notifications.Select(n => n.Message))}\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Sends SIGTERM, as systemctl stop does, and waits for the exit.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);

        // The gateway's datagrams are all queued on the socket now; one sent after them is read after them.
        using var marker = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        await marker.SendToAsync(Encoding.UTF8.GetBytes(DrainedMarker), SocketFlags.None, new UnixDomainSocketEndPoint(_socketPath), cts.Token);
        await _drained.Task.WaitAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _receiver;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _process.Dispose();
        _stop.Dispose();
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            var at = _clock.Elapsed;
            lock (_notifications)
            {
                foreach (string line in Encoding.UTF8.GetString(buffer, 0, n).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (line == DrainedMarker)
                    {
                        _drained.TrySetResult();
                    }
                    else
                    {
                        _notifications.Add((at, line));
                    }
                }
            }
        }
    }

    /// <summary>src/Gateway/bin/{configuration}/net10.0/EdgeFL.Gateway.dll, built with the same configuration as this test.</summary>
    private static string GatewayDll() => BuiltProject.AssemblyPath("Gateway", "EdgeFL.Gateway.dll");
}
