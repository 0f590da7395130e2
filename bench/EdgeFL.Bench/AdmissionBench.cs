using System.Buffers;
using System.Diagnostics;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Rounds;
using EdgeFL.Core.Wire;
using EdgeFL.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 8: updates admitted per second by the shared admission pipeline (RoundBook: decode, checks, norm,
/// journal on a real SQLite file with a full sync per commit, group-committed; fold), 200 devices, 16 sending
/// at once. Baseline from the same run: the same pipeline with every admission
/// serialised behind one lock, as the rounds were before the journal left the round lock.
/// </summary>
internal static class AdmissionBench
{
    /// <summary>Devices sending at once (the embedded broker handles each connection on its own task).</summary>
    private const int Senders = 16;

    public static Task RunAsync(Report report, bool quick)
    {
        int devices = quick ? 50 : 200;
        foreach (int floats in quick ? new[] { 25_818 } : new[] { 25_818, 1_000_000 })
        {
            var model = Model(floats, 0);
            byte[][] payloads = [.. Enumerable.Range(0, devices).Select(d => WireCodec.Encode(new DeviceUpdate($"dev-{d:D3}", 1, 100, 0.5, 1, 0, DateTimeOffset.UnixEpoch, Model(floats, d + 1))))];
            int runs = quick ? 1 : 3;
            double concurrent = Best(runs, () => Run(model, payloads, serialised: false));
            double serialised = Best(runs, () => Run(model, payloads, serialised: true));
            string size = floats * 4 >= 1_000_000 ? $"{floats * 4 / 1_000_000.0:0.#} MB" : $"{floats * 4 / 1000} KB";
            report.Add("8 admission", $"{devices} updates of {size}, journaled (SQLite, full sync), {Senders} senders on {Environment.ProcessorCount} cores", concurrent, "updates/s", "same, admissions serialised (journal inside the round lock)", serialised);
        }

        return Task.CompletedTask;
    }

    private static double Best(int runs, Func<double> run) => Enumerable.Range(0, runs).Max(_ => run());

    /// <summary>Admits every payload into one open round; returns updates per second.</summary>
    private static double Run(ModelState model, byte[][] payloads, bool serialised)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"edgefl-admission-{Guid.NewGuid():N}");
        try
        {
            using var db = StateDatabase.Open(Path.Combine(dir, "gateway.db"), KeyValue.Schema + Journal.Schema, NullLogger.Instance);
            var book = new BenchRounds(model, new SqliteRoundJournal(db));
            var gate = new Lock();
            int next = -1;
            var sw = Stopwatch.StartNew();
            var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(() =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < payloads.Length)
                {
                    string sender = $"dev-{i:D3}";
                    var payload = new ReadOnlySequence<byte>(payloads[i]);
                    AdmissionResult result;
                    if (serialised)
                    {
                        lock (gate)
                        {
                            result = book.Admit(sender, payload);
                        }
                    }
                    else
                    {
                        result = book.Admit(sender, payload);
                    }

                    if (!result.IsAccepted)
                    {
                        throw new InvalidOperationException($"update {i} refused: {result.Outcome} {result.Detail}");
                    }
                }
            })).ToArray();
            Task.WaitAll(senders);
            return payloads.Length / sw.Elapsed.TotalSeconds;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static ModelState Model(int floats, int seed)
    {
        var rng = new Random(seed);
        float[] values = [.. Enumerable.Range(0, floats).Select(_ => (float)(rng.NextDouble() - 0.5))];
        return new ModelState([NamedTensor.FromFloat32("w", [floats], values)]);
    }

    /// <summary>One open round, as at a gateway (no staleness, no quorum: only admission is measured).</summary>
    private sealed class BenchRounds : RoundBook
    {
        private readonly AggregationRound _open;

        public BenchRounds(ModelState model, IRoundJournal journal)
            : base(new AdmissionRules { MaxBytes = 64L << 20, MaxSamples = 10_000_000, Aggregation = new AggregationOptions() }, Decode, journal, new Silent(), TimeProvider.System)
        {
            lock (Sync)
            {
                _open = NewRound(1, model);
            }
        }

        protected override RoundSlot Select(Contribution contribution) => RoundSlot.In(_open);

        private static bool Decode(ReadOnlySequence<byte> payload, out Contribution? contribution, out string error)
        {
            contribution = null;
            error = "";
            if (!WireCodec.TryDecodeUpdate(payload, DecodeLimits.Default with { MaxPayloadBytes = 64L << 20 }, out var update, out var wire))
            {
                error = wire.ToString();
                return false;
            }

            contribution = new Contribution(update!.DeviceId, update.DeviceId, update.Round, update.SampleCount, update.Model);
            return true;
        }
    }

    private sealed class Silent : IAdmissionObserver
    {
        public void Admitted(long round, Contribution contribution, double norm, double deltaScale, double maxNorm)
        {
        }

        public void Refused(string senderId, AdmissionOutcome outcome, string detail)
        {
        }
    }
}
