using EdgeFL.CloudLink;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Topics;
using EdgeFL.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway;

/// <summary>Checks <see cref="GatewayOptions"/> at start; each message names the key that fixes it.</summary>
internal sealed class GatewayOptionsValidator(IConfiguration configuration) : IValidateOptions<GatewayOptions>
{
    /// <summary>The longest wait .NET timers take (Task.Delay, CancelAfter: 2^32 - 2 ms, about 49.7 days), rounded down.</summary>
    private static readonly TimeSpan MaxTimer = TimeSpan.FromDays(49);

    public ValidateOptionsResult Validate(string? name, GatewayOptions o)
    {
        var errors = new List<string>();
        // The uplink's own keys are checked by CloudUplinkOptionsValidator; only whether it is on matters here.
        bool cloudEnabled = configuration.GetSection(CloudUplinkOptions.Section).GetValue<bool>(nameof(CloudUplinkOptions.Enabled));
        if (string.IsNullOrEmpty(o.InitialModelPath) && !cloudEnabled)
        {
            errors.Add($"{GatewayOptions.Section}:InitialModelPath must be set when {CloudUplinkOptions.Section}:Enabled is false: the gateway needs a model to start from");
        }

        const string s = GatewayOptions.Section;
        errors.AddRange(SigningProblems(o, cloudEnabled));
        if (!TopicScheme.IsValidId(o.GatewayId))
        {
            errors.Add($"{s}:GatewayId '{o.GatewayId}' must be 1-128 characters without '/', '+', '#' or whitespace, and not 'cloud'");
        }

        try
        {
            _ = new TopicScheme(o.TopicPrefix);
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{s}:TopicPrefix: {ex.Message}");
        }

        if (!string.IsNullOrEmpty(o.InitialModelPath) && !File.Exists(o.InitialModelPath))
        {
            errors.Add($"{s}:InitialModelPath '{o.InitialModelPath}' does not exist");
        }

        if (o.Broker.Port is <= 0 or > 65535)
        {
            errors.Add($"{s}:Broker:Port must be 1-65535 (was {o.Broker.Port})");
        }

        if (o.Broker.Embedded && !System.Net.IPAddress.TryParse(o.Broker.BindAddress, out _))
        {
            errors.Add($"{s}:Broker:BindAddress must be an IP address (was '{o.Broker.BindAddress}')");
        }

        if (!o.Broker.Embedded && string.IsNullOrWhiteSpace(o.Broker.Host))
        {
            errors.Add($"{s}:Broker:Host must be set when {s}:Broker:Embedded is false");
        }

        if (o.Broker.Embedded)
        {
            try
            {
                o.Broker.Tls.Validate($"{s}:Broker:Tls");
            }
            catch (InvalidOperationException e)
            {
                errors.Add(e.Message);
            }

            if (!o.Broker.AllowAnonymous && string.IsNullOrWhiteSpace(o.Broker.CredentialsPath))
            {
                errors.Add($"{s}:Broker:CredentialsPath must be set unless {s}:Broker:AllowAnonymous is true");
            }
        }
        else
        {
            try
            {
                o.Broker.ClientTls.Validate($"{s}:Broker:ClientTls");
            }
            catch (InvalidOperationException e)
            {
                errors.Add(e.Message);
            }

            if (!string.IsNullOrEmpty(o.Broker.PasswordFile) && !File.Exists(o.Broker.PasswordFile))
            {
                errors.Add($"{s}:Broker:PasswordFile: no file at '{o.Broker.PasswordFile}'");
            }
        }

        if (o.Broker.ReceiveBudgetBytes < 0)
        {
            errors.Add($"{s}:Broker:ReceiveBudgetBytes must be unset (one model's update), 0 (no limit) or positive (was {o.Broker.ReceiveBudgetBytes})");
        }

        if (o.Broker.ConnectTimeout <= TimeSpan.Zero || o.Broker.ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{s}:Broker:ConnectTimeout must be positive and at most 5 minutes (was {o.Broker.ConnectTimeout})");
        }

        if (o.Broker.MaxConnections < 2)
        {
            errors.Add($"{s}:Broker:MaxConnections must be at least 2 (was {o.Broker.MaxConnections})");
        }

        if (o.Broker.MaxRetainedBytes < 1024 * 1024)
        {
            errors.Add($"{s}:Broker:MaxRetainedBytes must be at least 1048576 (was {o.Broker.MaxRetainedBytes})");
        }

        if (o.Broker.ReceiveBudgetStallTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{s}:Broker:ReceiveBudgetStallTimeout must be positive (was {o.Broker.ReceiveBudgetStallTimeout})");
        }

        if (o.Broker.SocketBufferBytes < 4096)
        {
            errors.Add($"{s}:Broker:SocketBufferBytes must be at least 4096");
        }

        if (o.Broker.ReceiveMaximum is < 1 or > ushort.MaxValue)
        {
            errors.Add($"{s}:Broker:ReceiveMaximum must be 1-65535 (was {o.Broker.ReceiveMaximum})");
        }

        errors.AddRange(Messaging.Chunking.ChunkingOptions.Problems(o.Broker.Chunking, $"{s}:Broker:Chunking"));

        var r = o.Rounds;
        if (r.QuorumFraction is <= 0 or > 1 || double.IsNaN(r.QuorumFraction))
        {
            errors.Add($"{s}:Rounds:QuorumFraction must be in (0, 1] (was {r.QuorumFraction})");
        }

        if (r.Deadline <= TimeSpan.Zero)
        {
            errors.Add($"{s}:Rounds:Deadline must be positive (was {r.Deadline})");
        }

        if (r.MinUpdates < 1)
        {
            errors.Add($"{s}:Rounds:MinUpdates must be at least 1 (was {r.MinUpdates})");
        }

        if (r.MaxRounds < 0)
        {
            errors.Add($"{s}:Rounds:MaxRounds must be 0 (no limit) or more (was {r.MaxRounds})");
        }

        if (r.Pause < TimeSpan.Zero || r.Pause > MaxTimer)
        {
            errors.Add($"{s}:Rounds:Pause must be between 0 and 49 days (was {r.Pause})");
        }

        if (r.WaitForDevices < 0)
        {
            errors.Add($"{s}:Rounds:WaitForDevices must be 0 (do not wait) or more (was {r.WaitForDevices})");
        }

        if (r.WaitForDevicesTimeout < TimeSpan.Zero || r.WaitForDevicesTimeout > MaxTimer)
        {
            errors.Add($"{s}:Rounds:WaitForDevicesTimeout must be between 0 and 49 days (was {r.WaitForDevicesTimeout})");
        }

        if (r.SyncEvery < 1)
        {
            errors.Add($"{s}:Rounds:SyncEvery must be at least 1 (was {r.SyncEvery})");
        }

        if (r.GlobalModelTimeout < TimeSpan.Zero || r.GlobalModelTimeout > MaxTimer)
        {
            errors.Add($"{s}:Rounds:GlobalModelTimeout must be between 0 and 49 days (was {r.GlobalModelTimeout})");
        }

        errors.AddRange(o.Aggregation.Problems($"{s}:Aggregation"));
        errors.AddRange(Messaging.Retry.RetryOptionsValidator.Problems(o.Retry, $"{s}:Retry"));

        if (o.Staleness.MaxRounds < 0)
        {
            errors.Add($"{s}:Staleness:MaxRounds must be 0 or more (was {o.Staleness.MaxRounds})");
        }

        if (o.Staleness.MaxLateUpdates is < 0 or > 10_000)
        {
            errors.Add($"{s}:Staleness:MaxLateUpdates must be in [0, 10000] (was {o.Staleness.MaxLateUpdates})");
        }

        if (o.Staleness.Exponent is < 0 or > 10 || double.IsNaN(o.Staleness.Exponent))
        {
            // Above 10 the discount 1/(1+s)^a underflows to a weight of 0 for long-stale updates.
            errors.Add($"{s}:Staleness:Exponent must be in [0, 10] (was {o.Staleness.Exponent})");
        }

        if (string.IsNullOrWhiteSpace(o.StateDirectory))
        {
            errors.Add($"{s}:StateDirectory must be a folder, or :memory: to keep no state");
        }

        var u = o.Updates;
        if (u.MaxBytes < 1024)
        {
            errors.Add($"{s}:Updates:MaxBytes must be at least 1024 (was {u.MaxBytes})");
        }

        if (u.MinSampleCount < 1 || u.MaxSampleCount < u.MinSampleCount)
        {
            errors.Add($"{s}:Updates:MinSampleCount must be >= 1 and <= {s}:Updates:MaxSampleCount");
        }

        errors.AddRange(Core.Validation.UpdateNormBound.Problems(u.MaxUpdateNorm, u.NormPolicy, $"{s}:Updates:MaxUpdateNorm", $"{s}:Updates:NormPolicy"));
        if (!double.IsFinite(u.MaxSampleRatio) || (u.MaxSampleRatio != 0 && u.MaxSampleRatio < 1))
        {
            errors.Add($"{s}:Updates:MaxSampleRatio must be 0 (off) or a finite ratio of at least 1 (was {u.MaxSampleRatio})");
        }

        if (!double.IsFinite(u.MaxNormRatio) || (u.MaxNormRatio != 0 && u.MaxNormRatio < 1))
        {
            errors.Add($"{s}:Updates:MaxNormRatio must be 0 (off) or a finite ratio of at least 1 (was {u.MaxNormRatio})");
        }

        if (u.MinNormReference < 1)
        {
            errors.Add($"{s}:Updates:MinNormReference must be at least 1 (was {u.MinNormReference})");
        }


        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The signing key (or a state folder to generate it in), and the cloud's key when global models come from it.</summary>
    private static IEnumerable<string> SigningProblems(GatewayOptions o, bool cloudEnabled)
    {
        const string k = GatewayOptions.Section + ":Signing";
        string?[] problems =
        [
            SigningKeyFiles.SignerProblem(o.Signing.PrivateKeyPath, $"{k}:PrivateKeyPath", o.StateDirectory != StateDatabase.InMemory, $"{GatewayOptions.Section}:StateDirectory"),
            cloudEnabled ? SigningKeyFiles.VerifierProblem(o.Signing.CloudPublicKeyPath, $"{k}:CloudPublicKeyPath", o.Signing.RequireSignedModels, $"{k}:RequireSignedModels") : null,
        ];
        return problems.OfType<string>();
    }
}
