using EdgeFL.Core.Messages;
using EdgeFL.Core.Wire;

namespace EdgeFL.Core.Storage;

/// <summary>
/// A model message on disk, in the wire format (docs/PROTOCOL.md): the form in which initial models
/// are handed to a gateway or the cloud aggregator.
/// </summary>
public static class ModelFile
{
    /// <summary>Writes atomically: a temp file in the same folder, flushed to disk, then renamed over the target.</summary>
    public static async Task SaveAsync(string path, ModelMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = WireCodec.Encode(message);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Reads and decodes a model file; throws <see cref="InvalidDataException"/> naming the file and the fault.</summary>
    public static async Task<ModelMessage> LoadAsync(string path, DecodeLimits? limits = null, CancellationToken cancellationToken = default)
    {
        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        if (!WireCodec.TryDecodeModel(new System.Buffers.ReadOnlySequence<byte>(bytes), limits ?? DecodeLimits.Default, out var message, out var error))
        {
            throw new InvalidDataException($"model file '{path}' is not a valid model message: {error}");
        }

        return message!;
    }
}
