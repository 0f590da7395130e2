using EdgeFL.Messaging.Retry;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudLink;

/// <summary>
/// Checks <see cref="CloudUplinkOptions"/> at start when the uplink is enabled (a disabled uplink's keys
/// are not read); each message names the key that fixes it.
/// </summary>
public sealed class CloudUplinkOptionsValidator : IValidateOptions<CloudUplinkOptions>
{
    public ValidateOptionsResult Validate(string? name, CloudUplinkOptions o)
    {
        if (!o.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = Problems(o, CloudUplinkOptions.Section);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>What is wrong with <paramref name="o"/>, each message naming its key under <paramref name="s"/> (a gateway's <c>Gateway:Cloud</c>, a region's <c>Cloud:Uplink</c>).</summary>
    public static List<string> Problems(CloudUplinkOptions o, string s)
    {
        ArgumentNullException.ThrowIfNull(o);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Host))
        {
            errors.Add($"{s}:Host must be set");
        }

        if (o.Port is <= 0 or > 65535)
        {
            errors.Add($"{s}:Port must be 1-65535 (was {o.Port})");
        }

        if (!EdgeFL.Messaging.MqttProtocolNames.TryParse(o.ProtocolVersion, out _))
        {
            errors.Add($"{s}:ProtocolVersion must be {EdgeFL.Messaging.MqttProtocolNames.Allowed} (was '{o.ProtocolVersion}')");
        }

        EdgeFL.Messaging.BrokerEndpoint.ParseAll(o.Endpoints, $"{s}:Endpoints", errors);

        if (o.AckTimeout < TimeSpan.Zero || o.AckTimeout > TimeSpan.FromDays(1))
        {
            errors.Add($"{s}:AckTimeout must be between 0 (the broker's PUBACK counts as delivery) and 1 day (was {o.AckTimeout})");
        }

        if (o.SocketBufferBytes < 4096)
        {
            errors.Add($"{s}:SocketBufferBytes must be at least 4096 (was {o.SocketBufferBytes})");
        }

        if (o.MaxModelBytes < 1024)
        {
            errors.Add($"{s}:MaxModelBytes must be at least 1024 (was {o.MaxModelBytes})");
        }

        try
        {
            o.Tls.Validate($"{s}:Tls");
        }
        catch (InvalidOperationException e)
        {
            errors.Add(e.Message);
        }

        if (!string.IsNullOrEmpty(o.PasswordFile) && !File.Exists(o.PasswordFile))
        {
            errors.Add($"{s}:PasswordFile: no file at '{o.PasswordFile}'");
        }

        errors.AddRange(RetryOptionsValidator.Problems(o.Retry, $"{s}:Retry"));
        errors.AddRange(EdgeFL.Messaging.Chunking.ChunkingOptions.Problems(o.Chunking, $"{s}:Chunking"));
        return errors;
    }
}
