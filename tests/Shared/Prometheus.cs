using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EdgeFL.Tests.Shared;

/// <summary>
/// Debian's Prometheus server, started by a test on a free loopback port with a scrape configuration of its
/// targets (every second), its storage in a temporary folder; stopped and removed on dispose.
/// </summary>
public sealed class Prometheus : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http;

    private Prometheus(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    /// <summary>What Prometheus logged, for a failure message.</summary>
    public string Output
    {
        get { lock (_output) { return _output.ToString(); } }
    }

    /// <summary>
    /// Starts Prometheus scraping each job's targets (<c>host:port</c>) every second, with a bearer token
    /// for a job that names one.
    /// </summary>
    public static async Task<Prometheus> StartAsync(IEnumerable<(string Job, string Target, string? BearerToken)> jobs, CancellationToken cancellationToken = default)
    {
        string binary = new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("prometheus is not installed: apt-get install prometheus (.ci/run does this)");
        int port = TestPorts.Free();
        string dir = Directory.CreateTempSubdirectory("edgefl-prometheus-").FullName;
        var config = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n");
        foreach (var (job, target, token) in jobs)
        {
            config.Append(CultureInfo.InvariantCulture, $"  - job_name: '{job}'\n    static_configs:\n      - targets: ['{target}']\n");
            if (token is not null)
            {
                config.Append(CultureInfo.InvariantCulture, $"    authorization:\n      type: Bearer\n      credentials: '{token}'\n");
            }
        }

        string configPath = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config.ToString(), cancellationToken);
        var process = Process.Start(new ProcessStartInfo(binary,
        [
            $"--config.file={configPath}",
            $"--storage.tsdb.path={Path.Combine(dir, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        ])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        }) ?? throw new InvalidOperationException("prometheus did not start");
        var prometheus = new Prometheus(process, dir, port);
        try
        {
            await TestWait.UntilAsync(() => prometheus.IsReady(), "prometheus ready", TimeSpan.FromSeconds(60));
        }
        catch
        {
            await prometheus.DisposeAsync();
            throw;
        }

        return prometheus;
    }

    /// <summary>
    /// The value of every series an instant query returns, keyed by the series' labels (<c>{job="gateway",...}</c>,
    /// sorted); empty when nothing matches yet.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, double>> QueryAsync(string promql, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(promql), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var series in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            string labels = "{" + string.Join(",", series.GetProperty("metric").EnumerateObject()
                .Where(p => p.Name != "__name__")
                .OrderBy(p => p.Name, StringComparer.Ordinal)
                .Select(p => $"{p.Name}=\"{p.Value.GetString()}\"")) + "}";
            result[labels] = double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }

        return result;
    }

    /// <summary>Waits until <paramref name="promql"/> returns exactly one series with <paramref name="expected"/>.</summary>
    public async Task WaitForValueAsync(string promql, double expected, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyDictionary<string, double> last = new Dictionary<string, double>();
        while (DateTime.UtcNow < deadline)
        {
            last = await QueryAsync(promql, cancellationToken);
            if (last.Count == 1 && last.Values.Single() == expected)
            {
                return;
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"{promql} did not become {expected} within {timeout}: {string.Join(", ", last.Select(kv => $"{kv.Key} {kv.Value}"))}\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private bool IsReady()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}: {Output}");
        }

        try
        {
            using var response = _http.GetAsync("-/ready").GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 100_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}
