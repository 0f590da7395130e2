using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;

namespace EdgeFL.Bench;

/// <summary>Figure 3: WireCodec on a 1e6-float update, f32 and q8, against a memory copy of the payload (BenchmarkDotNet, MemoryDiagnoser).</summary>
internal static class CodecBench
{
    public const int Elements = 1_000_000;

    public static Task RunAsync(Report report, bool quick)
    {
        Job job = (quick ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
        if (!quick)
        {
            job = job.WithIterationCount(8).WithWarmupCount(3);
        }

        IConfig config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance)
            .AddLogger(quick ? NullLogger.Instance : ConsoleLogger.Default)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "edgefl-bench-artifacts"));
        Summary summary = BenchmarkRunner.Run<CodecBenchmarks>(config);
        if (!quick)
        {
            ConsoleLogger.Default.WriteLine();
        }

        var byName = summary.Reports.ToDictionary(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name + "/" + r.BenchmarkCase.Parameters["Q8"]);
        foreach (bool q8 in new[] { false, true })
        {
            string kind = q8 ? "q8" : "f32";
            var setup = new CodecBenchmarks { Q8 = q8 };
            setup.Setup();
            double payload = setup.PayloadBytes;
            double Rate(string method) => byName[$"{method}/{q8}"].ResultStatistics is { } s ? payload / s.Mean : double.NaN; // bytes per ns = GB/s
            long Alloc(string method) => byName[$"{method}/{q8}"].GcStats.GetBytesAllocatedPerOperation(byName[$"{method}/{q8}"].BenchmarkCase) ?? -1;

            double copy = Rate(nameof(CodecBenchmarks.CopyPayload));
            double copyNew = Rate(nameof(CodecBenchmarks.CopyPayloadToNewArray));
            report.Add("3 codec", $"{kind} 1e6 ({Measure.Bytes(payload)}) Encode -> byte[]", Rate(nameof(CodecBenchmarks.EncodeToArray)), "GB/s", "payload.ToArray() (alloc + copy)", copyNew);
            report.Add("3 codec", $"{kind} Encode into a reused IBufferWriter", Rate(nameof(CodecBenchmarks.EncodeIntoBuffer)), "GB/s", "Span.CopyTo of the payload", copy);
            report.Add("3 codec", $"{kind} TryDecodeUpdate (borrows the payload)", Rate(nameof(CodecBenchmarks.Decode)), "GB/s", "Span.CopyTo of the payload", copy);
            report.Add("3 codec", $"{kind} Encode -> byte[] allocated per message", Alloc(nameof(CodecBenchmarks.EncodeToArray)) / payload, "x payload", "payload.ToArray()", Alloc(nameof(CodecBenchmarks.CopyPayloadToNewArray)) / payload);
            report.Add("3 codec", $"{kind} Encode into reused buffer, bytes allocated", Alloc(nameof(CodecBenchmarks.EncodeIntoBuffer)), "B/msg", "Span.CopyTo", Math.Max(1, Alloc(nameof(CodecBenchmarks.CopyPayload))), "(baseline 0 shown as 1)");
            report.Add("3 codec", $"{kind} Decode, bytes allocated", Alloc(nameof(CodecBenchmarks.Decode)), "B/msg", "payload size", payload);
            report.Note("3 codec", $"{kind} gen2 GCs per 100 messages (LOH churn): Encode -> byte[] {Churn(() => setup.EncodeToArray())}, "
                + $"Encode into reused buffer {Churn(() => setup.EncodeIntoBuffer())}, Decode {Churn(() => setup.Decode())}, baseline payload.ToArray() {Churn(() => setup.CopyPayloadToNewArray())}");
        }

        return Task.CompletedTask;
    }

    /// <summary>Gen2 collections (allocations on the large object heap count towards them) per 100 calls.</summary>
    private static int Churn(Func<object?> call)
    {
        GC.Collect();
        int before = GC.CollectionCount(2);
        for (int i = 0; i < 100; i++)
        {
            GC.KeepAlive(call());
        }

        return GC.CollectionCount(2) - before;
    }
}

/// <summary>The codec benchmarks proper; public for BenchmarkDotNet.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private DeviceUpdate _update = null!;
    private byte[] _payload = [];
    private byte[] _target = [];
    private ArrayBufferWriter<byte> _buffer = null!;

    [Params(false, true)]
    public bool Q8 { get; set; }

    public int PayloadBytes => _payload.Length;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        float[] values = Enumerable.Range(0, CodecBench.Elements).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        // One big tensor plus a few small ones, like a real model's weight and bias tensors.
        var model = new ModelState(
        [
            NamedTensor.FromFloat32("fc1.weight", [1000, 990], values.AsSpan(0, 990_000)),
            NamedTensor.FromFloat32("fc1.bias", [1000], values.AsSpan(990_000, 1000)),
            NamedTensor.FromFloat32("fc2.weight", [9, 1000], values.AsSpan(991_000, 9000)),
        ]);
        if (Q8)
        {
            model = Quantizer.Quantize(model);
        }

        _update = new DeviceUpdate("dev-001", 7, 600, 0.42, 1.5, 0.1, DateTimeOffset.UnixEpoch, model);
        _payload = WireCodec.Encode(_update);
        _target = new byte[_payload.Length];
        _buffer = new ArrayBufferWriter<byte>(_payload.Length + 4096);
    }

    [Benchmark]
    public byte[] EncodeToArray() => WireCodec.Encode(_update);

    [Benchmark]
    public int EncodeIntoBuffer()
    {
        _buffer.ResetWrittenCount();
        WireCodec.Encode(_buffer, _update);
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public DeviceUpdate? Decode()
    {
        WireCodec.TryDecodeUpdate(new ReadOnlySequence<byte>(_payload), DecodeLimits.Default, out DeviceUpdate? m, out _);
        return m;
    }

    [Benchmark]
    public int CopyPayload()
    {
        _payload.AsSpan().CopyTo(_target);
        return _target.Length;
    }

    [Benchmark]
    public byte[] CopyPayloadToNewArray() => _payload.AsSpan().ToArray();
}
