using EdgeFL.Core.Messages;
using EdgeFL.Core.Rounds;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using static EdgeFL.CloudBridge.Tests.CloudAggregatorTests;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>
/// The attack of issue 15 (finding 1): with a gateway's credential, one upload for round 2^63-3 gave a
/// global model of that round, the honest gateways' round counters overflowed and every later update
/// and upload was refused. An upload can move the global round at most to the cloud's own next round.
/// </summary>
public sealed class RoundClockTests
{
    private readonly ManualTimeProvider _time = new();

    private CloudAggregator Create(int expected)
    {
        var aggregator = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = expected, MaxRoundLead = 100 }, NullLogger.Instance, _time);
        aggregator.Adopt(new ModelMessage("m", 5, "cloud", 0, DateTimeOffset.UnixEpoch, Filled(0)));
        return aggregator;
    }

    [Fact]
    public void AnUploadForAnAbsurdRound_IsRefusedAsMalformed()
    {
        var aggregator = Create(expected: 1);
        Assert.Equal(AdmissionOutcome.Malformed, aggregator.OnUpload("gw-1", Upload("gw-1", 1, 9223372036854775805, 10, Filled(1)), out var ack));
        Assert.Null(ack);
        Assert.Equal(AdmissionOutcome.Malformed, aggregator.OnUpload("gw-1", Upload("gw-1", 2, -3, 10, Filled(1))));
        Assert.Empty(aggregator.CloseDue());
        Assert.Equal(5, aggregator.Global!.Round);
    }

    [Fact]
    public void AnUploadFarAhead_MovesTheGlobalRound_OnlyToTheCloudsNextRound()
    {
        var aggregator = Create(expected: 2);

        // A hostile gateway names the furthest valid round; its upload joins the cloud's round 5 + 100.
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-evil", Upload("gw-evil", 1, RoundNumbers.Max - 5, 10, Filled(1)), out var ack));
        Assert.Equal(UploadAck.Accepted, ack!.Outcome);
        Assert.Equal(1, aggregator.Metrics.RoundsCapped);
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", Upload("gw-1", 1, 105, 10, Filled(3))));

        var (global, gateways) = Assert.Single(aggregator.CloseDue());
        Assert.Equal(105, global.Round);
        Assert.Equal(2, gateways);

        // The honest gateways go on: their next sync round is accepted and published.
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", Upload("gw-1", 2, 110, 10, Filled(2))));
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-2", Upload("gw-2", 1, 110, 10, Filled(2))));
        Assert.Equal(110, Assert.Single(aggregator.CloseDue()).Global.Round);
    }

    [Fact]
    public void RepeatedFarAheadUploads_CannotOverflowTheRound()
    {
        var aggregator = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = 1, MaxRoundLead = RoundNumbers.Max }, NullLogger.Instance, _time);
        aggregator.Adopt(new ModelMessage("m", 0, "cloud", 0, DateTimeOffset.UnixEpoch, Filled(0)));
        for (int i = 1; i <= 3; i++)
        {
            aggregator.OnUpload("gw-evil", Upload("gw-evil", i, RoundNumbers.Max - 1, 10, Filled(1)));
            foreach (var (global, _) in aggregator.CloseDue())
            {
                Assert.InRange(global.Round, 0, RoundNumbers.Max - 1);
            }
        }

        Assert.Equal(RoundNumbers.Max - 1, aggregator.Global!.Round);
    }
}
