namespace EdgeFL.Gateway.Tests;

/// <summary>
/// Tests that measure the test process itself (its peak RSS) run alone, after the parallel ones: another test
/// class's models in the same process would count against the bound.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "Soak";
}
