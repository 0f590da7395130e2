namespace EdgeFL.Cli.Inspect;

/// <summary>One table of a state database: its columns, its row count, and its first rows, readable.</summary>
internal sealed record TableReport(string Name, long RowCount, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<Cell>> Rows);
