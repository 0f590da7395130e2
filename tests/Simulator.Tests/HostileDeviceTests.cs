using EdgeFL.Core.Models;

namespace EdgeFL.Simulator.Tests;

/// <summary>The simulated attack's pieces: which devices are hostile, what they send, and the flags.</summary>
public sealed class HostileDeviceTests
{
    private static readonly ModelState Base = new(
    [
        NamedTensor.FromFloat32("w", [3], [1f, 2f, 3f]),
        NamedTensor.FromInt64("steps", [1], [7L]),
    ]);

    private static readonly ModelState Trained = new(
    [
        NamedTensor.FromFloat32("w", [3], [1.5f, 1f, 3f]),
        NamedTensor.FromInt64("steps", [1], [9L]),
    ]);

    [Fact]
    public void Scale_BoostsTheChangeFromTheRoundsModel()
    {
        var poisoned = HostileTrainer.Poison(Base, Trained, AttackKind.Scale, 10);

        Assert.Equal([6f, -8f, 3f], poisoned.Tensors[0].AsFloat32().ToArray());
        Assert.Equal([9L], poisoned.Tensors[1].AsInt64().ToArray());
    }

    [Fact]
    public void SignFlip_ReversesAndBoostsTheChange()
    {
        var poisoned = HostileTrainer.Poison(Base, Trained, AttackKind.SignFlip, 2);

        Assert.Equal([0f, 4f, 3f], poisoned.Tensors[0].AsFloat32().ToArray());
        Assert.Equal([9L], poisoned.Tensors[1].AsInt64().ToArray());
    }

    [Fact]
    public void Poison_RefusesAModelOfAnotherLayout()
    {
        var other = new ModelState([NamedTensor.FromFloat32("w", [2], [1f, 2f])]);
        Assert.Throws<ArgumentException>(() => HostileTrainer.Poison(Base, other, AttackKind.Scale, 10));
    }

    [Fact]
    public void Choose_PicksTheFraction_OnePerGatewayBeforeASecond_AndDependsOnlyOnTheSeed()
    {
        var hostile = HostileDevices.Choose(devices: 20, gateways: 4, fraction: 0.2, seed: 42);

        Assert.Equal(4, hostile.Count);
        Assert.Equal([0, 1, 2, 3], hostile.Select(d => d * 4 / 20).Order());
        Assert.Equal(hostile, HostileDevices.Choose(20, 4, 0.2, 42));
        Assert.True(Enumerable.Range(0, 40).Select(s => string.Join(",", HostileDevices.Choose(20, 4, 0.2, s))).Distinct().Count() > 1);

        var six = HostileDevices.Choose(devices: 20, gateways: 4, fraction: 0.3, seed: 1);
        Assert.Equal(6, six.Count);
        Assert.All(six.GroupBy(d => d * 4 / 20), g => Assert.InRange(g.Count(), 1, 2));
        Assert.Empty(HostileDevices.Choose(20, 4, 0, 42));
    }

    [Fact]
    public void Flags_AreParsed_AndBadOnesNamed()
    {
        var o = DemoArguments.Parse(["--hostile", "0.2", "--attack", "sign-flip", "--attack-scale", "4", "--aggregation", "median", "--cloud-aggregation", "fedavg", "--trim", "0.25", "--clip-norm", "1.5"]);
        Assert.Equal((0.2, AttackKind.SignFlip, 4.0, "median", "fedavg", 0.25, 1.5), (o.HostileFraction, o.Attack, o.AttackScale, o.Aggregation, o.CloudAggregation, o.TrimFraction, o.ClipNorm));

        var defaults = DemoArguments.Parse([]);
        Assert.Equal((0.0, "fedavg", (string?)null), (defaults.HostileFraction, defaults.Aggregation, defaults.CloudAggregation));
        Assert.Equal((AttackKind.Scale, 10.0), (defaults.Attack, defaults.AttackScale));
        Assert.Equal(AttackKind.SignFlip, DemoArguments.Parse(["--attack", "SIGN-FLIP"]).Attack);

        Assert.Contains("--hostile", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--hostile", "1.5"])).Message, StringComparison.Ordinal);
        Assert.Contains("--attack", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--attack", "noise"])).Message, StringComparison.Ordinal);
        Assert.Contains("--aggregation", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--aggregation", "krum"])).Message, StringComparison.Ordinal);
        Assert.Contains("--cloud-aggregation", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--cloud-aggregation", "mean"])).Message, StringComparison.Ordinal);
        Assert.Contains("--trim", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--trim", "0.5"])).Message, StringComparison.Ordinal);
    }
}
