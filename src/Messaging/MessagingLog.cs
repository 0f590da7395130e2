using Microsoft.Extensions.Logging;

namespace EdgeFL.Messaging;

internal static partial class MessagingLog
{
    [LoggerMessage(1001, LogLevel.Information, "MQTT {ClientId} connected to {Host}:{Port} (session present: {SessionPresent})")]
    public static partial void Connected(ILogger logger, string clientId, string host, int port, bool sessionPresent);

    [LoggerMessage(1002, LogLevel.Warning, "MQTT {ClientId} disconnected: {Reason} {Error}")]
    public static partial void Disconnected(ILogger logger, string clientId, string reason, string? error);

    [LoggerMessage(1003, LogLevel.Debug, "MQTT {ClientId} could not connect to {Host}:{Port}: {Error}")]
    public static partial void ConnectFailed(ILogger logger, string clientId, string host, int port, string error);

    [LoggerMessage(1004, LogLevel.Warning, "MQTT {ClientId}: broker {Host}:{Port} refused the connection: {Code}")]
    public static partial void ConnectRefused(ILogger logger, string clientId, string host, int port, string code);

    [LoggerMessage(1005, LogLevel.Warning, "MQTT {ClientId}: broker refused subscription {Filter}: {Code}")]
    public static partial void SubscribeRefused(ILogger logger, string clientId, string filter, string code);

    [LoggerMessage(1006, LogLevel.Error, "MQTT {ClientId}: handler for {Topic} failed")]
    public static partial void HandlerFailed(ILogger logger, string clientId, string topic, Exception exception);

    [LoggerMessage(1007, LogLevel.Error, "MQTT {ClientId}: on-connected callback failed")]
    public static partial void CallbackFailed(ILogger logger, string clientId, Exception exception);

    [LoggerMessage(1008, LogLevel.Debug, "MQTT {ClientId}: disconnect failed")]
    public static partial void DisconnectFailed(ILogger logger, string clientId, Exception exception);

    [LoggerMessage(1009, LogLevel.Debug, "MQTT {ClientId}: ping failed: {Error}")]
    public static partial void PingFailed(ILogger logger, string clientId, string error);

    [LoggerMessage(7101, LogLevel.Debug, "MQTT {ClientId}: could not reach {From}; the next attempt goes to {To}")]
    public static partial void EndpointSwitched(ILogger logger, string clientId, string from, string to);

    [LoggerMessage(1101, LogLevel.Information, "Embedded MQTT broker listening on {Address}:{Port}")]
    public static partial void BrokerStarted(ILogger logger, string address, int port);

    [LoggerMessage(1102, LogLevel.Warning, "Embedded broker dropped a {Bytes}-byte publish from {ClientId} to {Topic}: over the {Limit}-byte limit ({Suppressed} more not logged)")]
    public static partial void OversizeDropped(ILogger logger, string clientId, string topic, long bytes, long limit, long suppressed);

    [LoggerMessage(1112, LogLevel.Warning, "Embedded broker refused a {Bytes}-byte retained publish from {ClientId} to {Topic}: retained messages would exceed {Limit} bytes ({Suppressed} more not logged)")]
    public static partial void RetainedRefused(ILogger logger, string clientId, string topic, long bytes, long limit, long suppressed);

    [LoggerMessage(1113, LogLevel.Warning, "Embedded broker closed a connection from {Remote} as it was accepted: {Max} connections are open ({Suppressed} more not logged)")]
    public static partial void ConnectionOverLimit(ILogger logger, string remote, int max, long suppressed);

    [LoggerMessage(1103, LogLevel.Information, "Embedded MQTT broker stopped")]
    public static partial void BrokerStopped(ILogger logger);

    [LoggerMessage(1104, LogLevel.Information, "Embedded MQTT broker listening for TLS on {Address}:{Port}")]
    public static partial void BrokerTlsStarted(ILogger logger, string address, int port);

    [LoggerMessage(1105, LogLevel.Warning, "Embedded MQTT broker runs without authentication: every client may connect and publish anywhere")]
    public static partial void BrokerOpen(ILogger logger);

    [LoggerMessage(1106, LogLevel.Warning, "Broker refused the connection of client {ClientId} (user '{Username}') from {Remote}: bad user name or password ({Suppressed} more not logged)")]
    public static partial void ConnectionRefusedByBroker(ILogger logger, string clientId, string username, string remote, long suppressed);

    [LoggerMessage(1107, LogLevel.Warning, "Broker refused a publish of {ClientId} (user '{Username}') to {Topic}: not authorized ({Suppressed} more not logged)")]
    public static partial void PublishRefusedByBroker(ILogger logger, string clientId, string username, string topic, long suppressed);

    [LoggerMessage(1109, LogLevel.Error, "Embedded broker could not accept a connection on {Endpoint}")]
    public static partial void BrokerAcceptFailed(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(1110, LogLevel.Debug, "Embedded broker: connection from {Remote} ended: {Error}")]
    public static partial void BrokerConnectionFailed(ILogger logger, string remote, string error);

    [LoggerMessage(1111, LogLevel.Warning, "Embedded broker closed the connection from {Remote}: it announced a {Bytes}-byte packet, over the broker's limit ({Suppressed} more not logged)")]
    public static partial void OversizePacketClosed(ILogger logger, string remote, long bytes, long suppressed);

    [LoggerMessage(1108, LogLevel.Warning, "Broker refused a subscription of {ClientId} (user '{Username}') to {Filter}: not authorized ({Suppressed} more not logged)")]
    public static partial void SubscriptionRefusedByBroker(ILogger logger, string clientId, string username, string filter, long suppressed);
}
