using System.Buffers;

namespace EdgeFL.Core.Rounds;

/// <summary>Turns a payload into a <see cref="Contribution"/> (the tier's message type: device update or gateway upload), or says why it cannot.</summary>
public delegate bool ContributionDecoder(ReadOnlySequence<byte> payload, out Contribution? contribution, out string error);
