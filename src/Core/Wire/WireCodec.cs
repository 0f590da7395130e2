using System.Buffers;
using EdgeFL.Core.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using MessagePack;

namespace EdgeFL.Core.Wire;

/// <summary>
/// Encodes and decodes EdgeFL messages as MessagePack maps (format: docs/PROTOCOL.md).
/// </summary>
/// <remarks>
/// Decoding never throws on bad input: it returns false with a <see cref="WireError"/>. A message decoded
/// from a single-segment payload borrows that payload: tensor data are slices of it, not copies. A caller
/// that keeps the model after the payload buffer is reused calls <see cref="Models.ModelState.Detach"/>.
/// Multi-segment payloads are copied once, and the result owns its bytes.
/// Tensor bytes are little-endian; on a big-endian host every method throws <see cref="PlatformNotSupportedException"/>.
/// </remarks>
public static class WireCodec
{
    // Buffers grown beyond this are not kept per thread, so a single huge model does not pin memory.
    private const int RetainedBufferBytes = 1 << 20;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? cachedBuffer;

    private delegate T Decoder<T>(ref MessagePackReader reader, DecodeLimits limits);

    private delegate void Writer<T>(ref MessagePackWriter writer, T message);

    /// <summary>Writes a model message to <paramref name="output"/>.</summary>
    public static void Encode(IBufferWriter<byte> output, ModelMessage message) => Write(output, message, MessageEncoder.Write);

    /// <summary>Writes a device update to <paramref name="output"/>.</summary>
    public static void Encode(IBufferWriter<byte> output, DeviceUpdate message) => Write(output, message, MessageEncoder.Write);

    /// <summary>Writes a gateway upload to <paramref name="output"/>.</summary>
    public static void Encode(IBufferWriter<byte> output, GatewayUpload message) => Write(output, message, MessageEncoder.Write);

    /// <summary>Writes a device status to <paramref name="output"/>.</summary>
    public static void Encode(IBufferWriter<byte> output, DeviceStatus message) => Write(output, message, MessageEncoder.Write);

    /// <summary>Writes a round decline to <paramref name="output"/>.</summary>
    public static void Encode(IBufferWriter<byte> output, RoundDecline message) => Write(output, message, MessageEncoder.Write);

    /// <summary>Writes a device telemetry report to <paramref name="output"/>.</summary>
    public static void Encode(IBufferWriter<byte> output, DeviceTelemetry message) => Write(output, message, MessageEncoder.Write);

    /// <summary>Encodes a device telemetry report into a new exactly-sized array.</summary>
    public static byte[] Encode(DeviceTelemetry message) => ToArray(message, MessageEncoder.Write);

    /// <summary>Encodes a model message into a new exactly-sized array.</summary>
    public static byte[] Encode(ModelMessage message) => ToArray(message, MessageEncoder.Write, SizeHint(message.Model));

    /// <summary>Encodes a device update into a new exactly-sized array.</summary>
    public static byte[] Encode(DeviceUpdate message) => ToArray(message, MessageEncoder.Write, SizeHint(message.Model));

    /// <summary>Encodes a gateway upload into a new exactly-sized array.</summary>
    public static byte[] Encode(GatewayUpload message) => ToArray(message, MessageEncoder.Write, SizeHint(message.Model));

    /// <summary>Encodes a device status into a new exactly-sized array.</summary>
    public static byte[] Encode(DeviceStatus message) => ToArray(message, MessageEncoder.Write);

    /// <summary>Encodes a round decline into a new exactly-sized array.</summary>
    public static byte[] Encode(RoundDecline message) => ToArray(message, MessageEncoder.Write);

    /// <summary>Encodes an <c>"ack"</c> message.</summary>
    public static byte[] Encode(UploadAck message) => ToArray(message, MessageEncoder.Write);

    /// <summary>Decodes a <c>"model"</c> message.</summary>
    public static bool TryDecodeModel(ReadOnlySequence<byte> payload, DecodeLimits limits, out ModelMessage? message, out WireError error) =>
        TryDecode(payload, limits, WireMessageType.Model, MessageDecoder.ReadModel, out message, out error);

