using EdgeFL.Core.Messages;
using EdgeFL.Gateway.Selection;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests.Selection;

public sealed class ParticipantSelectorTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly GatewayOptions _gateway = new() { Rounds = new RoundOptions { Deadline = TimeSpan.FromSeconds(60) } };
    private readonly FleetTelemetry _telemetry;

    public ParticipantSelectorTests()
    {
        _time.Advance(TimeSpan.FromDays(1));
        _telemetry = new FleetTelemetry(_gateway, NullLogger<FleetTelemetry>.Instance);
    }

    private ParticipantSelector Create(SelectionOptions options) =>
        new(options, _gateway, _telemetry, _time, NullLogger<ParticipantSelector>.Instance);

    private void Report(string id, double battery, bool charging = false, double trainSeconds = 10) =>
        _telemetry.Apply(new DeviceTelemetry(id, _time.GetUtcNow(), battery, charging, true, 1000, 1, trainSeconds, 256));

    [Fact]
    public void AllMode_SelectsNobodyInParticular()
    {
        Assert.Null(Create(new SelectionOptions { Mode = SelectionMode.All }).Choose(1, ["a", "b"]));
    }

    [Fact]
    public void Energy_LeavesOutLowBattery_UnlessCharging()
    {
        Report("full", 0.9);
        Report("low", 0.1);
        Report("low-charging", 0.1, charging: true);
        Report("at-threshold", 0.3);
        var selector = Create(new SelectionOptions { Mode = SelectionMode.Energy, MinBatteryLevel = 0.3, ParticipantFraction = 1.0 });

        var picked = selector.Choose(1, ["full", "low", "low-charging", "at-threshold", "unknown"]);

        Assert.Equal(["at-threshold", "full", "low-charging", "unknown"], picked!);
    }

    [Fact]
    public void Energy_LeavesOutTooSlow_ButNotForEver()
    {
        Report("fast", 0.9, trainSeconds: 30);
        Report("slow", 0.9, trainSeconds: 90); // over the 60 s deadline
        var selector = Create(new SelectionOptions { Mode = SelectionMode.Energy, ParticipantFraction = 1.0, MaxSkippedRounds = 3 });

        var rounds = Enumerable.Range(1, 8).Select(r => selector.Choose(r, ["fast", "slow"])!).ToList();

        Assert.All(rounds, p => Assert.Contains("fast", p));
        // Skipped three rounds in a row, then picked once, then skipped again.
        Assert.Equal([false, false, false, true, false, false, false, true], rounds.Select(p => p.Contains("slow")));
    }

    [Fact]
    public void Energy_Fairness_RoundRobinsOverEligibleDevices()
    {
        string[] devices = [.. Enumerable.Range(0, 10).Select(i => $"dev-{i}")];
        foreach (var (id, i) in devices.Select((d, i) => (d, i)))
        {
            Report(id, 0.5 + (i * 0.05)); // fuller batteries would always win without fairness
        }

        var selector = Create(new SelectionOptions { Mode = SelectionMode.Energy, ParticipantFraction = 0.5 });
        var counts = devices.ToDictionary(d => d, _ => 0);
        for (int round = 1; round <= 10; round++)
        {
            var picked = selector.Choose(round, devices)!;
            Assert.Equal(5, picked.Count);
            foreach (string id in picked)
            {
                counts[id]++;
            }
        }

        Assert.All(counts.Values, c => Assert.Equal(5, c));
        Assert.Equal(counts, selector.TimesSelected.ToDictionary(kv => kv.Key, kv => (int)kv.Value));
    }

    [Fact]
    public void Energy_NoneEligible_LetsEveryoneDecideForThemselves()
    {
        Report("a", 0.05);
        Report("b", 0.1);
        Assert.Null(Create(new SelectionOptions { Mode = SelectionMode.Energy }).Choose(1, ["a", "b"]));
    }

    [Fact]
    public void Energy_StaleTelemetry_CountsAsUnknown()
    {
        Report("a", 0.05);
        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(["a"], Create(new SelectionOptions { Mode = SelectionMode.Energy }).Choose(1, ["a"])!);
    }

    [Fact]
    public void Validator_NamesTheKey()
    {
        var result = new SelectionOptionsValidator().Validate(null, new SelectionOptions { ParticipantFraction = 0, MinBatteryLevel = 2 });
        Assert.Contains("Gateway:Selection:ParticipantFraction", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Gateway:Selection:MinBatteryLevel", result.FailureMessage, StringComparison.Ordinal);
    }
}
