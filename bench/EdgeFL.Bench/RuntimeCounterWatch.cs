using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace EdgeFL.Bench;

/// <summary>
/// The highest values of another .NET process's runtime counters (the System.Runtime event source over
/// EventPipe, every 100 ms) between <see cref="Reset"/> and <see cref="Peaks"/>: what of its RSS is the GC's
/// (gc-committed, gc-heap-size, loh-size) and what is not (working-set minus gc-committed), and its thread pool.
/// A diagnostic for figure 12 (EDGEFL_BENCH_CLOUD_COUNTERS=1); sampling misses peaks shorter than 100 ms.
/// </summary>
internal sealed class RuntimeCounterWatch : IDisposable
{
    private static readonly string[] Watched = ["working-set", "gc-committed", "gc-heap-size", "loh-size", "gen-0-size", "threadpool-thread-count", "threadpool-queue-length", "gen-2-gc-count", "gen-0-gc-count"];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, double> _peaks = [];
    private readonly EventPipeSession _session;
    private readonly Task _reader;

    private RuntimeCounterWatch(EventPipeSession session)
    {
        _session = session;
        _reader = Task.Run(Read);
    }

    public static RuntimeCounterWatch Start(int pid)
    {
        var client = new DiagnosticsClient(pid);
        var provider = new EventPipeProvider("System.Runtime", System.Diagnostics.Tracing.EventLevel.Informational, (long)ClrTraceEventParser.Keywords.None,
            new Dictionary<string, string> { ["EventCounterIntervalSec"] = "0.1" });
        return new RuntimeCounterWatch(client.StartEventPipeSession(provider, requestRundown: false));
    }

    public void Reset()
    {
        lock (_lock)
        {
            _peaks.Clear();
        }
    }

    /// <summary>The highest value of each counter since <see cref="Reset"/> (MB for sizes; counts for the rest).</summary>
    public string Peaks()
    {
        lock (_lock)
        {
            return string.Join(", ", Watched.Where(_peaks.ContainsKey).Select(k => string.Create(CultureInfo.InvariantCulture, $"{k} {_peaks[k]:F1}")))
                + (_peaks.TryGetValue("working-set-minus-gc", out double other) ? string.Create(CultureInfo.InvariantCulture, $", working-set minus gc-committed {other:F1}") : "");
        }
    }

    private void Read()
    {
        using var source = new EventPipeEventSource(_session.EventStream);
        double lastWs = 0, lastGc = 0;
        int seen = 0;
        source.Dynamic.All += e =>
        {
            if (Environment.GetEnvironmentVariable("EDGEFL_BENCH_COUNTERS_DEBUG") == "1" && seen++ < 5)
            {
                Console.WriteLine($"  [counters] {e.ProviderName}/{e.EventName}: {string.Join(",", e.PayloadNames)} {e.PayloadValue(0)}");
            }

            if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> outer)
            {
                return;
            }

            var payload = outer.TryGetValue("Payload", out object? inner) && inner is IDictionary<string, object> nested ? nested : outer;

            string name = (string)payload["Name"];
            if (!Watched.Contains(name))
            {
                return;
            }

            double value = Convert.ToDouble(payload.TryGetValue("Mean", out object? mean) ? mean : payload["Increment"], CultureInfo.InvariantCulture);
            lock (_lock)
            {
                _peaks[name] = Math.Max(_peaks.GetValueOrDefault(name), value);
                if (name == "working-set")
                {
                    lastWs = value;
                }
                else if (name == "gc-committed")
                {
                    lastGc = value;
                    _peaks["working-set-minus-gc"] = Math.Max(_peaks.GetValueOrDefault("working-set-minus-gc"), lastWs - lastGc);
                }
            }
        };
        try
        {
            source.Process();
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or ObjectDisposedException)
        {
        }
#pragma warning disable CA1031 // a diagnostic: say why it stopped
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.WriteLine($"  [counters] stopped: {ex.GetType().Name}: {ex.Message}");
        }
    }

    public void Dispose()
    {
        try
        {
            _session.Stop();
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or IOException or TimeoutException)
        {
        }

        _reader.Wait(TimeSpan.FromSeconds(5));
        _session.Dispose();
    }
}
