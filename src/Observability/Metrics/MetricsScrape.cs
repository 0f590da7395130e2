using OpenTelemetry.Metrics;

namespace EdgeFL.Observability.Metrics;

/// <summary>
/// The service's OpenTelemetry reader for <c>/metrics</c>: one collection per scrape, serialised (OpenTelemetry
/// lets one collection run at a time), the text of the last one handed to every scrape that waited for it.
/// </summary>
internal sealed class MetricsScrape
{
    private readonly Lock _lock = new();
    private readonly PrometheusTextExporter _exporter = new();

    public MetricsScrape() => Reader = new BaseExportingMetricReader(_exporter);

    /// <summary>The reader added to the service's meter provider.</summary>
    public MetricReader Reader { get; }

    /// <summary>Collects now and returns the text; empty when the provider is gone (the service is stopping).</summary>
    public string Collect()
    {
        lock (_lock)
        {
            return Reader.Collect(timeoutMilliseconds: 5000) ? _exporter.Text : "";
        }
    }
}
