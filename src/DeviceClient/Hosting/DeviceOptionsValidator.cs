using EdgeFL.Core.Topics;
using Microsoft.Extensions.Options;

namespace EdgeFL.DeviceClient.Hosting;

/// <summary>Checks <see cref="DeviceOptions"/> at start; each message names the key that fixes it.</summary>
internal sealed class DeviceOptionsValidator : IValidateOptions<DeviceOptions>
{
    public ValidateOptionsResult Validate(string? name, DeviceOptions o)
    {
        const string s = DeviceOptions.Section;
        var errors = new List<string>();
        if (!TopicScheme.IsValidId(o.DeviceId))
        {
            errors.Add($"{s}:DeviceId '{o.DeviceId}' must be 1-128 characters without '/', '+', '#' or whitespace");
        }

        if (!TopicScheme.IsValidId(o.GatewayId))
        {
            errors.Add($"{s}:GatewayId '{o.GatewayId}' must be 1-128 characters without '/', '+', '#' or whitespace");
        }

        try
        {
            _ = new TopicScheme(o.TopicPrefix);
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{s}:TopicPrefix: {ex.Message}");
        }

        if (string.IsNullOrWhiteSpace(o.BrokerHost))
        {
            errors.Add($"{s}:BrokerHost must be set");
        }

        if (o.BrokerPort is <= 0 or > 65535)
        {
            errors.Add($"{s}:BrokerPort must be 1-65535 (was {o.BrokerPort})");
        }

        if (o.MinBatteryLevel is < 0 or > 1 || double.IsNaN(o.MinBatteryLevel))
        {
            errors.Add($"{s}:MinBatteryLevel must be in [0, 1] (was {o.MinBatteryLevel})");
        }

        if (o.MaxBufferedUpdates < 0)
        {
            errors.Add($"{s}:MaxBufferedUpdates must not be negative (was {o.MaxBufferedUpdates})");
        }

        if (o.MaxModelBytes < 1024)
        {
            errors.Add($"{s}:MaxModelBytes must be at least 1024 (was {o.MaxModelBytes})");
        }

        if (o.SocketBufferBytes < 4096)
        {
            errors.Add($"{s}:SocketBufferBytes must be at least 4096 (was {o.SocketBufferBytes})");
        }

        errors.AddRange(EdgeFL.Messaging.Chunking.ChunkingOptions.Problems(o.Chunking, $"{s}:Chunking"));

        if (o.Signing.Problem(s) is { } signing)
        {
            errors.Add(signing);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
