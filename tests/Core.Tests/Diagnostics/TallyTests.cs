using System.Diagnostics.Metrics;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Core.Tests.Diagnostics;

public sealed class TallyTests
{
    [Fact]
    public void Tally_IsReadLocally_AndObservedByItsInstrument()
    {
        using var meter = new Meter("test.tally");
        using var reader = new MeterReader(meter);
        var tally = new Tally(meter, "test.count", "{thing}", "Things.");
        tally.Add();
        tally.Add(2);

        Assert.Equal(3, tally.Value);
        Assert.Equal(3, reader.Read("test.count"));
        var instrument = Assert.Single(reader.Instruments);
        Assert.Equal(("{thing}", "Things."), (instrument.Unit, instrument.Description));
    }

    [Fact]
    public void ReasonTally_TagsEachReason_AndSums()
    {
        using var meter = new Meter("test.reasons");
        using var reader = new MeterReader(meter);
        var tally = new ReasonTally(meter, "test.rejected", "{update}", "Rejected.");
        tally.Add("Malformed");
        tally.Add("Malformed");
        tally.Add("WrongRound");

        Assert.Equal(new Dictionary<string, long> { ["Malformed"] = 2, ["WrongRound"] = 1 }, tally.ByReason);
        Assert.Equal(3, tally.Total);
        Assert.Equal(2, tally.Of("Malformed"));
        Assert.Equal(2, reader.Read("test.rejected", "Malformed"));
        Assert.Equal(1, reader.Read("test.rejected", "WrongRound"));
        Assert.Equal(3, reader.Read("test.rejected"));
    }

    [Fact]
    public void ReasonTally_BoundsItsReasons_CountingTheRestAsOther()
    {
        var tally = new ReasonTally(null, "test.rejected", "{update}", "Rejected.");
        for (int i = 0; i < ReasonTally.MaxReasons + 10; i++)
        {
            tally.Add("reason-" + i);
        }

        tally.Add("reason-0");
        Assert.Equal(ReasonTally.MaxReasons + 1, tally.ByReason.Count);
        Assert.Equal(10, tally.Of(ReasonTally.OtherReason));
        Assert.Equal(2, tally.Of("reason-0"));
        Assert.Equal(ReasonTally.MaxReasons + 11, tally.Total);
    }

    [Fact]
    public void Meter_WithoutAFactory_IsANewOneCarryingItsTags()
    {
        using var own = EdgeFlMeters.Create(null, EdgeFlMeters.Gateway, new KeyValuePair<string, object?>("edgefl.gateway.id", "a"));
        Assert.Equal(EdgeFlMeters.Gateway, own.Name);
        Assert.Contains(own.Tags!, t => t.Key == "edgefl.gateway.id" && Equals(t.Value, "a"));
    }
}
