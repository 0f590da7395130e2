namespace EdgeFL.CloudLink.Outbox;

/// <summary>Limits of the durable outbox (section <c>Gateway:Outbox</c>); see docs/OPERATIONS.md.</summary>
public sealed class OutboxOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Gateway:Outbox";

    /// <summary>Most messages queued; past it the oldest non-model message is dropped.</summary>
    public int MaxMessages { get; set; } = 1000;

    /// <summary>Most payload bytes queued; past it the oldest messages are dropped.</summary>
    public long MaxBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Broker refusals after which a message moves to the dead-letter table.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>A queued edge model is replaced by a newer one from the same gateway (see docs/OPERATIONS.md).</summary>
    public bool CoalesceModelUploads { get; set; } = true;
}
