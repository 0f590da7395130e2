namespace EdgeFL.Cli.Inspect;

/// <summary>One header field of a wire message: its JSON name, its label for people, its value, and how it reads when its value alone would not say it.</summary>
internal readonly record struct MessageField(string Name, string Label, object? Value, string? Text = null)
{
    /// <summary>The value as people read it.</summary>
    public string Display => Text ?? MessageSummary.Format(Value);
}
