using System.Device.Gpio;

namespace EdgeFL.DeviceClient.Tests.Power;

/// <summary>A GPIO driver with pins in memory: tests set input levels and the driver raises edges.</summary>
internal sealed class FakeGpioDriver : GpioDriver
{
    private readonly Dictionary<int, PinValue> _values = [];
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, List<(PinEventTypes Types, PinChangeEventHandler Handler)>> _callbacks = [];

    public List<int> Opened { get; } = [];

    protected override int PinCount => 64;

    /// <summary>Drives an input to <paramref name="value"/>, raising a rising or falling edge when it changes.</summary>
    public void SetInput(int pin, PinValue value)
    {
        PinValue old = _values.GetValueOrDefault(pin, PinValue.High);
        _values[pin] = value;
        if (old == value)
        {
            return;
        }

        var edge = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        foreach (var (types, handler) in _callbacks.GetValueOrDefault(pin, []).ToArray())
        {
            if ((types & edge) != 0)
            {
                handler(this, new PinValueChangedEventArgs(edge, pin));
            }
        }
    }

    protected override void OpenPin(int pinNumber) => Opened.Add(pinNumber);

    protected override void ClosePin(int pinNumber) => Opened.Remove(pinNumber);

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        _modes[pinNumber] = mode;
        if (!_values.ContainsKey(pinNumber))
        {
            _values[pinNumber] = mode == PinMode.InputPullDown ? PinValue.Low : PinValue.High;
        }
    }

    protected override PinMode GetPinMode(int pinNumber) => _modes.GetValueOrDefault(pinNumber, PinMode.Input);

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => _values.GetValueOrDefault(pinNumber, PinValue.High);

    protected override void Write(int pinNumber, PinValue value) => _values[pinNumber] = value;

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("edges come through callbacks here");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        if (!_callbacks.TryGetValue(pinNumber, out var list))
        {
            _callbacks[pinNumber] = list = [];
        }

        list.Add((eventTypes, callback));
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        _callbacks.GetValueOrDefault(pinNumber)?.RemoveAll(c => c.Handler == callback);
}
