using EdgeFL.DeviceClient.Power;

namespace EdgeFL.DeviceClient.Tests;

public sealed class EnergyAndBufferTests
{
    [Fact]
    public void SimulatedTrainingTime_FollowsTheTutorialFormula()
    {
        // 0.1 x 1 epoch x 3000 samples / 16 x (1e10 / 1e9) = 187.5 s
        Assert.Equal(187.5, EnergyModel.SimulatedTrainingSeconds(1, 3000, 16, 1e9), 9);
        Assert.Equal(500 * 187.5 / 3600, EnergyModel.EnergyMah(187.5), 9);
    }

    [Fact]
    public void Battery_DrainsByEnergyOverCapacity_ButNotWhileCharging()
    {
        var battery = new SimulatedBattery(3000, 0.5);
        battery.Consume(300);
        Assert.Equal(0.4, battery.Read().Level, 9);
        battery.SetCharging(true);
        battery.Consume(300);
        Assert.Equal(new PowerReading(0.4, true), battery.Read() with { Level = Math.Round(battery.Read().Level, 9) });
        battery.SetCharging(false);
        battery.Consume(10_000);
        Assert.Equal(0, battery.Read().Level);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedBattery(0, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedBattery(100, 1.5));
    }

    [Fact]
    public void UpdateBuffer_DropsTheOldest_WhenFull()
    {
        var buffer = new UpdateBuffer(2);
        buffer.Add(new BufferedUpdate(1, [1]));
        buffer.Add(new BufferedUpdate(2, [2]));
        buffer.Add(new BufferedUpdate(3, [3]));
        Assert.Equal(2, buffer.Count);
        Assert.Equal(1, buffer.Dropped);
        var first = buffer.Peek();
        Assert.Equal(2, first!.Round);
        buffer.Remove(first);
        Assert.Equal(3, buffer.Peek()!.Round);
    }

    [Fact]
    public void Options_Validation_NamesTheKey()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new DeviceOptions { DeviceId = "a/b" }.Validate());
        Assert.Contains("Device:DeviceId", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<InvalidOperationException>(() => new DeviceOptions { DeviceId = "a", MinBatteryLevel = 2 }.Validate());
        Assert.Contains("Device:MinBatteryLevel", ex.Message, StringComparison.Ordinal);
    }
}
