using EdgeFL.DeviceClient.Hosting;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Hosting;
using EdgeFL.Training.Backends;
using EdgeFL.Training.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeFL.DeviceClient.Tests.Training;

/// <summary><c>Device:Training:Backend</c>: what each value makes on this x64 build (which carries TorchSharp), and its validation.</summary>
public sealed class TrainingBackendSelectionTests
{
    [Theory]
    [InlineData(TrainingBackendKind.Auto, "torch")]
    [InlineData(TrainingBackendKind.Torch, "torch")]
    [InlineData(TrainingBackendKind.Managed, "managed")]
    public void Backend_OnX64WithTorchSharp_IsTheOneAskedFor(TrainingBackendKind requested, string expected)
    {
        var choice = TrainingBackends.Create(requested, ModelKind.Mlp, threads: 1);
        using var backend = choice.Backend;

        Assert.Equal(expected, backend.Name);
        Assert.Equal(ModelKind.Mlp, backend.Kind);
        Assert.Equal(requested, choice.Requested);
        Assert.NotEmpty(choice.Reason);
    }

    [Fact]
    public void Options_BindFromConfiguration_CaseInsensitive()
    {
        var options = Bind(new() { ["Device:Training:Backend"] = "Managed", ["Device:Training:Threads"] = "3" });

        Assert.Equal((TrainingBackendKind.Managed, 3, 3), (options.Backend, options.Threads, options.EffectiveThreads));
    }

    [Fact]
    public void Options_Defaults_AreAuto_AndHalfTheCores()
    {
        var options = Bind([]);

        Assert.Equal(TrainingBackendKind.Auto, options.Backend);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), options.EffectiveThreads);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(257)]
    public void Options_ThreadsOutOfRange_AreRefused_NamingTheKey(int threads)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Bind(new() { ["Device:Training:Threads"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture) }));

        Assert.Contains("Device:Training:Threads", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_UnknownBackend_IsRefused_NamingTheKey()
    {
        var ex = Assert.ThrowsAny<Exception>(() => Bind(new() { ["Device:Training:Backend"] = "cuda" }));

        Assert.Contains("Device:Training:Backend", ex.Message, StringComparison.Ordinal);
    }

    private static TrainingBackendOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddValidatedOptions<TrainingBackendOptions, TrainingBackendOptionsValidator>(configuration, TrainerOptionsValidator.Section);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<TrainingBackendOptions>>().Value;
    }
}
