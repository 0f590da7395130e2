using EdgeFL.Gateway.Selection;

namespace EdgeFL.Simulator.Tests;

public sealed class SelectionArgumentTests
{
    [Fact]
    public void Selection_DefaultsToEnergy_AndParsesAll()
    {
        Assert.Equal(SelectionMode.Energy, DemoArguments.Parse([]).Selection);
        Assert.Equal(SelectionMode.All, DemoArguments.Parse(["--selection", "all"]).Selection);
        Assert.Equal(SelectionMode.Energy, DemoArguments.Parse(["--selection", "ENERGY"]).Selection);
        Assert.Contains("--selection", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--selection", "some"])).Message, StringComparison.Ordinal);
    }
}
