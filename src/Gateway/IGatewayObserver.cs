using EdgeFL.Core.Messages;

namespace EdgeFL.Gateway;

/// <summary>Receives a gateway's progress (the demo prints it; tests assert on it).</summary>
internal interface IGatewayObserver
{
    /// <summary>A round closed.</summary>
    void RoundCompleted(RoundResult result);

    /// <summary>The gateway adopted a global model from the cloud.</summary>
    void GlobalModelAdopted(string gatewayId, ModelMessage global);

    /// <summary>The gateway finished its configured number of rounds.</summary>
    void Finished(string gatewayId, long lastRound);
}
