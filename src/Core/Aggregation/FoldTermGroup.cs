using System.Runtime.CompilerServices;

namespace EdgeFL.Core.Aggregation;

/// <summary>Room for one group's terms on the stack (<see cref="GroupFold.MaxGroup"/>), so a fold allocates nothing per call.</summary>
[InlineArray(GroupFold.MaxGroup)]
internal struct FoldTermGroup
{
    private FoldTerm first;
}
