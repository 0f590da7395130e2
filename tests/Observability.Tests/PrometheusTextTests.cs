using System.Diagnostics.Metrics;
using EdgeFL.Observability.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace EdgeFL.Observability.Tests;

public sealed class PrometheusTextTests
{
    [Fact]
    public void Scrape_WritesCountersGaugesAndHistograms_WithMeterTagsAsLabels()
    {
        string meterName = "EdgeFL.Test." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(new MeterOptions(meterName) { Tags = [new("edgefl.gateway.id", "gw-1")] });
        var scrape = new MetricsScrape();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meterName).AddReader(scrape.Reader).Build();
        long accepted = 7;
        meter.CreateObservableCounter("edgefl.gateway.updates.accepted", () => accepted, "{update}", "Device updates \"folded\".");
        meter.CreateObservableCounter("edgefl.gateway.updates.rejected", () => new Measurement<long>(3, new KeyValuePair<string, object?>("reason", "TooLarge")), "{update}", "Refused.");
        meter.CreateObservableGauge("edgefl.broker.receive_budget.in_use", () => 1024L, "By", "Bytes held.");
        var duration = meter.CreateHistogram<double>("edgefl.gateway.round.duration", "s", "Round time.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 10] });
        duration.Record(0.5);
        duration.Record(5);
        duration.Record(50);

        string text = scrape.Collect();

        Assert.Contains("# TYPE edgefl_gateway_updates_accepted_total counter\n", text);
        Assert.Contains("# HELP edgefl_gateway_updates_accepted_total Device updates \"folded\".\n", text);
        Assert.Contains("edgefl_gateway_updates_accepted_total{edgefl_gateway_id=\"gw-1\"} 7\n", text);
        Assert.Contains("edgefl_gateway_updates_rejected_total{edgefl_gateway_id=\"gw-1\",reason=\"TooLarge\"} 3\n", text);
        Assert.Contains("# TYPE edgefl_broker_receive_budget_in_use_bytes gauge\n", text);
        Assert.Contains("edgefl_broker_receive_budget_in_use_bytes{edgefl_gateway_id=\"gw-1\"} 1024\n", text);
        Assert.Contains("# TYPE edgefl_gateway_round_duration_seconds histogram\n", text);
        Assert.Contains("edgefl_gateway_round_duration_seconds_bucket{edgefl_gateway_id=\"gw-1\",le=\"1\"} 1\n", text);
        Assert.Contains("edgefl_gateway_round_duration_seconds_bucket{edgefl_gateway_id=\"gw-1\",le=\"10\"} 2\n", text);
        Assert.Contains("edgefl_gateway_round_duration_seconds_bucket{edgefl_gateway_id=\"gw-1\",le=\"+Inf\"} 3\n", text);
        Assert.Contains("edgefl_gateway_round_duration_seconds_sum{edgefl_gateway_id=\"gw-1\"} 55.5\n", text);
        Assert.Contains("edgefl_gateway_round_duration_seconds_count{edgefl_gateway_id=\"gw-1\"} 3\n", text);

        accepted = 9;
        Assert.Contains("edgefl_gateway_updates_accepted_total{edgefl_gateway_id=\"gw-1\"} 9\n", scrape.Collect());
    }

    [Theory]
    [InlineData("edgefl.device.energy", "mA.h", true, "edgefl_device_energy_mA_h_total")]
    [InlineData("edgefl.gateway.outbox.bytes", "By", false, "edgefl_gateway_outbox_bytes")]
    [InlineData("edgefl.gateway.device.battery", "1", false, "edgefl_gateway_device_battery_ratio")]
    [InlineData("dotnet.gc.collections", "{collection}", true, "dotnet_gc_collections_total")]
    public void MetricName_FollowsOpenTelemetrysPrometheusNaming(string name, string unit, bool counter, string expected) =>
        Assert.Equal(expected, PrometheusTextWriter.MetricName(name, unit, counter));
}
