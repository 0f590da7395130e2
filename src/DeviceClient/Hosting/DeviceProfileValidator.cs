using Microsoft.Extensions.Options;

namespace EdgeFL.DeviceClient.Hosting;

/// <summary>Checks <see cref="DeviceProfile"/> at start; each message names the key that fixes it.</summary>
internal sealed class DeviceProfileValidator : IValidateOptions<DeviceProfile>
{
    public const string Section = "Device:Profile";

    public ValidateOptionsResult Validate(string? name, DeviceProfile p)
    {
        const string s = Section;
        var errors = new List<string>();
        Positive(errors, $"{s}:MemoryMb", p.MemoryMb);
        Positive(errors, $"{s}:ComputeFlops", p.ComputeFlops);
        Positive(errors, $"{s}:BatteryCapacityMah", p.BatteryCapacityMah);
        Positive(errors, $"{s}:BandwidthKbps", p.BandwidthKbps);
        if (p.BatteryLevel is < 0 or > 1 || double.IsNaN(p.BatteryLevel))
        {
            errors.Add($"{s}:BatteryLevel must be in [0, 1] (was {p.BatteryLevel})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string key, double value)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            errors.Add($"{key} must be positive and finite (was {value})");
        }
    }
}
