using EdgeFL.Core.Diagnostics;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Core.Tests.Diagnostics;

public sealed class RejectionLogLimiterTests
{
    [Fact]
    public void AFloodingDevice_GetsFiveLinesAMinute_AndTheRestAreCounted()
    {
        var time = new ManualTimeProvider();
        var limiter = new RejectionLogLimiter(time);
        int logged = Enumerable.Range(0, 100).Count(_ => limiter.ShouldLog("evil", out long _));
        Assert.Equal(RejectionLogLimiter.PerWindow, logged);
        Assert.True(limiter.ShouldLog("honest", out long none));
        Assert.Equal(0, none);

        time.Advance(RejectionLogLimiter.Window);
        Assert.True(limiter.ShouldLog("evil", out long suppressed));
        Assert.Equal(95, suppressed);
    }
}
