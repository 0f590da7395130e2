using EdgeFL.Tests.Shared;

namespace EdgeFL.Messaging.Tests;

public sealed class LogRateLimiterTests
{
    [Fact]
    public void AFloodingDevice_GetsFiveLinesAMinute_AndTheRestAreCounted()
    {
        var time = new ManualTimeProvider();
        var limiter = new LogRateLimiter(time);
        int logged = Enumerable.Range(0, 100).Count(_ => limiter.ShouldLog("evil", out long _));
        Assert.Equal(LogRateLimiter.PerWindow, logged);
        Assert.True(limiter.ShouldLog("honest", out long none));
        Assert.Equal(0, none);

        time.Advance(LogRateLimiter.Window);
        Assert.True(limiter.ShouldLog("evil", out long suppressed));
        Assert.Equal(95, suppressed);
    }
}
