namespace EdgeFL.Observability.Health;

/// <summary>The tags that put a health check in <c>/health/live</c> or <c>/health/ready</c>.</summary>
public static class HealthTags
{
    /// <summary>Checked by <c>/health/live</c> (and by <c>/health/ready</c>).</summary>
    public const string Live = "live";

    /// <summary>Checked by <c>/health/ready</c> only.</summary>
    public const string Ready = "ready";
}
