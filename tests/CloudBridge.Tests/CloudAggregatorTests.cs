using EdgeFL.Core.Rounds;
using System.Buffers;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.CloudBridge.Tests;

public sealed class CloudAggregatorTests
{
    private readonly ManualTimeProvider _time = new();

    internal static ModelState Filled(float value) => new(
    [
        NamedTensor.FromFloat32("w", [4], [value, value, value, value]),
        NamedTensor.FromInt64("n", [1], [(long)value]),
    ]);

    internal static ReadOnlySequence<byte> Upload(string gateway, long seq, long round, long samples, ModelState model) =>
        new(WireCodec.Encode(new GatewayUpload(gateway, GatewayUpload.MakeUploadId(gateway, seq), seq, "m", round, samples, DateTimeOffset.UnixEpoch, model)));

    private CloudAggregator Create(int expected = 2)
    {
        var aggregator = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = expected, SyncDeadline = TimeSpan.FromSeconds(30) }, NullLogger.Instance, _time);
        aggregator.Adopt(new ModelMessage("m", 0, "cloud", 0, DateTimeOffset.UnixEpoch, Filled(0)));
        return aggregator;
    }

    [Fact]
    public void Global_IsTheSampleWeightedMean_OfTheGatewaysUploads()
    {
        var aggregator = Create();
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", Upload("gw-1", 1, 5, 300, Filled(2))));
        Assert.Empty(aggregator.CloseDue());
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-2", Upload("gw-2", 1, 5, 100, Filled(6))));

        var (global, gateways) = Assert.Single(aggregator.CloseDue());

        Assert.Equal(2, gateways);
        Assert.Equal(5, global.Round);
        Assert.Equal(400, global.TotalSamples);
        var expected = Aggregate.WeightedMean([(Filled(2), 300), (Filled(6), 100)]);
        Assert.Equal(expected.Tensors[0].AsFloat32().ToArray(), global.Model.Tensors[0].AsFloat32().ToArray());
        Assert.Equal(3f, global.Model.Tensors[0].AsFloat32()[0], 5);
    }

    [Fact]
    public void Upload_IsAppliedAtMostOnce()
    {
        var aggregator = Create(expected: 3);
        var payload = Upload("gw-1", 1, 5, 100, Filled(2));
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", payload));
        Assert.Equal(AdmissionOutcome.Duplicate, aggregator.OnUpload("gw-1", payload));
        Assert.Equal(AdmissionOutcome.Duplicate, aggregator.OnUpload("gw-1", Upload("gw-1", 2, 5, 100, Filled(9))));
        Assert.Equal(2, aggregator.RejectedByReason["Duplicate"]);
    }

    [Fact]
    public void AResendAfterItsRoundWasPublished_IsAnsweredApplied_ALateNewUploadStale()
    {
        // A gateway whose ack was lost (a broker node died) sends its upload again after the sync round closed:
        // it was applied, so the answer is duplicate (the gateway removes it), not stale (it would dead-letter it).
        var aggregator = Create(expected: 1);
        var first = Upload("gw-1", 1, 5, 100, Filled(2));
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", first));
        Assert.Single(aggregator.CloseDue());

        Assert.Equal(AdmissionOutcome.Duplicate, aggregator.OnUpload("gw-1", first, out var ack));
        Assert.True(ack!.IsApplied);
        Assert.Equal(AdmissionOutcome.TooStale, aggregator.OnUpload("gw-2", Upload("gw-2", 1, 5, 100, Filled(6)), out var late));
        Assert.False(late!.IsApplied);
        Assert.Equal(5, aggregator.Global!.Round);
    }

    [Fact]
    public void AppliedUploadsOfPublishedRounds_AreRememberedPerGateway_UpToTheBound()
    {
        var aggregator = Create(expected: 1);
        int uploads = State.RecentUploads.PerGateway + 1;
        for (int i = 1; i <= uploads; i++)
        {
            Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", Upload("gw-1", i, 5 * i, 100, Filled(i))));
            Assert.Single(aggregator.CloseDue());
        }

        // The last PerGateway uploads are answered as applied; the oldest one, beyond the bound, as stale.
        Assert.Equal(AdmissionOutcome.TooStale, aggregator.OnUpload("gw-1", Upload("gw-1", 1, 5, 100, Filled(1))));
        for (int i = 2; i <= uploads; i++)
        {
            Assert.Equal(AdmissionOutcome.Duplicate, aggregator.OnUpload("gw-1", Upload("gw-1", i, 5 * i, 100, Filled(i))));
        }
    }

    [Fact]
    public void Round_ClosesOnDeadline_WithWhatArrived()
    {
        var aggregator = Create(expected: 4);
        aggregator.OnUpload("gw-1", Upload("gw-1", 1, 5, 100, Filled(2)));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(aggregator.CloseDue());
        _time.Advance(TimeSpan.FromSeconds(2));
        var (global, gateways) = Assert.Single(aggregator.CloseDue());
        Assert.Equal(1, gateways);
        Assert.Equal(2f, global.Model.Tensors[0].AsFloat32()[0]);

        // Late arrivals for a published round are stale.
        Assert.Equal(AdmissionOutcome.TooStale, aggregator.OnUpload("gw-2", Upload("gw-2", 1, 5, 100, Filled(6))));
    }

    [Fact]
    public void Upload_FromAnotherGatewaysTopic_OrMalformed_OrWrongLayout_IsRejected()
    {
        var aggregator = Create();
        Assert.Equal(AdmissionOutcome.SenderMismatch, aggregator.OnUpload("gw-2", Upload("gw-1", 1, 5, 100, Filled(2))));
        Assert.Equal(AdmissionOutcome.Malformed, aggregator.OnUpload("gw-1", new ReadOnlySequence<byte>(new byte[] { 0x81, 0xa1 })));
        var wrong = new ModelState([NamedTensor.FromFloat32("w", [3], [1, 2, 3])]);
        Assert.Equal(AdmissionOutcome.Invalid, aggregator.OnUpload("gw-1", Upload("gw-1", 1, 5, 100, wrong)));
        Assert.Equal(AdmissionOutcome.Invalid, aggregator.OnUpload("gw-1", Upload("gw-1", 2, 5, 100, Filled(float.PositiveInfinity))));
        Assert.Equal(AdmissionOutcome.Invalid, aggregator.OnUpload("gw-1", Upload("gw-1", 3, 5, 0, Filled(1))));
        Assert.Empty(aggregator.CloseDue());
    }

    [Fact]
    public void Upload_BeyondTheOpenRoundLimit_IsRefused()
    {
        var aggregator = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = 2, MaxOpenRounds = 2 }, NullLogger.Instance, _time);
        aggregator.Adopt(new ModelMessage("m", 0, "cloud", 0, DateTimeOffset.UnixEpoch, Filled(0)));
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", Upload("gw-1", 1, 5, 1, Filled(1))));
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", Upload("gw-1", 2, 10, 1, Filled(1))));
        Assert.Equal(AdmissionOutcome.TooManyRounds, aggregator.OnUpload("gw-1", Upload("gw-1", 3, 15, 1, Filled(1))));
    }

    [Fact]
    public void Upload_WithoutAGlobalModel_IsRefused()
    {
        var aggregator = new CloudAggregator(new CloudAggregatorOptions(), NullLogger.Instance, _time);
        Assert.Equal(AdmissionOutcome.NoModel, aggregator.OnUpload("gw-1", Upload("gw-1", 1, 5, 1, Filled(1))));
    }

    [Fact]
    public void CompleteRounds_WaitingToBePublished_DoNotCountAgainstTheOpenRoundLimit()
    {
        // After an outage a gateway's outbox drains in a burst, faster than the publishing loop runs.
        var aggregator = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = 1, MaxOpenRounds = 2 }, NullLogger.Instance, _time);
        aggregator.Adopt(new ModelMessage("m", 0, "cloud", 0, DateTimeOffset.UnixEpoch, Filled(0)));
        for (int i = 1; i <= 6; i++)
        {
            Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", Upload("gw-1", i, i, 1, Filled(i))));
        }

        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], aggregator.CloseDue().Select(g => g.Global.Round));
    }
}
