namespace EdgeFL.Messaging;

/// <summary>Thrown when a publish is attempted while the connection is down.</summary>
public sealed class MqttNotConnectedException : Exception
{
    /// <summary>Creates the exception for a client id.</summary>
    public MqttNotConnectedException(string clientId, Exception? inner = null)
        : base($"MQTT client '{clientId}' is not connected", inner)
    {
    }
}
