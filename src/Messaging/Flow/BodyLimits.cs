namespace EdgeFL.Messaging.Flow;

/// <summary>Packet sizes a broker connection accepts, and from which size a body counts against the receive budget.</summary>
/// <param name="FirstPacketBytes">The largest first packet (CONNECT, read before the client is authenticated).</param>
/// <param name="PacketBytes">The largest packet after it (the message size limit plus room for topic and properties).</param>
/// <param name="MeteredFromBytes">Bodies from this size on wait for room in the budget; smaller ones never wait.</param>
internal readonly record struct BodyLimits(long FirstPacketBytes, long PacketBytes, long MeteredFromBytes);
