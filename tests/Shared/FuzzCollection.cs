namespace EdgeFL.Tests.Shared;

/// <summary>
/// The fuzz campaigns keep both cores busy for seconds: they run in this collection, alone, after the
/// assembly's other tests, so that tests waiting on real sockets and timers do not share the CPU with them.
/// xUnit reads a collection's definition only from the test assembly, so each assembly with campaigns
/// declares it (<c>[CollectionDefinition(FuzzCollection.Name, DisableParallelization = true)]</c>).
/// </summary>
public static class FuzzCollection
{
    public const string Name = "fuzz campaigns";
}
