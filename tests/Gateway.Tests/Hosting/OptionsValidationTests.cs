using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Aggregation;
using EdgeFL.Messaging.Retry;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Tests.Hosting;

public sealed class OptionsValidationTests : IDisposable
{
    private readonly GatewayHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    public static TheoryData<Action<OutboxOptions>, string> BadOutbox => new()
    {
        { o => o.MaxMessages = 0, "Gateway:Outbox:MaxMessages" },
        { o => o.MaxBytes = 1023, "Gateway:Outbox:MaxBytes" },
        { o => o.MaxAttempts = 0, "Gateway:Outbox:MaxAttempts" },
    };

    [Theory]
    [MemberData(nameof(BadOutbox))]
    public void OutboxValidator_RefusesABadValue_NamingTheKey(Action<OutboxOptions> spoil, string key)
    {
        var options = new OutboxOptions();
        Assert.True(new OutboxOptionsValidator().Validate(null, options).Succeeded);
        spoil(options);
        var result = new OutboxOptionsValidator().Validate(null, options);
        Assert.Contains(key + " must", result.FailureMessage, StringComparison.Ordinal);
    }

    public static TheoryData<Action<CloudUplinkOptions>, string> BadUplink => new()
    {
        { o => o.Host = " ", "Gateway:Cloud:Host" },
        { o => o.Port = 70000, "Gateway:Cloud:Port" },
        { o => o.AckTimeout = TimeSpan.FromSeconds(-1), "Gateway:Cloud:AckTimeout" },
        { o => o.SocketBufferBytes = 1024, "Gateway:Cloud:SocketBufferBytes" },
        { o => o.MaxModelBytes = 10, "Gateway:Cloud:MaxModelBytes" },
        { o => o.PasswordFile = "/nonexistent/password", "Gateway:Cloud:PasswordFile" },
        { o => o.Retry.MaxDelay = TimeSpan.FromMilliseconds(1), "Gateway:Cloud:Retry:MaxDelay" },
        { o => o.Retry.FirstDelay = TimeSpan.Zero, "Gateway:Cloud:Retry:FirstDelay" },
        { o => o.ProtocolVersion = "4", "Gateway:Cloud:ProtocolVersion" },
        { o => o.Endpoints = ["127.0.0.1:1884", "cloud-b"], "Gateway:Cloud:Endpoints:1" },
    };

    [Theory]
    [MemberData(nameof(BadUplink))]
    public void UplinkValidator_RefusesABadValue_NamingTheKey_WhenTheUplinkIsOn(Action<CloudUplinkOptions> spoil, string key)
    {
        var options = new CloudUplinkOptions { Enabled = true };
        Assert.True(new CloudUplinkOptionsValidator().Validate(null, options).Succeeded);
        spoil(options);
        Assert.Contains(key, new CloudUplinkOptionsValidator().Validate(null, options).FailureMessage, StringComparison.Ordinal);

        options.Enabled = false;
        Assert.True(new CloudUplinkOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("Gateway:Outbox:MaxBytes", "10")]
    [InlineData("Gateway:Outbox:MaxAttempts", "0")]
    [InlineData("Gateway:Cloud:Port", "0")]
    [InlineData("Gateway:Cloud:Retry:MaxDelay", "00:00:00.001")]
    [InlineData("Gateway:Retry:FirstDelay", "00:00:00")]
    [InlineData("Gateway:Aggregation:TrimFraction", "0.7")]
    public async Task Gateway_WithABadValue_FailsAtStart_NamingTheKey(string key, string value)
    {
        _harness.Errors.Expect(ErrorLog.HostFailedToStart); // the host refuses the options, on purpose
        using var host = await BuildHostAsync(key, value);
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains(key + " must", Messages(ex), StringComparison.Ordinal);
    }

    /// <summary>The messages of a start failure: one options class's, or several (an <see cref="AggregateException"/>).</summary>
    private static string Messages(Exception ex) => ex is AggregateException all
        ? string.Join("\n", all.Flatten().InnerExceptions.Select(e => e.Message))
        : ex.Message;

    /// <summary>A gateway with every option fine (the uplink on) but <paramref name="key"/>.</summary>
    private async Task<Microsoft.Extensions.Hosting.IHost> BuildHostAsync(string key, string value)
    {
        string model = Path.Combine(_harness.Directory, "initial.efm");
        await Core.Storage.ModelFile.SaveAsync(model, TestModels.Message(TestModels.Filled(0)));
        return _harness.BuildHost(TestPorts.Free(), model, new RecordingObserver(), maxRounds: 1, quorum: 1, settings: new Dictionary<string, string?>
        {
            ["Gateway:Cloud:Enabled"] = "true",
            ["Gateway:Signing:RequireSignedModels"] = "false",
            [key] = value,
        });
    }

    [Theory]
    [InlineData("Gateway:Aggregation:Strategy", "mode")]
    [InlineData("Gateway:Updates:NormPolicy", "scale")]
    [InlineData("Gateway:Selection:Mode", "random")]
    public async Task Gateway_WithAWordNotInTheEnum_FailsAtStart_NamingTheKey(string key, string value)
    {
        _harness.Errors.Expect(ErrorLog.HostFailedToStart); // the host refuses the options, on purpose
        using var host = await BuildHostAsync(key, value);
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains(key, Messages(ex), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fedavg", AggregationRule.FedAvg)]
    [InlineData("FedAvg", AggregationRule.FedAvg)]
    [InlineData("median", AggregationRule.Median)]
    [InlineData("trimmed-mean", AggregationRule.TrimmedMean)]
    [InlineData("Trimmed-Mean", AggregationRule.TrimmedMean)]
    [InlineData("TrimmedMean", AggregationRule.TrimmedMean)]
    public void AggregationRule_BindsTheWordsTheDocsUse_InAnyCase(string word, AggregationRule rule)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:Aggregation:Strategy"] = word }).Build();
        var options = configuration.GetSection("Gateway").Get<GatewayOptions>()!;
        Assert.Equal(rule, options.Aggregation.Strategy);
        Assert.Equal(rule, configuration.GetSection("Gateway:Aggregation").Get<AggregationOptions>()!.Strategy);
    }

    [Fact]
    public void RetryOptions_BindFromEachServicesSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Retry:MaxDelay"] = "00:01:00",
            ["Gateway:Cloud:Retry:FirstDelay"] = "00:00:02",
        }).Build();
        Assert.Equal(TimeSpan.FromMinutes(1), configuration.GetSection("Gateway").Get<GatewayOptions>()!.Retry.MaxDelay);
        Assert.Equal(TimeSpan.FromSeconds(2), configuration.GetSection(CloudUplinkOptions.Section).Get<CloudUplinkOptions>()!.Retry.FirstDelay);
        Assert.Equal(new RetryOptions().MaxDelay, configuration.GetSection(CloudUplinkOptions.Section).Get<CloudUplinkOptions>()!.Retry.MaxDelay);
    }
}
