using System.Text.Json.Nodes;

namespace EdgeFL.Cli.Inspect;

/// <summary>One value of a database row, as text for people and as JSON for scripts.</summary>
internal readonly record struct Cell(string Text, JsonNode? Json);
