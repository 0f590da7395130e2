using System.Buffers;

namespace EdgeFL.Core.Signing;

/// <summary>
/// The last three entries of a signed model message, in their one accepted form (docs/PROTOCOL.md
/// section 12): <c>"sig_alg": "ES256"</c>, <c>"sig_kid": 16 hex digits</c>, then <c>"sig": bin 64</c>.
/// The signature covers every byte before the <c>"sig"</c> key, so the last 70 bytes are the only
/// unsigned ones and a verifier finds everything it needs at fixed offsets from the end.
/// </summary>
internal static class SignatureTrailer
{
    /// <summary>Map entries the trailer adds to the message map's count.</summary>
    public const int Entries = 3;

    public const int KeyIdLength = 16;

    public const int SignatureLength = 64;

    // a7 "sig_alg" a5 "ES256" a7 "sig_kid" b0: fixstr keys and values, then the 16-byte key id.
    private static readonly byte[] SignedHead = [0xa7, .. "sig_alg"u8, 0xa5, .. "ES256"u8, 0xa7, .. "sig_kid"u8, 0xa0 | KeyIdLength];

    // a3 "sig" c4 40: the key, then a bin 8 header of 64 bytes.
    private static readonly byte[] SignatureHead = [0xa3, .. "sig"u8, 0xc4, SignatureLength];

    /// <summary>Bytes of the whole trailer.</summary>
    public static int Length => SignedHead.Length + KeyIdLength + UnsignedLength;

    /// <summary>Bytes at the end of a signed payload that the signature does not cover: the <c>"sig"</c> entry.</summary>
    public static int UnsignedLength => SignatureHead.Length + SignatureLength;

    /// <summary>Appends the signed part of the trailer: the algorithm and key id entries.</summary>
    public static void WriteSignedPart(IBufferWriter<byte> output, ReadOnlySpan<byte> keyId)
    {
        output.Write(SignedHead);
        output.Write(keyId);
    }

    /// <summary>Appends the <c>"sig"</c> key and bin header and returns the 64 bytes the signature goes into (then Advance).</summary>
    public static Span<byte> BeginSignature(IBufferWriter<byte> output)
    {
        output.Write(SignatureHead);
        return output.GetSpan(SignatureLength)[..SignatureLength];
    }

    /// <summary>Reads the key id and signature when the payload ends with a trailer in the accepted form.</summary>
    public static bool TryRead(ReadOnlySequence<byte> payload, Span<byte> keyId, Span<byte> signature)
    {
        if (payload.Length < Length)
        {
            return false;
        }

        Span<byte> tail = stackalloc byte[Length];
        payload.Slice(payload.Length - Length).CopyTo(tail);
        int kid = SignedHead.Length;
        int sig = kid + KeyIdLength;
        if (!tail[..kid].SequenceEqual(SignedHead) || !tail.Slice(sig, SignatureHead.Length).SequenceEqual(SignatureHead))
        {
            return false;
        }

        tail.Slice(kid, KeyIdLength).CopyTo(keyId);
        tail[(sig + SignatureHead.Length)..].CopyTo(signature);
        return true;
    }
}
