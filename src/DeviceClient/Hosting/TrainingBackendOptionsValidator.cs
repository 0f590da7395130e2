using EdgeFL.DeviceClient.Training;
using Microsoft.Extensions.Options;

namespace EdgeFL.DeviceClient.Hosting;

/// <summary>Checks the device's <see cref="TrainingBackendOptions"/> (section <c>Device:Training</c>) at start, naming keys.</summary>
internal sealed class TrainingBackendOptionsValidator : IValidateOptions<TrainingBackendOptions>
{
    /// <summary>Most threads a step may ask for.</summary>
    public const int MaxThreads = 256;

    public ValidateOptionsResult Validate(string? name, TrainingBackendOptions o)
    {
        const string s = TrainerOptionsValidator.Section;
        var errors = new List<string>();
        if (!Enum.IsDefined(o.Backend))
        {
            errors.Add($"{s}:Backend must be auto, torch or managed (was {o.Backend})");
        }

        if (o.Threads is < 0 or > MaxThreads)
        {
            errors.Add($"{s}:Threads must be 0 (half the cores) or 1 to {MaxThreads} (was {o.Threads})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
