using EdgeFL.Core.Signing;
using EdgeFL.Storage;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudBridge;

/// <summary>Checks <see cref="CloudAggregatorOptions"/> at start; messages name the key to fix.</summary>
internal sealed class CloudAggregatorOptionsValidator : IValidateOptions<CloudAggregatorOptions>
{
    public ValidateOptionsResult Validate(string? name, CloudAggregatorOptions o)
    {
        const string s = CloudAggregatorOptions.Section;
        var errors = new List<string>();
        try
        {
            _ = new Core.Topics.TopicScheme(o.TopicPrefix);
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{s}:TopicPrefix: {ex.Message}");
        }

        if (o.Port is <= 0 or > 65535)
        {
            errors.Add($"{s}:Port must be 1-65535 (was {o.Port})");
        }

        if (o.ReceiveMaximum is < 1 or > ushort.MaxValue)
        {
            errors.Add($"{s}:ReceiveMaximum must be 1-65535 (was {o.ReceiveMaximum})");
        }

        if (o.EmbeddedBroker && !System.Net.IPAddress.TryParse(o.BindAddress, out _))
        {
            errors.Add($"{s}:BindAddress must be an IP address (was '{o.BindAddress}')");
        }

        if (o.EmbeddedBroker)
        {
            try
            {
                o.Tls.Validate($"{s}:Tls");
            }
            catch (InvalidOperationException e)
            {
                errors.Add(e.Message);
            }

            if (o.MaxConnections < 2)
            {
                errors.Add($"{s}:MaxConnections must be at least 2 (the aggregator's own connections; was {o.MaxConnections})");
            }

            if (!o.AllowAnonymous && string.IsNullOrWhiteSpace(o.CredentialsPath))
            {
                errors.Add($"{s}:CredentialsPath must be set unless {s}:AllowAnonymous is true");
            }
        }
        else
        {
            try
            {
                o.ClientTls.Validate($"{s}:ClientTls");
            }
            catch (InvalidOperationException e)
            {
                errors.Add(e.Message);
            }
        }

        if (string.IsNullOrWhiteSpace(o.ClientId))
        {
            errors.Add($"{s}:ClientId must be set");
        }

        if (!string.IsNullOrEmpty(o.InitialModelPath) && !File.Exists(o.InitialModelPath))
        {
            errors.Add($"{s}:InitialModelPath '{o.InitialModelPath}' does not exist");
        }

        if (o.ExpectedGateways < 0)
        {
            errors.Add($"{s}:ExpectedGateways must be 0 (deadline only) or more");
        }

        if (o.SyncDeadline <= TimeSpan.Zero)
        {
            errors.Add($"{s}:SyncDeadline must be positive");
        }

        if (o.MaxUploadBytes < 1024)
        {
            errors.Add($"{s}:MaxUploadBytes must be at least 1024");
        }

        if (o.MaxTotalSamples < 1)
        {
            errors.Add($"{s}:MaxTotalSamples must be at least 1");
        }

        errors.AddRange(o.Aggregation.Problems($"{s}:Aggregation"));
        errors.AddRange(o.ServerOptimizer.Problems($"{s}:ServerOptimizer"));
        errors.AddRange(Messaging.Retry.RetryOptionsValidator.Problems(o.Retry, $"{s}:Retry"));
        errors.AddRange(Core.Validation.UpdateNormBound.Problems(o.MaxUploadNorm, o.UploadNormPolicy, $"{s}:MaxUploadNorm", $"{s}:UploadNormPolicy"));
        if (SigningKeyFiles.SignerProblem(o.Signing.PrivateKeyPath, $"{s}:Signing:PrivateKeyPath", o.StateDirectory != StateDatabase.InMemory, $"{s}:StateDirectory") is { } signing)
        {
            errors.Add(signing);
        }

        if (o.MaxOpenRounds < 1)
        {
            errors.Add($"{s}:MaxOpenRounds must be at least 1");
        }

        if (o.MaxRoundLead is < 1 or > Core.Rounds.RoundNumbers.Max)
        {
            errors.Add($"{s}:MaxRoundLead must be within 1..{Core.Rounds.RoundNumbers.Max}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
