namespace EdgeFL.Cli.Inspect;

/// <summary>What a SQLite state database holds, table by table.</summary>
internal sealed record DatabaseReport(string Path, long Bytes, IReadOnlyList<TableReport> Tables);
