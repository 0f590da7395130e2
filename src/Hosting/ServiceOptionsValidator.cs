using Microsoft.Extensions.Options;

namespace EdgeFL.Hosting;

/// <summary>Checks <see cref="ServiceOptions"/> at start; each message names the key that fixes it.</summary>
internal sealed class ServiceOptionsValidator : IValidateOptions<ServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceOptions options)
    {
        var errors = new List<string>();
        if (options.LivenessTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{ServiceOptions.Section}:LivenessTimeout must be positive (was {options.LivenessTimeout})");
        }

        if (options.ConnectionGrace < TimeSpan.Zero)
        {
            errors.Add($"{ServiceOptions.Section}:ConnectionGrace must not be negative (was {options.ConnectionGrace})");
        }

        if (options.ShutdownTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{ServiceOptions.Section}:ShutdownTimeout must be positive (was {options.ShutdownTimeout})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
