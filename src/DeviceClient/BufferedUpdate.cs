namespace EdgeFL.DeviceClient;

/// <summary>An encoded update waiting for a connection, with the round it was trained for.</summary>
internal sealed record BufferedUpdate(long Round, byte[] Payload);
