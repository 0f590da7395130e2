using EdgeFL.Core.Rounds;
using EdgeFL.Gateway.Link;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// Issue 15, findings 3 and 8: a device's PUBACK said success whatever became of its update, so an update
/// that arrived after a restart before its round was reopened (NoOpenRound) was dropped by its device.
/// Each outcome maps to what the device must do: drop (taken or refused for good) or keep and resend.
/// </summary>
public sealed class UpdateVerdictTests
{
    private readonly RoundCoordinator _rounds = new(new GatewayOptions(), new GatewayMetrics(), NullLogger.Instance, new ManualTimeProvider());

    public UpdateVerdictTests() => _rounds.Adopt(TestModels.Message(TestModels.Filled(0)));

    [Fact]
    public void BeforeItsRoundIsReopened_AnUpdateIsNotTaken_AndItsDeviceIsToldToKeepIt()
    {
        var verdict = UpdateVerdicts.For(_rounds.Take("a", TestModels.Payload("a", 1, 10, TestModels.Filled(1))));
        Assert.Equal(ConsumerAnswer.Keep, verdict.Answer);
        Assert.StartsWith("NoOpenRound:", verdict.Reason, StringComparison.Ordinal);

        // Once the round is open the same update is taken.
        _rounds.BeginRound();
        Assert.Equal(ConsumerAnswer.Taken, UpdateVerdicts.For(_rounds.Take("a", TestModels.Payload("a", 1, 10, TestModels.Filled(1)))).Answer);
    }

    [Fact]
    public void EveryRefusal_HasAReasonCodeAndString()
    {
        _rounds.BeginRound();
        Assert.Equal(ConsumerAnswer.Taken, UpdateVerdicts.For(_rounds.Take("a", TestModels.Payload("a", 1, 10, TestModels.Filled(1)))).Answer);

        var duplicate = UpdateVerdicts.For(_rounds.Take("a", TestModels.Payload("a", 1, 10, TestModels.Filled(1))));
        Assert.Equal(ConsumerAnswer.Taken, duplicate.Answer);
        Assert.StartsWith("Duplicate:", duplicate.Reason, StringComparison.Ordinal);

        var wrongRound = UpdateVerdicts.For(_rounds.Take("b", TestModels.Payload("b", 9, 10, TestModels.Filled(1))));
        Assert.Equal((ConsumerAnswer.Refused, MqttPubAckCode("ImplementationSpecificError")), (wrongRound.Answer, wrongRound.ReasonCode.ToString()));
        Assert.StartsWith("WrongRound:", wrongRound.Reason, StringComparison.Ordinal);

        var invalid = UpdateVerdicts.For(_rounds.Take("c", TestModels.Payload("c", 1, 10, TestModels.Filled(float.NaN))));
        Assert.Equal(ConsumerAnswer.Refused, invalid.Answer);
        Assert.StartsWith("Invalid:", invalid.Reason, StringComparison.Ordinal);

        var malformed = UpdateVerdicts.For(_rounds.Take("d", new System.Buffers.ReadOnlySequence<byte>([0xc1])));
        Assert.Equal(ConsumerAnswer.Malformed, malformed.Answer);
        Assert.Equal("PayloadFormatInvalid", malformed.ReasonCode.ToString());
    }

    private static string MqttPubAckCode(string name) => name;
}
