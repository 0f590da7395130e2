using EdgeFL.Core.Messages;
using Microsoft.Extensions.Hosting;

namespace EdgeFL.Gateway.Hosting;

/// <summary>Stops the gateway's host once it has run Gateway:Rounds:MaxRounds rounds.</summary>
internal sealed class StopWhenFinished(IHostApplicationLifetime lifetime) : IGatewayObserver
{
    public void RoundCompleted(RoundResult result)
    {
    }

    public void GlobalModelAdopted(string gatewayId, ModelMessage global)
    {
    }

    public void Finished(string gatewayId, long lastRound) => lifetime.StopApplication();
}
