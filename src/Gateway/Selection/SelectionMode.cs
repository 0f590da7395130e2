namespace EdgeFL.Gateway.Selection;

/// <summary>How a gateway picks each round's participants (<c>Gateway:Selection:Mode</c>).</summary>
internal enum SelectionMode
{
    /// <summary>Every device may train; the model message carries no <c>selected</c> list.</summary>
    All,

    /// <summary>Energy-aware: battery, expected training time and fairness decide (docs/ARCHITECTURE.md).</summary>
    Energy,
}
