using Microsoft.Extensions.Options;

namespace EdgeFL.DeviceClient.Hosting;

/// <summary>Checks <see cref="DeviceDataOptions"/> at start; each message names the key that fixes it.</summary>
internal sealed class DeviceDataOptionsValidator : IValidateOptions<DeviceDataOptions>
{
    public const string Section = "Device:Data";

    public ValidateOptionsResult Validate(string? name, DeviceDataOptions d)
    {
        const string s = Section;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(d.Directory))
        {
            errors.Add($"{s}:Directory must be set");
        }

        if (d.Shards < 1)
        {
            errors.Add($"{s}:Shards must be at least 1 (was {d.Shards})");
        }

        if (d.Shard < 0 || d.Shard >= d.Shards)
        {
            errors.Add($"{s}:Shard must be in [0, {s}:Shards) (was {d.Shard} of {d.Shards})");
        }

        if (!(d.Alpha > 0) || double.IsInfinity(d.Alpha))
        {
            errors.Add($"{s}:Alpha must be positive (was {d.Alpha})");
        }

        if (!Enum.IsDefined(d.Model))
        {
            errors.Add($"{s}:Model must be 'mlp' or 'mobilenet' (was '{d.Model}')");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
