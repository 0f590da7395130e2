using System.Diagnostics;
using System.Net.Sockets;

namespace EdgeFL.Tests.Shared;

/// <summary>A mosquitto broker started by a test on a free loopback port, stopped on dispose.</summary>
public sealed class Mosquitto : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private bool _disposed;

    private Mosquitto(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public static async Task<Mosquitto> StartAsync(CancellationToken cancellationToken = default) => await StartAsync((int?)null, cancellationToken);

    /// <summary>
    /// Starts mosquitto keeping its sessions and queued messages in <paramref name="persistenceDirectory"/>
    /// across a graceful stop and start, as a production cloud broker would.
    /// </summary>
    public static async Task<Mosquitto> StartAsync(int? fixedPort, string persistenceDirectory, CancellationToken cancellationToken = default) =>
        await StartAsync(fixedPort, cancellationToken, persistenceDirectory);

    /// <summary>Starts mosquitto on <paramref name="fixedPort"/> (to restart a broker where clients expect it) or on a free port.</summary>
    public static async Task<Mosquitto> StartAsync(int? fixedPort, CancellationToken cancellationToken = default, string? persistenceDirectory = null) =>
        await StartAsync(fixedPort, null, cancellationToken, persistenceDirectory);

    /// <summary>
    /// Starts mosquitto with <paramref name="listenerConfig"/> (given the port; it replaces the default
    /// anonymous plain listener) on a free port. Files it names must be readable by the mosquitto user.
    /// </summary>
    public static async Task<Mosquitto> StartAsync(Func<int, string> listenerConfig, CancellationToken cancellationToken = default) =>
        await StartAsync((int?)null, listenerConfig, cancellationToken, null);

    /// <summary>Starts mosquitto with <paramref name="listenerConfig"/> on <paramref name="fixedPort"/> (to restart a broker where clients expect it).</summary>
    public static async Task<Mosquitto> StartAsync(int fixedPort, Func<int, string> listenerConfig, CancellationToken cancellationToken = default) =>
        await StartAsync((int?)fixedPort, listenerConfig, cancellationToken, null);

    private static async Task<Mosquitto> StartAsync(int? fixedPort, Func<int, string>? listenerConfig, CancellationToken cancellationToken, string? persistenceDirectory)
    {
        string binary = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("mosquitto is not installed: apt-get install mosquitto (.ci/run does this)");
        int port = fixedPort ?? TestPorts.Free();
        string dir = Directory.CreateTempSubdirectory("edgefl-mosquitto-").FullName;
        string config = Path.Combine(dir, "mosquitto.conf");
        string persistence = persistenceDirectory is null
            ? "persistence false\n"
            : $"persistence true\npersistence_location {persistenceDirectory.TrimEnd('/')}/\n";
        string listener = listenerConfig?.Invoke(port) ?? $"listener {port} 127.0.0.1\nallow_anonymous true\n";
        await File.WriteAllTextAsync(config, $"{listener}{persistence}", cancellationToken);

        // Started as root, mosquitto drops to its own user, which must still read the config.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(config, (UnixFileMode)0b110_100_100);
            if (persistenceDirectory is not null)
            {
                Directory.CreateDirectory(persistenceDirectory);
                File.SetUnixFileMode(persistenceDirectory, (UnixFileMode)0b111_111_111);
            }
        }
        var process = Process.Start(new ProcessStartInfo(binary, ["-c", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("mosquitto did not start");
        var broker = new Mosquitto(process, dir, port);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port, cancellationToken);
                return broker;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (SocketException)
            {
                string err = process.HasExited ? await process.StandardError.ReadToEndAsync(cancellationToken) : "";
                await broker.DisposeAsync();
                throw new InvalidOperationException($"mosquitto did not listen on port {port}: {err}");
            }
        }
    }

    /// <summary>Stops the broker gracefully (SIGTERM), so that a persistent broker saves its state.</summary>
    public async Task StopAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_process.HasExited)
        {
            using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await term!.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return; // a test that stops and disposes a broker, then fails, disposes it again in its finally
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
