using System.Text.Json;

namespace EdgeFL.Observability.Dashboard;

/// <summary>What a service's dashboard shows: a snapshot written as one JSON object (docs/OPERATIONS.md, "The dashboard").</summary>
public interface IDashboardSource
{
    /// <summary>Writes the current snapshot as one JSON object.</summary>
    void WriteSnapshot(Utf8JsonWriter writer);
}
