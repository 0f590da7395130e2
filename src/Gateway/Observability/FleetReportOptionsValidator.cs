using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Observability;

/// <summary>Checks <see cref="FleetReportOptions"/> at start.</summary>
internal sealed class FleetReportOptionsValidator : IValidateOptions<FleetReportOptions>
{
    public ValidateOptionsResult Validate(string? name, FleetReportOptions options) =>
        options.FleetReportInterval == TimeSpan.Zero || (options.FleetReportInterval >= TimeSpan.FromMilliseconds(100) && options.FleetReportInterval <= TimeSpan.FromHours(1))
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{FleetReportOptions.Section}:FleetReportInterval must be 00:00:00 (off) or between 00:00:00.1 and 01:00:00 (was {options.FleetReportInterval}).");
}
