using Microsoft.Extensions.Options;

namespace EdgeFL.DeviceClient.Power;

/// <summary>Checks <see cref="PowerOptions"/> at start; each message names the key that fixes it.</summary>
internal sealed class PowerOptionsValidator : IValidateOptions<PowerOptions>
{
    public ValidateOptionsResult Validate(string? name, PowerOptions o)
    {
        const string s = PowerOptions.Section;
        var errors = new List<string>();
        if (!Enum.IsDefined(o.Source))
        {
            errors.Add($"{s}:Source must be simulated, sysfs, gpio or ina219 (was {o.Source})");
        }

        if (o.Source == PowerSourceKind.Sysfs && string.IsNullOrWhiteSpace(o.Sysfs.Root))
        {
            errors.Add($"{s}:Sysfs:Root must be set");
        }

        if (o.Source == PowerSourceKind.Gpio)
        {
            var g = o.Gpio;
            if (g.Pin < 0)
            {
                errors.Add($"{s}:Gpio:Pin must be set to the input's line number (was {g.Pin})");
            }

            if (g.Chip is < 0)
            {
                errors.Add($"{s}:Gpio:Chip must not be negative (was {g.Chip})");
            }

            if (g.LowLevel is < 0 or > 1 || double.IsNaN(g.LowLevel) || g.NormalLevel is < 0 or > 1 || double.IsNaN(g.NormalLevel))
            {
                errors.Add($"{s}:Gpio:LowLevel and {s}:Gpio:NormalLevel must be in [0, 1]");
            }

            if (!Enum.IsDefined(g.Bias))
            {
                errors.Add($"{s}:Gpio:Bias must be None, PullUp or PullDown (was '{g.Bias}')");
            }
        }

        if (o.Source == PowerSourceKind.Ina219)
        {
            var i = o.Ina219;
            if (i.BusId < 0)
            {
                errors.Add($"{s}:Ina219:BusId must not be negative (was {i.BusId})");
            }

            if (i.Address is < 0x40 or > 0x4F)
            {
                errors.Add($"{s}:Ina219:Address must be 64-79 (0x40-0x4F) (was {i.Address})");
            }

            if (!(i.ShuntOhms > 0) || double.IsInfinity(i.ShuntOhms))
            {
                errors.Add($"{s}:Ina219:ShuntOhms must be positive (was {i.ShuntOhms})");
            }

            if (!(i.MaxCurrentAmps > 0) || double.IsInfinity(i.MaxCurrentAmps))
            {
                errors.Add($"{s}:Ina219:MaxCurrentAmps must be positive (was {i.MaxCurrentAmps})");
            }

            if (i.Cells is < 1 or > 8)
            {
                errors.Add($"{s}:Ina219:Cells must be 1-8 (was {i.Cells})");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
