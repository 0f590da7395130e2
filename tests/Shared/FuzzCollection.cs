namespace EdgeFL.Tests.Shared;

/// <summary>
/// The fuzz campaigns keep both cores busy for seconds: they run in this collection, alone, after the
/// assembly's other tests, so that tests waiting on real sockets and timers do not share the CPU with them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    public const string Name = "fuzz campaigns";
}
