namespace EdgeFL.Hosting.Tests;

public sealed class ServiceUsageTests
{
    [Fact]
    public void Usage_ListsEverySettableKey_BySection_NestedOptionsAsTheirOwnSection()
    {
        var usage = new ServiceUsage("EdgeFL.Test", "test", "a service for the test.").Section<SampleOptions>("Sample");
        using var output = new StringWriter();

        usage.Write(output);

        string[] lines = output.ToString().Split('\n');
        Assert.Contains(lines, l => l.TrimStart().StartsWith("Sample ", StringComparison.Ordinal) && l.Contains("Name, Count, Timeout, Hosts", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("Sample:Inner ", StringComparison.Ordinal) && l.Contains("Enabled", StringComparison.Ordinal));
        Assert.DoesNotContain("Derived", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("test.json", output.ToString(), StringComparison.Ordinal);
        Assert.All(lines, l => Assert.True(l.TrimEnd().Length <= 100, l));
    }

    [Theory]
    [InlineData(true, "--help")]
    [InlineData(true, "--Gateway:GatewayId=x", "-h")]
    [InlineData(false)]
    [InlineData(false, "--Gateway:GatewayId=help")]
    public void TryWrite_WritesOnlyWhenAsked(bool asked, params string[] args)
    {
        using var output = new StringWriter();

        Assert.Equal(asked, new ServiceUsage("EdgeFL.Test", "test", "s.").TryWrite(args, output));
        Assert.Equal(asked, output.ToString().Length > 0);
    }

    public sealed class SampleOptions
    {
        public string Name { get; set; } = "";

        public int Count { get; set; }

        public TimeSpan? Timeout { get; set; }

        public string[] Hosts { get; set; } = [];

        public InnerOptions Inner { get; set; } = new();

        public string Derived => Name + "!";
    }

    public sealed class InnerOptions
    {
        public bool Enabled { get; set; }
    }
}
