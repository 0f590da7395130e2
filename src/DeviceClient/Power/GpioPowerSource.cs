using System.Device.Gpio;

namespace EdgeFL.DeviceClient.Power;

/// <summary>
/// A power state from one GPIO input, through System.Device.Gpio: a low-battery pin (asserted: level
/// <see cref="GpioPowerOptions.LowLevel"/>, else <see cref="GpioPowerOptions.NormalLevel"/>) or a
/// power-good pin (asserted: charging). Edges arrive as pin-change callbacks and raise
/// <see cref="Changed"/>, so the device can report at once instead of at its next telemetry tick.
/// </summary>
internal sealed class GpioPowerSource : IObservablePowerSource, IDisposable
{
    private readonly GpioController _controller;
    private readonly bool _ownsController;
    private readonly GpioPowerOptions _options;
    private volatile bool _asserted;

    /// <summary>Opens the pin on a controller this source owns (the default driver, or libgpiod on the configured chip).</summary>
    public GpioPowerSource(GpioPowerOptions options)
        : this(options, options.Chip is { } chip ? new GpioController(new System.Device.Gpio.Drivers.LibGpiodDriver(chip)) : new GpioController(), ownsController: true)
    {
    }

    /// <summary>Opens the pin on <paramref name="controller"/> (tests hand in one over a fake driver).</summary>
    public GpioPowerSource(GpioPowerOptions options, GpioController controller, bool ownsController = false)
    {
        _options = options;
        _controller = controller;
        _ownsController = ownsController;
        var mode = options.Bias switch
        {
            GpioBias.PullUp => PinMode.InputPullUp,
            GpioBias.PullDown => PinMode.InputPullDown,
            _ => PinMode.Input,
        };
        _controller.OpenPin(options.Pin, mode);
        _asserted = IsAsserted(_controller.Read(options.Pin));
        _controller.RegisterCallbackForPinValueChangedEvent(options.Pin, PinEventTypes.Rising | PinEventTypes.Falling, OnEdge);
    }

    /// <inheritdoc />
    public event Action<PowerReading>? Changed;

    /// <inheritdoc />
    public PowerReading Read() => Reading(_asserted);

    /// <summary>Real hardware reports the effect itself: nothing to account.</summary>
    public void Consume(double milliampHours)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _controller.UnregisterCallbackForPinValueChangedEvent(_options.Pin, OnEdge);
        if (_controller.IsPinOpen(_options.Pin))
        {
            _controller.ClosePin(_options.Pin);
        }

        if (_ownsController)
        {
            _controller.Dispose();
        }
    }

    private PowerReading Reading(bool asserted) => _options.Signal switch
    {
        GpioSignal.LowBattery => new PowerReading(asserted ? _options.LowLevel : _options.NormalLevel, false),
        _ => new PowerReading(_options.NormalLevel, asserted),
    };

    private bool IsAsserted(PinValue value) => _options.ActiveLow ? value == PinValue.Low : value == PinValue.High;

    private void OnEdge(object sender, PinValueChangedEventArgs e)
    {
        bool asserted = IsAsserted(e.ChangeType == PinEventTypes.Rising ? PinValue.High : PinValue.Low);
        if (asserted == _asserted)
        {
            return;
        }

        _asserted = asserted;
        Changed?.Invoke(Reading(asserted));
    }
}
