namespace EdgeFL.DeviceClient.Power;

/// <summary>A power source that also reports changes as they happen (a GPIO edge), not only when read.</summary>
internal interface IObservablePowerSource : IPowerSource
{
    /// <summary>Raised with the new reading after the power state changed.</summary>
    event Action<PowerReading>? Changed;
}
