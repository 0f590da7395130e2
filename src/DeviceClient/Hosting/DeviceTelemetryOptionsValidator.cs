using Microsoft.Extensions.Options;

namespace EdgeFL.DeviceClient.Hosting;

/// <summary>Checks <see cref="DeviceTelemetryOptions"/> at start, naming the key.</summary>
internal sealed class DeviceTelemetryOptionsValidator : IValidateOptions<DeviceTelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeviceTelemetryOptions o) =>
        o.Interval >= TimeSpan.FromSeconds(1)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{DeviceTelemetryOptions.Section}:Interval must be at least 1 second (was {o.Interval})");
}
