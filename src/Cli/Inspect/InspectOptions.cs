namespace EdgeFL.Cli.Inspect;

/// <summary>How <c>inspect</c> reports: JSON or text, how many rows a table, which keys check signatures.</summary>
internal sealed record InspectOptions(bool Json, int MaxRows, string? PublicKeyPath);
