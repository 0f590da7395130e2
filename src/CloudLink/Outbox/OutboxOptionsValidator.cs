using Microsoft.Extensions.Options;

namespace EdgeFL.CloudLink.Outbox;

/// <summary>Checks <see cref="OutboxOptions"/> at start; each message names the key that fixes it.</summary>
public sealed class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions o)
    {
        const string s = OutboxOptions.Section;
        var errors = new List<string>();
        if (o.MaxMessages < 1)
        {
            errors.Add($"{s}:MaxMessages must be at least 1 (was {o.MaxMessages})");
        }

        if (o.MaxBytes < 1024)
        {
            errors.Add($"{s}:MaxBytes must be at least 1024 (was {o.MaxBytes})");
        }

        if (o.MaxAttempts < 1)
        {
            errors.Add($"{s}:MaxAttempts must be at least 1 (was {o.MaxAttempts})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
