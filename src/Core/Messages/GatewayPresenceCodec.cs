using System.Buffers;
using System.Text;

namespace EdgeFL.Core.Messages;

/// <summary>The wire form of <see cref="GatewayPresence"/>.</summary>
public static class GatewayPresenceCodec
{
    /// <summary>The payload of <paramref name="presence"/>.</summary>
    public static byte[] Encode(GatewayPresence presence) => Encoding.UTF8.GetBytes(Name(presence));

    /// <summary>Reads a payload; false for anything but the three names (at most 16 bytes).</summary>
    public static bool TryDecode(ReadOnlySequence<byte> payload, out GatewayPresence presence)
    {
        presence = GatewayPresence.Offline;
        if (payload.Length is 0 or > 16)
        {
            return false;
        }

        switch (Encoding.UTF8.GetString(payload))
        {
            case "online": presence = GatewayPresence.Online; return true;
            case "idle": presence = GatewayPresence.Idle; return true;
            case "offline": presence = GatewayPresence.Offline; return true;
            default: return false;
        }
    }

    private static string Name(GatewayPresence presence) => presence switch
    {
        GatewayPresence.Online => "online",
        GatewayPresence.Idle => "idle",
        GatewayPresence.Offline => "offline",
        _ => throw new ArgumentOutOfRangeException(nameof(presence)),
    };
}
