using System.Globalization;

namespace EdgeFL.DeviceClient.Power;

/// <summary>
/// Reads the Linux power-supply class (<c>/sys/class/power_supply/*</c>). The battery is the supply
/// named by <see cref="SysfsPowerOptions.Supply"/>, else the first whose <c>type</c> is Battery. Level
/// from <c>capacity</c> (percent), else <c>energy_now/energy_full</c> or <c>charge_now/charge_full</c>;
/// charging when its <c>status</c> is Charging or Full, or when any Mains/USB supply is online;
/// volts and amps from <c>voltage_now</c> and <c>current_now</c> (microunits). A machine with no battery
/// reads as full and on external power. Files are re-read on every call (they are cheap, kernel-made).
/// </summary>
internal sealed class SysfsPowerSource(SysfsPowerOptions options) : IPowerSource
{
    /// <inheritdoc />
    public PowerReading Read()
    {
        var supplies = Directory.Exists(options.Root)
            ? Directory.GetDirectories(options.Root).Concat(Directory.GetFiles(options.Root)).Order(StringComparer.Ordinal).ToArray()
            : [];
        string? battery = null;
        bool externalPower = false;
        foreach (string supply in supplies)
        {
            string name = Path.GetFileName(supply);
            string? type = Text(supply, "type");
            if (string.Equals(type, "Battery", StringComparison.OrdinalIgnoreCase))
            {
                if (battery is null && (string.IsNullOrEmpty(options.Supply) || name == options.Supply))
                {
                    battery = supply;
                }
            }
            else if (Number(supply, "online") is > 0)
            {
                // Mains, USB, USB_PD, Wireless...: any online non-battery supply powers the device.
                externalPower = true;
            }
        }

        if (battery is null)
        {
            return new PowerReading(1.0, true);
        }

        double level = Number(battery, "capacity") is { } percent ? percent / 100.0
            : Ratio(battery, "energy_now", "energy_full") ?? Ratio(battery, "charge_now", "charge_full") ?? 0;
        string? status = Text(battery, "status");
        bool charging = externalPower
            || string.Equals(status, "Charging", StringComparison.OrdinalIgnoreCase)
            || string.Equals(status, "Full", StringComparison.OrdinalIgnoreCase);
        double? volts = Number(battery, "voltage_now") / 1e6;
        double? amps = Number(battery, "current_now") / 1e6;
        return new PowerReading(Math.Clamp(level, 0, 1), charging, volts, amps);
    }

    /// <summary>Real hardware reports the effect itself: nothing to account.</summary>
    public void Consume(double milliampHours)
    {
    }

    private static double? Ratio(string supply, string now, string full) =>
        Number(supply, now) is { } n && Number(supply, full) is { } f && f > 0 ? n / f : null;

    private static string? Text(string supply, string attribute)
    {
        try
        {
            return File.ReadAllText(Path.Combine(supply, attribute)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double? Number(string supply, string attribute) =>
        double.TryParse(Text(supply, attribute), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : null;
}
