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

        if (!Messaging.MqttProtocolNames.TryParse(o.ProtocolVersion, out _))
        {
            errors.Add($"{s}:ProtocolVersion must be {Messaging.MqttProtocolNames.Allowed} (was '{o.ProtocolVersion}')");
        }

        Messaging.BrokerEndpoint.ParseAll(o.Endpoints, $"{s}:Endpoints", errors);

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
        errors.AddRange(Messaging.Chunking.ChunkingOptions.Problems(o.Chunking, $"{s}:Chunking"));
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

        if (o.Uplink.Enabled)
        {
            errors.AddRange(RegionProblems(o));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>A region's keys: its id on the higher tier, that tier's public key, its uplink, plain averaging.</summary>
    private static IEnumerable<string> RegionProblems(CloudAggregatorOptions o)
    {
        const string s = CloudAggregatorOptions.Section;
        if (!Core.Topics.TopicScheme.IsValidId(o.RegionId))
        {
            yield return $"{s}:RegionId '{o.RegionId}' must be set when {s}:Uplink:Enabled is true: 1-128 characters without '/', '+', '#' or whitespace, and not 'cloud'";
        }

        if (string.IsNullOrEmpty(o.Signing.UplinkPublicKeyPath))
        {
            yield return $"{s}:Signing:UplinkPublicKeyPath must be set when {s}:Uplink:Enabled is true: the public key of the tier above, whose global models this region takes";
        }
        else if (SigningKeyFiles.VerifierProblem(o.Signing.UplinkPublicKeyPath, $"{s}:Signing:UplinkPublicKeyPath", true, $"{s}:Uplink:Enabled") is { } key)
        {
            yield return key;
        }

        if (o.ServerOptimizer.Kind != Core.Aggregation.ServerOptimizerKind.FedAvg)
        {
            yield return $"{s}:ServerOptimizer:Kind must be FedAvg when {s}:Uplink:Enabled is true (was {o.ServerOptimizer.Kind}): a region averages by samples; the top tier steps the server optimizer";
        }

        foreach (string problem in CloudLink.CloudUplinkOptionsValidator.Problems(o.Uplink, $"{s}:Uplink"))
        {
            yield return problem;
        }
    }
}
