namespace EdgeFL.Gateway.Tests;

public sealed class GatewayMetricsTests
{
    [Fact]
    public void Rejections_AreCountedPerDeviceAndReason()
    {
        var metrics = new GatewayMetrics();
        metrics.CountRejected("Malformed", "a");
        metrics.CountRejected("Malformed", "a");
        metrics.CountRejected("WrongRound", "b");
        Assert.Equal(2, metrics.RejectedByDevice[("a", "Malformed")]);
        Assert.Equal(1, metrics.RejectedByDevice[("b", "WrongRound")]);
        Assert.Equal(3, metrics.Rejected);
    }
}
