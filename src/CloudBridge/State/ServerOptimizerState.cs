using EdgeFL.Core.Models;

namespace EdgeFL.CloudBridge.State;

/// <summary>A server optimizer's saved state: its kind, the round of the global model it produced, its step count and moments.</summary>
internal sealed record ServerOptimizerState(string Kind, long Round, long Steps, ModelState? Moments);
