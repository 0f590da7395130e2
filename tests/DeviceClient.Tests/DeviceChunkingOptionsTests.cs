using EdgeFL.DeviceClient.Hosting;
using EdgeFL.Messaging.Chunking;

namespace EdgeFL.DeviceClient.Tests;

/// <summary>Device:Chunking is off by default and checked at start, each message naming its key.</summary>
public sealed class DeviceChunkingOptionsTests
{
    [Fact]
    public void ChunkingIsOffByDefault() => Assert.Equal(0, new DeviceOptions().Chunking.MaxPayloadBytes);

    [Theory]
    [InlineData(100, 60, "Device:Chunking:MaxPayloadBytes must be 0 (off) or 4096-268435456 (was 100)")]
    [InlineData(1L << 40, 60, "Device:Chunking:MaxPayloadBytes must be 0 (off) or 4096-268435456")]
    [InlineData(0, 0, "Device:Chunking:TransferTimeout must be between 1 second and 1 day")]
    public void BadOptions_AreRefused_NamingTheKey(long maxPayload, int timeoutSeconds, string message)
    {
        var options = new DeviceOptions
        {
            DeviceId = "dev-1",
            Signing = new() { RequireSignedModels = false },
            Chunking = new ChunkingOptions { MaxPayloadBytes = maxPayload, TransferTimeout = TimeSpan.FromSeconds(timeoutSeconds) },
        };
        Assert.Contains(message, new DeviceOptionsValidator().Validate(null, options).FailureMessage, StringComparison.Ordinal);
        Assert.StartsWith(message, Assert.Throws<InvalidOperationException>(options.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AThresholdInRange_IsTaken()
    {
        var options = new DeviceOptions { DeviceId = "dev-1", Signing = new() { RequireSignedModels = false }, Chunking = new ChunkingOptions { MaxPayloadBytes = 130_048 } };
        Assert.True(new DeviceOptionsValidator().Validate(null, options).Succeeded);
        options.Validate();
    }
}
