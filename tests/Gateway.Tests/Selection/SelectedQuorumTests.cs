using EdgeFL.Core.Messages;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests.Selection;

public sealed class SelectedQuorumTests
{
    [Fact]
    public void Quorum_CountsOnlySelectedDevices_NotSelectedDeclinesDoNotCount()
    {
        var coordinator = new RoundCoordinator(new GatewayOptions(), new GatewayMetrics(), NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        string[] online = ["a", "b", "c", "d"];

        var model = coordinator.BeginRound(["a", "b"]);
        Assert.Equal(["a", "b"], model.Selected!);

        coordinator.OnDecline("c", new RoundDecline("c", 1, RoundCoordinator.NotSelectedReason));
        coordinator.OnDecline("d", new RoundDecline("d", 1, RoundCoordinator.NotSelectedReason));
        Assert.False(coordinator.IsQuorumReached(online));

        coordinator.OnUpdate("a", new(WireCodec.Encode(TestModels.Update("a", 1, 10, TestModels.Filled(1)))));
        Assert.False(coordinator.IsQuorumReached(online));
        coordinator.OnDecline("b", new RoundDecline("b", 1, "battery"));
        Assert.True(coordinator.IsQuorumReached(online));

        var result = coordinator.CloseRound(RoundCloseReason.Quorum);
        Assert.Equal(1, result.Accepted);
        Assert.Equal(1, result.Declined); // "not-selected" is not a refusal
    }

    [Fact]
    public void Quorum_WithoutSelection_CountsEveryOnlineDevice()
    {
        var coordinator = new RoundCoordinator(new GatewayOptions(), new GatewayMetrics(), NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        var model = coordinator.BeginRound();
        Assert.Null(model.Selected);
        coordinator.OnDecline("a", new RoundDecline("a", 1, "battery"));
        Assert.False(coordinator.IsQuorumReached(["a", "b"]));
        coordinator.OnDecline("b", new RoundDecline("b", 1, "offline"));
        Assert.True(coordinator.IsQuorumReached(["a", "b"]));
    }
}
