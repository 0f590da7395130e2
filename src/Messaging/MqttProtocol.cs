namespace EdgeFL.Messaging;

/// <summary>The MQTT protocol version a client speaks (docs/PROTOCOL.md, "MQTT 3.1.1").</summary>
public enum MqttProtocol
{
    /// <summary>MQTT 5: session expiry, reason codes, flow control.</summary>
    V5,

    /// <summary>MQTT 3.1.1: no properties; EdgeFL makes up for each loss (docs/PROTOCOL.md).</summary>
    V311,
}

/// <summary>The configuration spelling of <see cref="MqttProtocol"/>: <c>5</c> or <c>3.1.1</c>.</summary>
public static class MqttProtocolNames
{
    /// <summary>What a <c>ProtocolVersion</c> key may hold.</summary>
    public const string Allowed = "'5' or '3.1.1'";

    /// <summary>Parses <c>5</c> or <c>3.1.1</c> (also <c>5.0</c>, <c>311</c>); false for anything else.</summary>
    public static bool TryParse(string? text, out MqttProtocol protocol)
    {
        switch (text?.Trim())
        {
            case "5" or "5.0" or "500":
                protocol = MqttProtocol.V5;
                return true;
            case "3.1.1" or "311":
                protocol = MqttProtocol.V311;
                return true;
            default:
                protocol = MqttProtocol.V5;
                return false;
        }
    }

    /// <summary>Parses a validated key's value; throws naming <paramref name="key"/> otherwise.</summary>
    public static MqttProtocol Parse(string? text, string key) =>
        TryParse(text, out var protocol) ? protocol : throw new InvalidOperationException($"{key} must be {Allowed} (was '{text}')");
}
