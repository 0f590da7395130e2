using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway;

internal static partial class GatewayLog
{
    [LoggerMessage(2001, LogLevel.Debug, "{GatewayId}: accepted update from {DeviceId} for round {Round} ({Samples} samples, loss {Loss:F4})")]
    public static partial void UpdateAccepted(ILogger logger, string gatewayId, string deviceId, long round, long samples, double loss);

    [LoggerMessage(2002, LogLevel.Warning, "{GatewayId}: rejected update from {DeviceId}: {Reason} ({Detail})")]
    public static partial void UpdateRejected(ILogger logger, string gatewayId, string deviceId, string reason, string detail);

    [LoggerMessage(2003, LogLevel.Debug, "{GatewayId}: {DeviceId} declined round {Round}: {Reason}")]
    public static partial void Declined(ILogger logger, string gatewayId, string deviceId, long round, string reason);

    [LoggerMessage(2004, LogLevel.Information, "{GatewayId}: round {Round} opened")]
    public static partial void RoundOpened(ILogger logger, string gatewayId, long round);

    [LoggerMessage(2005, LogLevel.Information, "{GatewayId}: round {Round} closed by {Reason}: {Accepted} updates, {Declined} declined, {Rejected} rejected, {Samples} samples, mean loss {Loss:F4}")]
    public static partial void RoundClosed(ILogger logger, string gatewayId, long round, string reason, int accepted, int declined, int rejected, long samples, double loss);

    [LoggerMessage(2006, LogLevel.Information, "{GatewayId}: adopted the global model of round {Round}")]
    public static partial void GlobalAdopted(ILogger logger, string gatewayId, long round);

    [LoggerMessage(2007, LogLevel.Warning, "{GatewayId}: upload of round {Round} to the cloud failed: {Error}")]
    public static partial void UploadFailed(ILogger logger, string gatewayId, long round, string error);

    [LoggerMessage(2008, LogLevel.Warning, "{GatewayId}: no global model for round {Round} within {Timeout}; going on with the edge model")]
    public static partial void GlobalTimeout(ILogger logger, string gatewayId, long round, TimeSpan timeout);

    [LoggerMessage(2009, LogLevel.Information, "{GatewayId}: waiting for an initial model from the cloud")]
    public static partial void WaitingForInitialModel(ILogger logger, string gatewayId);

    [LoggerMessage(2010, LogLevel.Information, "{GatewayId}: finished {Rounds} rounds")]
    public static partial void Finished(ILogger logger, string gatewayId, long rounds);


    [LoggerMessage(2012, LogLevel.Warning, "{GatewayId}: ignored a {Kind} message on {Topic}: {Error}")]
    public static partial void MalformedControl(ILogger logger, string gatewayId, string kind, string topic, string error);

    [LoggerMessage(2028, LogLevel.Warning, "{GatewayId}: {Suppressed} more refused {Kind} messages from {DeviceId} were not logged (at most 5 lines per device and kind per minute)")]
    public static partial void ControlRejectionsSuppressed(ILogger logger, string gatewayId, long suppressed, string kind, string deviceId);

    [LoggerMessage(2029, LogLevel.Error, "{GatewayId}: the state's disk is full or failing ({Error}); {What} waits and is tried again in {Delay} (updates are refused meanwhile and devices keep them)")]
    public static partial void StateWriteFailed(ILogger logger, string gatewayId, string what, string error, TimeSpan delay);

    [LoggerMessage(2030, LogLevel.Information, "{GatewayId}: the state is writable again; {What} done after {Attempts} attempts")]
    public static partial void StateWritable(ILogger logger, string gatewayId, string what, int attempts);

    [LoggerMessage(2014, LogLevel.Error, "{GatewayId}: refused the global model of round {Round}: {Reason}")]
    public static partial void GlobalRefused(ILogger logger, string gatewayId, long round, string reason);

    [LoggerMessage(2015, LogLevel.Warning, "{GatewayId}: resumed from saved state: model of round {Version}, open round {OpenRound} with {Journaled} journaled updates, {Queued} uploads in the outbox")]
    public static partial void Resumed(ILogger logger, string gatewayId, long version, long openRound, int journaled, int queued);

