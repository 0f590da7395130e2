namespace EdgeFL.DeviceClient.Power;

/// <summary>The bias of a GPIO power input (<c>Device:Power:Gpio:Bias</c>).</summary>
internal enum GpioBias
{
    /// <summary>No internal resistor: the circuit drives the pin.</summary>
    None,

    /// <summary>Internal pull-up (default).</summary>
    PullUp,

    /// <summary>Internal pull-down.</summary>
    PullDown,
}
