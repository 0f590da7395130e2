using EdgeFL.Core.Rounds;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;

namespace EdgeFL.CloudBridge.Tests;

public sealed class CloudMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    public static TheoryData<string, Action<object>, string?> Operations => new()
    {
        { "edgefl.cloud.uploads.accepted", m => ((CloudMetrics)m).CountAccepted(), null },
        { "edgefl.cloud.uploads.rejected", m => ((CloudMetrics)m).CountRejected(AdmissionOutcome.Duplicate), "Duplicate" },
        { "edgefl.cloud.uploads.rejected", m => ((CloudMetrics)m).CountRejected("Stale", "gw-1"), "Stale" },
        { "edgefl.cloud.uploads.clipped", m => ((CloudMetrics)m).CountClipped(), null },
        { "edgefl.cloud.aggregates.refused", m => ((CloudMetrics)m).CountAggregateRefused(), null },
        { "edgefl.cloud.global_models.published", m => ((CloudMetrics)m).CountRound(), null },
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public void EachOperation_IsRecordedByItsInstrument_AndNoOther(string instrument, Action<object> operation, string? reason)
    {
        var metrics = new CloudMetrics(_services.GetRequiredService<IMeterFactory>());
        using var reader = new MeterReader(metrics.Meter!);
        operation(metrics);

        Assert.Equal(1, reader.Read(instrument, reason));
        Assert.All(reader.Instruments.Where(i => i.Name != instrument), i => Assert.Equal(0, reader.Read(i.Name)));
        Assert.All(reader.Instruments, i => Assert.False(string.IsNullOrEmpty(i.Unit) || string.IsNullOrEmpty(i.Description), i.Name));
    }

    [Fact]
    public void ReadSide_GivesWhatTheTestsAndTheDemoRead()
    {
        var metrics = new CloudMetrics();
        metrics.CountRejected(AdmissionOutcome.Duplicate);
        metrics.CountRejected(AdmissionOutcome.Duplicate);
        metrics.CountRejected(AdmissionOutcome.NormTooLarge);
        metrics.CountClipped();
        metrics.CountAggregateRefused();
        metrics.CountAccepted();
        metrics.CountRound();

        Assert.Equal(2, metrics.RejectedByReason["Duplicate"]);
        Assert.Equal(3, metrics.Rejected);
        Assert.Equal((1L, 1L, 1L, 1L), (metrics.Clipped, metrics.AggregatesRefused, metrics.Accepted, metrics.GlobalsPublished));
        Assert.Null(metrics.Meter);
    }
}
