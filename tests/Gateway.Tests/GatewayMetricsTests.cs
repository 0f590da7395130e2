using EdgeFL.Core.Diagnostics;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;

namespace EdgeFL.Gateway.Tests;

public sealed class GatewayMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private IMeterFactory Meters => _services.GetRequiredService<IMeterFactory>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Rejections_AreCountedPerDeviceAndReason()
    {
        var metrics = new GatewayMetrics();
        metrics.CountRejected("Malformed", "a");
        metrics.CountRejected("Malformed", "a");
        metrics.CountRejected("WrongRound", "b");
        Assert.Equal(2, metrics.RejectedByDevice[("a", "Malformed")]);
        Assert.Equal(1, metrics.RejectedByDevice[("b", "WrongRound")]);
        Assert.Equal(3, metrics.Rejected);
        Assert.Null(metrics.Meter);
    }

    public static TheoryData<string, Action<object>, string?> Operations => new()
    {
        { "edgefl.gateway.updates.accepted", m => ((GatewayMetrics)m).CountAccepted(), null },
        { "edgefl.gateway.updates.rejected", m => ((GatewayMetrics)m).CountRejected("NormTooLarge", "dev-1"), "NormTooLarge" },
        { "edgefl.gateway.updates.clipped", m => ((GatewayMetrics)m).CountClipped(), null },
        { "edgefl.gateway.declines", m => ((GatewayMetrics)m).CountDeclined(), null },
        { "edgefl.gateway.rounds", m => ((GatewayMetrics)m).CountRound(), null },
        { "edgefl.gateway.aggregates.refused", m => ((GatewayMetrics)m).CountAggregateRefused(), null },
        { "edgefl.gateway.global_models.rejected", m => ((GatewayMetrics)m).CountGlobalRejected("BadSignature"), "BadSignature" },
        { "edgefl.gateway.updates.late_held", m => ((GatewayMetrics)m).CountLateHeld(), null },
        { "edgefl.gateway.updates.late_folded", m => ((GatewayMetrics)m).CountLateFolded(), null },
        { "edgefl.gateway.updates.samples_capped", m => ((GatewayMetrics)m).CountSamplesCapped(), null },
        { "edgefl.gateway.control.rejected", m => ((GatewayMetrics)m).CountControlRejected("status"), "status" },
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public void EachOperation_IsRecordedByItsInstrument_AndNoOther(string instrument, Action<object> operation, string? reason)
    {
        var metrics = new GatewayMetrics(Meters, "gw-1");
        using var reader = new MeterReader(metrics.Meter!);
        operation(metrics);
        operation(metrics);

        Assert.Equal(2, reader.Read(instrument, reason));
        foreach (var other in reader.Instruments.Where(i => i.Name != instrument))
        {
            Assert.Equal(0, reader.Read(other.Name));
        }
    }

    [Fact]
    public void EveryInstrument_HasAUnitAndADescription_AndNoDeviceTag()
    {
        var metrics = new GatewayMetrics(Meters, "gw-1");
        using var reader = new MeterReader(metrics.Meter!);
        metrics.CountRejected("Malformed", "dev-1");

        Assert.Equal(11, reader.Instruments.Count);
        Assert.All(reader.Instruments, i => Assert.False(string.IsNullOrEmpty(i.Unit) || string.IsNullOrEmpty(i.Description), i.Name));
        Assert.Equal(EdgeFlMeters.Gateway, metrics.Meter!.Name);
        Assert.Contains(metrics.Meter.Tags!, t => t is { Key: GatewayMetrics.GatewayIdTag, Value: "gw-1" });
    }

    [Fact]
    public void TwoGatewaysInOneProcess_KeepTheirCountsApart()
    {
        var first = new GatewayMetrics(Meters, "gw-1");
        var second = new GatewayMetrics(Meters, "gw-2");
        using var firstReader = new MeterReader(first.Meter!);
        using var secondReader = new MeterReader(second.Meter!);
        first.CountAccepted();
        first.CountAccepted();
        second.CountAccepted();

        Assert.NotSame(first.Meter, second.Meter);
        Assert.Equal((2, 1), (first.Accepted, second.Accepted));
        Assert.Equal(2, firstReader.Read("edgefl.gateway.updates.accepted"));
        Assert.Equal(1, secondReader.Read("edgefl.gateway.updates.accepted"));
    }
}
