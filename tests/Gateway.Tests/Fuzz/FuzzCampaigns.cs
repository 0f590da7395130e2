using EdgeFL.Tests.Shared;

namespace EdgeFL.Gateway.Tests.Fuzz;

/// <summary>The fuzz campaigns' collection in this assembly: run alone, after the other tests (<see cref="FuzzCollection"/>).</summary>
[CollectionDefinition(FuzzCollection.Name, DisableParallelization = true)]
public sealed class FuzzCampaigns;
