using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace EdgeFL.Observability.Metrics;

/// <summary>
/// Exports on demand: when its reader collects (on a scrape), it writes the batch in Prometheus' text format
/// (0.0.4) into <see cref="Text"/>. Only <see cref="MetricsScrape"/> calls the collection, under its lock.
/// </summary>
/// <remarks>
/// Declared a push exporter (the default) although nothing pushes it: OpenTelemetry lets only its own
/// code collect a pull-only exporter (its pull scope is internal), and this reader is never periodic.
/// </remarks>
internal sealed class PrometheusTextExporter : BaseExporter<Metric>
{
    private readonly PrometheusTextWriter _writer = new();

    /// <summary>What the last collection wrote.</summary>
    public string Text { get; private set; } = "";

    public override ExportResult Export(in Batch<Metric> batch)
    {
        _writer.Clear();
        foreach (var metric in batch)
        {
            _writer.Add(metric);
        }

        Text = _writer.ToString();
        return ExportResult.Success;
    }
}