    /// <summary>Decodes an <c>"update"</c> message.</summary>
    public static bool TryDecodeUpdate(ReadOnlySequence<byte> payload, DecodeLimits limits, out DeviceUpdate? message, out WireError error) =>
        TryDecode(payload, limits, WireMessageType.Update, MessageDecoder.ReadUpdate, out message, out error);

    /// <summary>Decodes an <c>"upload"</c> message.</summary>
    public static bool TryDecodeUpload(ReadOnlySequence<byte> payload, DecodeLimits limits, out GatewayUpload? message, out WireError error) =>
        TryDecode(payload, limits, WireMessageType.Upload, MessageDecoder.ReadUpload, out message, out error);

    /// <summary>Decodes a <c>"status"</c> message.</summary>
    public static bool TryDecodeStatus(ReadOnlySequence<byte> payload, DecodeLimits limits, out DeviceStatus? message, out WireError error) =>
        TryDecode(payload, limits, WireMessageType.Status, MessageDecoder.ReadStatus, out message, out error);

    /// <summary>Decodes a <c>"telemetry"</c> message.</summary>
    public static bool TryDecodeTelemetry(ReadOnlySequence<byte> payload, DecodeLimits limits, out DeviceTelemetry? message, out WireError error) =>
        TryDecode(payload, limits, WireMessageType.Telemetry, MessageDecoder.ReadTelemetry, out message, out error);

    /// <summary>Decodes a <c>"decline"</c> message.</summary>
    public static bool TryDecodeDecline(ReadOnlySequence<byte> payload, DecodeLimits limits, out RoundDecline? message, out WireError error) =>
        TryDecode(payload, limits, WireMessageType.Decline, MessageDecoder.ReadDecline, out message, out error);

    /// <summary>Decodes an <c>"ack"</c> message.</summary>
    public static bool TryDecodeAck(ReadOnlySequence<byte> payload, DecodeLimits limits, out UploadAck? message, out WireError error) =>
        TryDecode(payload, limits, WireMessageType.Ack, MessageDecoder.ReadAck, out message, out error);

    /// <summary>
    /// Reads only the version and type of a payload (walking, not decoding, the rest), for handlers that
    /// receive several message types on one subscription.
    /// </summary>
    public static bool TryPeekType(ReadOnlySequence<byte> payload, DecodeLimits limits, out WireMessageType type, out WireError error)
    {
        type = default;
        WireMessageType? found = null;
        bool ok = Guarded(payload, limits, out error, (ref MessagePackReader r) =>
        {
            found = MessageDecoder.TryReadHeader(ref r, limits, out long version, out string typeText);
            if (version != WireKeys.ProtocolVersion)
            {
                throw new WireFormatException(WireErrorReason.UnsupportedVersion, $"protocol version {version} is not supported");
            }

            if (found is null)
            {
                throw new WireFormatException(WireErrorReason.WrongType, $"unknown message type '{typeText}'");
            }
        });
        if (ok)
        {
            type = found!.Value;
        }

        return ok;
    }

