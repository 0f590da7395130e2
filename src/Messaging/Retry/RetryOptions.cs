namespace EdgeFL.Messaging.Retry;

/// <summary>
/// How an operation that failed is tried again (section <c>...:Retry</c> of the service that runs it):
/// exponential backoff with jitter from <see cref="FirstDelay"/>, each delay capped at <see cref="MaxDelay"/>.
/// </summary>
public sealed class RetryOptions
{
    /// <summary>The delay before the first retry, on average; each later one doubles, with jitter.</summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(15);
}
