using System.Buffers;
using System.Collections.Concurrent;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Rounds;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;

namespace EdgeFL.Core.Tests.Rounds;

/// <summary>The shared admission pipeline, through a minimal tier: one open round, contributions for it only.</summary>
public sealed class RoundBookTests
{
    private static readonly ModelState Reference = new([NamedTensor.FromFloat32("w", [4], [0f, 0f, 0f, 0f])]);

    [Fact]
    public void Admit_FoldsWeightedBySamples_AndJournalsBeforeReturning()
    {
        var journal = new RecordingJournal();
        var book = new OneRound(journal);
        Assert.True(book.Admit("a", Payload("a", 1, 1f, samples: 30)).IsAccepted);
        Assert.Single(journal.Entries);
        Assert.True(book.Admit("b", Payload("b", 1, 5f, samples: 10)).IsAccepted);

        var aggregate = book.Close();
        Assert.Equal(2f, aggregate!.Tensors[0].AsFloat32()[0], 5); // (30 x 1 + 10 x 5) / 40
        Assert.Equal(["a", "b"], journal.Entries.Select(e => e.Sender));
        Assert.Equal(["a", "b"], book.Round.Accepted.Order());
    }

    [Theory]
    [InlineData("x", AdmissionOutcome.SenderMismatch)]
    [InlineData("a", AdmissionOutcome.Accepted)]
    public void Admit_ChecksTheSenderAgainstThePayload(string topicSender, AdmissionOutcome expected)
    {
        var book = new OneRound(null);
        Assert.Equal(expected, book.Admit(topicSender, Payload("a", 1, 1f)).Outcome);
    }

    [Fact]
    public void Admit_RefusesASecondContributionForTheSameKey_AndGarbage_AndOversize()
    {
        var observer = new CountingObserver();
        var book = new OneRound(null, observer, maxBytes: 4096);
        Assert.True(book.Admit("a", Payload("a", 1, 1f)).IsAccepted);
        Assert.Equal(AdmissionOutcome.Duplicate, book.Admit("a", Payload("a", 1, 2f)).Outcome);
        Assert.Equal(AdmissionOutcome.Malformed, book.Admit("a", new ReadOnlySequence<byte>([0xc1, 1, 2])).Outcome);
        Assert.Equal(AdmissionOutcome.TooLarge, book.Admit("a", new ReadOnlySequence<byte>(new byte[5000])).Outcome);
        Assert.Equal(3, observer.Refusals.Count);
        Assert.Equal(3, book.Round.Rejected);
        Assert.Equal(1, book.Round.Count);
    }

    [Fact]
    public void AContentRefusal_AnswersTheRound_AndFreesTheKeyForACorrectedContribution()
    {
        var book = new OneRound(null);
        Assert.Equal(AdmissionOutcome.Invalid, book.Admit("a", Payload("a", 1, float.NaN)).Outcome);
        Assert.Contains("a", book.Round.Refused);
        Assert.True(book.Round.IsQuorumReached(["a"], 1.0));

        Assert.True(book.Admit("a", Payload("a", 1, 1f)).IsAccepted);
        Assert.DoesNotContain("a", book.Round.Refused);
        Assert.Contains("a", book.Round.Accepted);
    }

    [Fact]
    public void TheNormBound_RejectsOrClips_AsItsPolicySays()
    {
        var reject = new OneRound(null, bound: new UpdateNormBound(1, NormPolicy.Reject));
        Assert.Equal(AdmissionOutcome.NormTooLarge, reject.Admit("a", Payload("a", 1, 10f)).Outcome);

        var observer = new CountingObserver();
        var clip = new OneRound(null, observer, bound: new UpdateNormBound(1, NormPolicy.Clip));
        Assert.True(clip.Admit("a", Payload("a", 1, 10f)).IsAccepted);
        Assert.True(observer.Scales.Single() < 1);
        float[] clipped = clip.Close()!.Tensors[0].AsFloat32().ToArray();
        Assert.Equal(1.0, Math.Sqrt(clipped.Sum(v => (double)v * v)), 4);
        Assert.Equal(1, clip.Round.NormCount);
    }

    [Fact]
    public void Replay_FoldsJournaledPayloads_WithoutJournalingThemAgain()
    {
        var journal = new RecordingJournal();
        var first = new OneRound(journal);
        first.Admit("a", Payload("a", 1, 1f, samples: 10));
        first.Admit("b", Payload("b", 1, 3f, samples: 10));

        var restarted = new OneRound(journal);
        int replayed = restarted.Replay(journal.Entries.Select(e => new JournaledContribution(1, e.Sender, e.Payload)).ToList());
        Assert.Equal(2, replayed);
        Assert.Equal(2, journal.Entries.Count);
        Assert.Equal(2f, restarted.Close()!.Tensors[0].AsFloat32()[0], 5);
    }