    /// <summary>
    /// Writes a model message whose map header announces <paramref name="extraEntries"/> more entries
    /// into a buffer sized for it plus <paramref name="extraBytes"/>; the caller appends those entries.
    /// </summary>
    /// <remarks>The buffer is pooled: the caller disposes it once it has copied the message out.</remarks>
    internal static PooledBufferWriter EncodeOpen(ModelMessage message, int extraEntries, int extraBytes)
    {
        var buffer = new PooledBufferWriter((int)Math.Min(SizeHint(message.Model) + extraBytes, Array.MaxLength));
        try
        {
            Write(buffer, message, (ref MessagePackWriter w, ModelMessage m) => MessageEncoder.Write(ref w, m, extraEntries));
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>True when the payload is a message map with any signature key (walked, not decoded); <paramref name="error"/> says why a payload is not a map at all.</summary>
    internal static bool HasSignatureKey(ReadOnlySequence<byte> payload, DecodeLimits limits, out WireError error)
    {
        bool found = false;
        return Guarded(payload, limits, out error, (ref MessagePackReader r) => found = MessageDecoder.HasSignatureKey(ref r, limits)) && found;
    }

    private delegate void ReadAction(ref MessagePackReader reader);

    private static bool TryDecode<T>(ReadOnlySequence<byte> payload, DecodeLimits limits, WireMessageType expected, Decoder<T> decode, out T? message, out WireError error)
        where T : class
    {
        T? result = null;
        bool ok = Guarded(payload, limits, out error, (ref MessagePackReader r) =>
        {
            MessagePackReader header = r;
            MessageDecoder.CheckHeader(ref header, limits, expected);
            result = decode(ref r, limits);
        });
        message = ok ? result : null;
        return ok;
    }

    /// <summary>Size check, single-segment normalisation and the mapping of every failure to a <see cref="WireError"/>.</summary>
    private static bool Guarded(ReadOnlySequence<byte> payload, DecodeLimits limits, out WireError error, ReadAction read)
    {
        ArgumentNullException.ThrowIfNull(limits);
        EnsureLittleEndian();
        if (payload.Length > limits.MaxPayloadBytes)
        {
            error = new WireError(WireErrorReason.TooLarge, $"payload of {payload.Length} bytes exceeds the limit of {limits.MaxPayloadBytes}");
            return false;
        }

        if (!payload.IsSingleSegment)
        {
            payload = new ReadOnlySequence<byte>(payload.ToArray());
        }

        try
        {
            var reader = new MessagePackReader(payload);
            read(ref reader);
            error = WireError.None;
            return true;
        }
        catch (WireFormatException e)
        {
            error = e.Error;
        }
        catch (EndOfStreamException)
        {
            error = new WireError(WireErrorReason.Truncated, "the payload ends in the middle of a value");
        }
        catch (MessagePackSerializationException e) when (e.InnerException is EndOfStreamException)
        {
            error = new WireError(WireErrorReason.Truncated, "the payload ends in the middle of a value");
        }
        catch (MessagePackSerializationException e)
        {
            error = new WireError(WireErrorReason.Malformed, e.Message);
        }
#pragma warning disable CA1031 // The contract is that hostile bytes never throw; anything else the reader raises is malformed input.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            error = new WireError(WireErrorReason.Malformed, $"{e.GetType().Name}: {e.Message}");
        }

        return false;
    }

    private static void Write<T>(IBufferWriter<byte> output, T message, Writer<T> write)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(message);
        EnsureLittleEndian();
        var writer = new MessagePackWriter(output);
        write(ref writer, message);
        writer.Flush();
    }

    /// <summary>Bytes a model's message will take, a little over: tensor data plus headers.</summary>
    private static long SizeHint(ModelState model) => model.DataBytes + (model.Tensors.Count * 320L) + 512;

    private static byte[] ToArray<T>(T message, Writer<T> write, long sizeHint)
    {
        if (sizeHint > 64 * 1024)
        {
            // Sized up front in a pooled scratch buffer, then one copy out into the exact array returned:
            // the result is the only allocation (measured: 4x the payload per message with a growing
            // ArrayBufferWriter, 2x with a sized one).
            using var sized = new PooledBufferWriter((int)Math.Min(sizeHint, Array.MaxLength));
            Write(sized, message, write);
            return sized.WrittenSpan.ToArray();
        }

        return ToArray(message, write);
    }

    private static byte[] ToArray<T>(T message, Writer<T> write)
    {
        ArrayBufferWriter<byte> buffer = cachedBuffer ?? new ArrayBufferWriter<byte>(4096);
        cachedBuffer = null;
        try
        {
            Write(buffer, message, write);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            if (buffer.Capacity <= RetainedBufferBytes)
            {
                buffer.ResetWrittenCount();
                cachedBuffer = buffer;
            }
        }
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("EdgeFL tensors are little-endian in memory and on the wire; big-endian hosts are not supported.");
        }
    }
}