    [LoggerMessage(2016, LogLevel.Warning, "{GatewayId}: reopened round {Round} after a restart with {Replayed} updates accepted before it")]
    public static partial void RoundResumed(ILogger logger, string gatewayId, long round, int replayed);

    [LoggerMessage(2017, LogLevel.Error, "{GatewayId}: saved state is unreadable ({Error}); starting from the initial model")]
    public static partial void StateUnreadable(ILogger logger, string gatewayId, string error);

    [LoggerMessage(2018, LogLevel.Warning, "{GatewayId}: {Suppressed} more rejections from {DeviceId} were not logged (at most 5 lines per device per minute)")]
    public static partial void RejectionsSuppressed(ILogger logger, string gatewayId, string deviceId, long suppressed);

    [LoggerMessage(2022, LogLevel.Information, "{GatewayId}: clipped the update from {DeviceId} for round {Round}: its change has L2 norm {Norm:G4}, over Gateway:Updates:MaxUpdateNorm {MaxNorm:G4}")]
    public static partial void UpdateClipped(ILogger logger, string gatewayId, string deviceId, long round, double norm, double maxNorm);

    [LoggerMessage(2023, LogLevel.Error, "{GatewayId}: the aggregate of round {Round} is not finite ({Detail}); keeping the previous model. Set Gateway:Updates:MaxUpdateNorm to bound what one update can do")]
    public static partial void AggregateRefused(ILogger logger, string gatewayId, long round, string detail);

    [LoggerMessage(2013, LogLevel.Information, "{GatewayId}: starting from model '{ModelId}' of round {Round}")]
    public static partial void Seeded(ILogger logger, string gatewayId, string modelId, long round);

    [LoggerMessage(2021, LogLevel.Information, "Device credentials: {Path} ({Count} devices provisioned); anonymous clients are refused")]
    public static partial void DeviceCredentials(ILogger logger, string path, int count);

    [LoggerMessage(2019, LogLevel.Information, "{GatewayId}: signs the models it sends its devices with key {KeyId} ({Path})")]
    public static partial void SigningWith(ILogger logger, string gatewayId, string keyId, string? path);

    [LoggerMessage(2020, LogLevel.Warning, "{GatewayId}: generated a new model-signing key {KeyId} at {Path}: its devices must trust its public key {PublicKeyPath} (Device:Signing:GatewayPublicKeyPath)")]
    public static partial void SigningKeyGenerated(ILogger logger, string gatewayId, string keyId, string? path, string publicKeyPath);

    [LoggerMessage(2024, LogLevel.Information, "{GatewayId}: waiting for {Wanted} devices to come online before the first round (at most {Timeout})")]
    public static partial void WaitingForDevices(ILogger logger, string gatewayId, int wanted, TimeSpan timeout);

    [LoggerMessage(2025, LogLevel.Information, "{GatewayId}: {Online} of {Wanted} devices online; opening the first round")]
    public static partial void DevicesOnline(ILogger logger, string gatewayId, int online, int wanted);

    [LoggerMessage(2026, LogLevel.Warning, "{GatewayId}: only {Online} of {Wanted} devices online after {Timeout}; opening the first round with them")]
    public static partial void WaitForDevicesTimedOut(ILogger logger, string gatewayId, int online, int wanted, TimeSpan timeout);

    [LoggerMessage(2027, LogLevel.Information, "{GatewayId}: receive budget set to {Bytes} bytes, one update of the model ({ModelBytes} bytes of tensors)")]
    public static partial void ReceiveBudgetSized(ILogger logger, string gatewayId, long bytes, long modelBytes);

    [LoggerMessage(2040, LogLevel.Information, "{GatewayId}: held the update from {DeviceId} for round {Round}, which arrived between rounds, for the next round")]
    public static partial void LateHeld(ILogger logger, string gatewayId, string deviceId, long round);

    [LoggerMessage(2041, LogLevel.Information, "{GatewayId}: folded {Folded} of {Held} updates held between rounds into the round just opened")]
    public static partial void LateFolded(ILogger logger, string gatewayId, int held, int folded);
}
