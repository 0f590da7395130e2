using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Selection;

/// <summary>Checks <see cref="SelectionOptions"/> at start; each message names the key that fixes it.</summary>
internal sealed class SelectionOptionsValidator : IValidateOptions<SelectionOptions>
{
    public ValidateOptionsResult Validate(string? name, SelectionOptions o)
    {
        const string s = SelectionOptions.Section;
        var errors = new List<string>();
        if (!Enum.IsDefined(o.Mode))
        {
            errors.Add($"{s}:Mode must be All or Energy (was {o.Mode})");
        }

        if (o.MinBatteryLevel is < 0 or > 1 || double.IsNaN(o.MinBatteryLevel))
        {
            errors.Add($"{s}:MinBatteryLevel must be in [0, 1] (was {o.MinBatteryLevel})");
        }

        if (o.TrainingBudget is { } budget && budget <= TimeSpan.Zero)
        {
            errors.Add($"{s}:TrainingBudget must be positive when set (was {budget})");
        }

        if (o.ParticipantFraction is <= 0 or > 1 || double.IsNaN(o.ParticipantFraction))
        {
            errors.Add($"{s}:ParticipantFraction must be in (0, 1] (was {o.ParticipantFraction})");
        }

        if (o.MaxSkippedRounds < 1)
        {
            errors.Add($"{s}:MaxSkippedRounds must be at least 1 (was {o.MaxSkippedRounds})");
        }

        if (o.TelemetryMaxAge <= TimeSpan.Zero)
        {
            errors.Add($"{s}:TelemetryMaxAge must be positive (was {o.TelemetryMaxAge})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
