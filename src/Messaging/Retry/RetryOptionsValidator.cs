using Microsoft.Extensions.Options;

namespace EdgeFL.Messaging.Retry;

/// <summary>
/// Checks <see cref="RetryOptions"/>; the options' name is the configuration section they came from
/// (e.g. <c>Gateway:Cloud:Retry</c>), so each message names the full key.
/// </summary>
public sealed class RetryOptionsValidator : IValidateOptions<RetryOptions>
{
    /// <summary>Polly's bound on a retry delay.</summary>
    internal static readonly TimeSpan Longest = TimeSpan.FromDays(1);

    public ValidateOptionsResult Validate(string? name, RetryOptions options)
    {
        var problems = Problems(options, string.IsNullOrEmpty(name) ? "Retry" : name).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>The problems of options bound from <paramref name="section"/>, for the validator of the options that hold them.</summary>
    public static IEnumerable<string> Problems(RetryOptions options, string section)
    {
        if (options.FirstDelay <= TimeSpan.Zero || options.FirstDelay > Longest)
        {
            yield return $"{section}:FirstDelay must be positive and at most 1 day (was {options.FirstDelay})";
        }

        if (options.MaxDelay < options.FirstDelay || options.MaxDelay > Longest)
        {
            yield return $"{section}:MaxDelay must be at least {section}:FirstDelay and at most 1 day (was {options.MaxDelay})";
        }
    }
}
