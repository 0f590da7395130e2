using EdgeFL.Gateway.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeFL.Gateway.Tests.Hosting;

public sealed class RoundMemoryTrimTests
{
    private static readonly RoundResult Round = new("gw", 1, 1, 0, 0, 100, 0.5, 1, TimeSpan.FromSeconds(1), RoundCloseReason.Quorum, true);

    [Fact]
    public void ARoundThatAllocatedItsThreshold_IsFollowedByACollection_AndTheCountStartsAgain()
    {
        var trim = new RoundMemoryTrim();
        Allocate(RoundMemoryTrim.MinAllocatedBytes + (1 << 20));
        trim.RoundCompleted(Round);
        Assert.Equal(1, trim.Trims);

        Allocate(RoundMemoryTrim.MinAllocatedBytes + (1 << 20));
        trim.RoundCompleted(Round);
        Assert.Equal(2, trim.Trims);
    }

    [Fact]
    public void TheTrim_IsRegisteredByDefault_AndCanBeTurnedOff()
    {
        static IEnumerable<Type?> Observers(string? setting)
        {
            var config = new ConfigurationBuilder()
                .AddInMemoryCollection(setting is null ? [] : new Dictionary<string, string?> { ["Gateway:TrimMemoryAfterRound"] = setting })
                .Build();
            var services = new ServiceCollection();
            services.AddEdgeFlGateway(config);
            return services.Where(d => d.ServiceType == typeof(IGatewayObserver)).Select(d => d.ImplementationType).ToList();
        }

        Assert.Contains(typeof(RoundMemoryTrim), Observers(null));
        Assert.DoesNotContain(typeof(RoundMemoryTrim), Observers("false"));
        Assert.Contains(typeof(StopWhenFinished), Observers("false"));
    }

    private static void Allocate(long bytes)
    {
        for (long done = 0; done < bytes; done += 1 << 20)
        {
            GC.KeepAlive(new byte[1 << 20]);
        }
    }
}
