namespace EdgeFL.Cli.Inspect;

/// <summary>One header field of a wire message: its JSON name, its label for people, and its value.</summary>
internal readonly record struct MessageField(string Name, string Label, object? Value);