    [Fact]
    public void AContributionWhoseRoundClosedWhileItWasJournaled_IsRefused_AndNotFolded()
    {
        OneRound? book = null;
        var journal = new RecordingJournal { OnAppend = () => book!.Close() };
        book = new OneRound(journal);
        var result = book.Admit("a", Payload("a", 1, 1f));
        Assert.Equal(AdmissionOutcome.NoOpenRound, result.Outcome);
        Assert.Equal(0, book.Round.Count);
    }

    [Fact]
    public async Task ConcurrentAdmissions_AreEachFoldedOnce()
    {
        var journal = new RecordingJournal();
        var book = new OneRound(journal);
        var senders = Enumerable.Range(0, 64).Select(i => $"d{i:D2}").ToArray();
        await Task.WhenAll(senders.Select(s => Task.Run(() =>
        {
            Assert.True(book.Admit(s, Payload(s, 1, 2f, samples: 5)).IsAccepted);
            Assert.Equal(AdmissionOutcome.Duplicate, book.Admit(s, Payload(s, 1, 2f, samples: 5)).Outcome);
        })));

        Assert.Equal(64, book.Round.Count);
        Assert.Equal(64 * 5, book.Round.Samples);
        Assert.Equal(64, journal.Entries.Count);
        Assert.Equal(2f, book.Close()!.Tensors[0].AsFloat32()[3], 5);
    }

    private static ReadOnlySequence<byte> Payload(string device, long round, float value, long samples = 10) =>
        new(WireCodec.Encode(new DeviceUpdate(device, round, samples, 0.5, 1, 0, DateTimeOffset.UnixEpoch, new ModelState([NamedTensor.FromFloat32("w", [4], [value, value, value, value])]))));

    private sealed class OneRound : RoundBook
    {
        public OneRound(IRoundJournal? journal, IAdmissionObserver? observer = null, long maxBytes = 1 << 20, UpdateNormBound? bound = null)
            : base(
                new AdmissionRules { MaxBytes = maxBytes, MaxSamples = 1000, Aggregation = new AggregationOptions(), NormBound = bound ?? new UpdateNormBound(0, NormPolicy.Clip) },
                Decode,
                journal,
                observer ?? new CountingObserver(),
                TimeProvider.System)
        {
            lock (Sync)
            {
                Round = NewRound(1, Reference);
            }
        }

        public AggregationRound Round { get; }

        private bool _closed;

        public ModelState? Close()
        {
            lock (Sync)
            {
                _closed = true;
                return Close(Round, 1);
            }
        }

        protected override RoundSlot Select(Contribution contribution) =>
            _closed ? RoundSlot.Refuse(AdmissionOutcome.NoOpenRound, "closed") : RoundSlot.In(Round);

        protected override AggregationRound? RoundForRefusal() => Round;

        private static bool Decode(ReadOnlySequence<byte> payload, out Contribution? contribution, out string error)
        {
            contribution = null;
            error = "";
            if (!WireCodec.TryDecodeUpdate(payload, DecodeLimits.Default, out var update, out var wire))
            {
                error = wire.ToString();
                return false;
            }

            contribution = new Contribution(update!.DeviceId, $"{update.DeviceId}@{update.Round}", update.Round, update.SampleCount, update.Model) { Loss = update.Loss };
            return true;
        }
    }

    private sealed class RecordingJournal : IRoundJournal
    {
        public ConcurrentQueue<(string Sender, byte[] Payload)> Queue { get; } = new();

        public List<(string Sender, byte[] Payload)> Entries => [.. Queue];

        public Action? OnAppend { get; init; }

        public bool IsDurable => true;

        public void Append(long round, Contribution contribution, ReadOnlySequence<byte> payload)
        {
            Queue.Enqueue((contribution.SenderId, payload.ToArray()));
            OnAppend?.Invoke();
        }
    }

    private sealed class CountingObserver : IAdmissionObserver
    {
        public ConcurrentBag<AdmissionOutcome> Refusals { get; } = [];

        public ConcurrentBag<double> Scales { get; } = [];

        public void Admitted(long round, Contribution contribution, double norm, double deltaScale, double maxNorm) => Scales.Add(deltaScale);

        public void Refused(string senderId, AdmissionOutcome outcome, string detail) => Refusals.Add(outcome);
    }
}
