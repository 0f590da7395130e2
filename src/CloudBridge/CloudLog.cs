using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge;

internal static partial class CloudLog
{
    [LoggerMessage(3101, LogLevel.Information, "Cloud accepted upload {UploadId} from {GatewayId} for round {Round} ({Samples} samples)")]
    public static partial void UploadAccepted(ILogger logger, string uploadId, string gatewayId, long round, long samples);

    [LoggerMessage(3116, LogLevel.Warning, "{Suppressed} more rejected uploads from {GatewayId} were not logged (at most 5 lines per gateway per minute)")]
    public static partial void UploadRejectionsSuppressed(ILogger logger, long suppressed, string gatewayId);

    [LoggerMessage(3102, LogLevel.Warning, "Cloud rejected an upload from {GatewayId}: {Reason} ({Detail})")]
    public static partial void UploadRejected(ILogger logger, string gatewayId, string reason, string detail);

    [LoggerMessage(3112, LogLevel.Information, "Cloud clipped upload {UploadId} from {GatewayId}: its change has L2 norm {Norm:G4}, over Cloud:MaxUploadNorm {MaxNorm:G4}")]
    public static partial void UploadClipped(ILogger logger, string uploadId, string gatewayId, double norm, double maxNorm);

    [LoggerMessage(3113, LogLevel.Error, "Cloud: the aggregate of sync round {Round} is not finite ({Detail}); publishing the previous global model for it. Set Cloud:MaxUploadNorm to bound what one upload can do")]
    public static partial void AggregateRefused(ILogger logger, long round, string detail);

    [LoggerMessage(3114, LogLevel.Error, "Cloud aggregator refused {Source} (round {Round}): {Reason}")]
    public static partial void GlobalNotAdopted(ILogger logger, string source, long round, string reason);

    [LoggerMessage(3103, LogLevel.Information, "Published global model of round {Round} from {Gateways} gateways ({Samples} samples)")]
    public static partial void GlobalPublished(ILogger logger, long round, int gateways, long samples);


    [LoggerMessage(3105, LogLevel.Information, "Cloud aggregator starts from the global model of round {Round} ({Source})")]
    public static partial void Seeded(ILogger logger, long round, string source);

    [LoggerMessage(3107, LogLevel.Error, "Cloud aggregator state is unreadable ({Error}); starting from the seed")]
    public static partial void StateUnreadable(ILogger logger, string error);

    [LoggerMessage(3106, LogLevel.Warning, "Cloud aggregator has no global model yet: set Cloud:InitialModelPath or publish one retained on {Topic}")]
    public static partial void WaitingForModel(ILogger logger, string topic);

    [LoggerMessage(3111, LogLevel.Information, "Gateway credentials: {Path} ({Count} gateways provisioned); anonymous clients are refused")]
    public static partial void GatewayCredentials(ILogger logger, string path, int count);

    [LoggerMessage(3108, LogLevel.Information, "Cloud aggregator signs global models with key {KeyId} ({Path})")]
    public static partial void SigningWith(ILogger logger, string keyId, string? path);

    [LoggerMessage(3109, LogLevel.Warning, "Cloud aggregator generated a new model-signing key {KeyId} at {Path}: gateways must trust its public key {PublicKeyPath} (Gateway:Signing:CloudPublicKeyPath)")]
    public static partial void SigningKeyGenerated(ILogger logger, string keyId, string? path, string publicKeyPath);

    [LoggerMessage(3110, LogLevel.Warning, "Cloud aggregator ignored the retained global model on the broker: {Reason}")]
    public static partial void RetainedGlobalIgnored(ILogger logger, string reason);

    [LoggerMessage(3115, LogLevel.Warning, "could not acknowledge upload {UploadId} to {GatewayId}: {Error}; the gateway will send it again")]
    public static partial void AckNotSent(ILogger logger, string uploadId, string gatewayId, string error);

    [LoggerMessage(3130, LogLevel.Warning, "Cloud: the server optimizer starts from an empty state: {Reason}")]
    public static partial void OptimizerStateDiscarded(ILogger logger, string reason);

    [LoggerMessage(7121, LogLevel.Information, "Cloud sent the global model of round {Round} to {GatewayId}, which asked for it (holding round {Held}; -1: none)")]
    public static partial void GlobalAnswered(ILogger logger, long round, string gatewayId, long held);

    [LoggerMessage(7122, LogLevel.Warning, "Cloud could not send the global model {GatewayId} asked for: {Error}; it asks again on its next connect")]
    public static partial void GlobalAnswerNotSent(ILogger logger, string gatewayId, string error);

    [LoggerMessage(7301, LogLevel.Information, "Gateway {GatewayId} is {Presence} (Cloud: a sync does not wait for a gateway that is offline or idle)")]
    public static partial void GatewayPresence(ILogger logger, string gatewayId, string presence);

    [LoggerMessage(7302, LogLevel.Information, "Sync round {Round} closes with {Uploads} of {Expected} expected gateways: {Absent} said they will not upload (offline, idle or last will)")]
    public static partial void SyncClosedWithoutAbsent(ILogger logger, long round, int uploads, int expected, int absent);
}
