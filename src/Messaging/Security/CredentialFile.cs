using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EdgeFL.Messaging.Security;

/// <summary>
/// The provisioned clients of a broker (devices at a gateway, gateways at the cloud) and a hash of
/// each one's secret, in a JSON file the operator's provisioning command writes and the service only
/// reads. Secrets are 256-bit random strings made by <see cref="Provision"/>; the file holds a salted
/// HMAC-SHA256 of each, never the secret. A slow password hash is not needed because the secrets are
/// not human-chosen (a 256-bit search cannot be brute-forced), and it would cost a Pi-class gateway
/// seconds of CPU on every reconnect storm. Changes to the file are picked up without a restart.
/// </summary>
public sealed class CredentialFile
{
    private const int SecretBytes = 32;
    private const int SaltBytes = 16;
    private const int FormatVersion = 1;
    private static readonly JsonDocumentOptions ParseOptions = new() { AllowDuplicateProperties = false };
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _reloadLock = new();
    private FrozenDictionary<string, Entry> _entries = FrozenDictionary<string, Entry>.Empty;
    private (DateTime Modified, long Length) _loadedStamp = (DateTime.MinValue, -1);
    private long _nextCheck;

    /// <summary>Opens (without requiring) the credential file at <paramref name="path"/>.</summary>
    public CredentialFile(string path, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = System.IO.Path.GetFullPath(path);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The file's full path.</summary>
    public string Path => _path;

    /// <summary>The provisioned ids, as of the last (re)load.</summary>
    public IReadOnlyCollection<string> Ids
    {
        get
        {
            Refresh(force: true);
            return _entries.Keys;
        }
    }

    /// <summary>
    /// Loads the file now; throws <see cref="InvalidDataException"/> naming the file when it exists
    /// but cannot be read, so a service refuses to start on a broken file rather than lock everyone out.
    /// </summary>
    public void LoadOrThrow() => Refresh(force: true, throwOnError: true);

    /// <summary>
    /// True when <paramref name="id"/> is provisioned and <paramref name="secret"/> is its secret. The
    /// file is checked for changes at most once a second, and again (one stat) before refusing, so a
    /// device provisioned a moment ago gets in at once.
    /// </summary>
    public bool Verify(string id, ReadOnlySpan<byte> secret)
    {
        Refresh(force: false);
        if (Matches(id, secret))
        {
            return true;
        }

        return Refresh(force: false, ignoreInterval: true) && Matches(id, secret);
    }

    private bool Matches(string id, ReadOnlySpan<byte> secret)
    {
        if (!_entries.TryGetValue(id, out var entry))
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(entry.Salt, secret, hash);
        return CryptographicOperations.FixedTimeEquals(hash, entry.Hash);
    }

    /// <summary>
    /// Provisions <paramref name="id"/> with a fresh random secret (replacing any previous one, which
    /// stops working), writes the file atomically, and returns the secret: it is shown once and kept
    /// nowhere else.
    /// </summary>
    public string Provision(string id)
    {
        ValidateId(id);
        string secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes(secret));
        var entries = ReadFile(throwOnError: true).ToDictionary(StringComparer.Ordinal);
        entries[id] = new Entry(salt, hash, _time.GetUtcNow());
        WriteFile(entries);
        Refresh(force: true);
        return secret;
    }

    /// <summary>Removes <paramref name="id"/>; returns false when it was not provisioned.</summary>
    public bool Revoke(string id)
    {
        var entries = ReadFile(throwOnError: true).ToDictionary(StringComparer.Ordinal);
        if (!entries.Remove(id))
        {
            return false;
        }

        WriteFile(entries);
        Refresh(force: true);
        return true;
    }

    /// <summary>Throws when <paramref name="id"/> cannot be a provisioned client's id.</summary>
    public static void ValidateId(string id)
    {
        if (IdError(id) is { } error)
        {
            throw new ArgumentException(error, nameof(id));
        }
    }

    /// <summary>Why <paramref name="id"/> cannot be a provisioned client's id, or null when it can.</summary>
    public static string? IdError(string id) =>
        IsValidClientId(id) ? null : $"'{id}' is not a valid id: 1-128 characters, no '/', '+', '#', whitespace, not 'cloud', and not starting with '$'";

    private static bool IsValidClientId(string id) => Core.Topics.TopicScheme.IsValidId(id) && !id.StartsWith('$');

    /// <summary>Reloads the file when it changed (or always, when forced); true when it was reloaded.</summary>
    private bool Refresh(bool force, bool throwOnError = false, bool ignoreInterval = false)
    {
        long now = _time.GetTimestamp();
        if (!force && !ignoreInterval && now < Volatile.Read(ref _nextCheck))
        {
            return false;
        }

        lock (_reloadLock)
        {
            _nextCheck = now + (long)(RecheckInterval.TotalSeconds * _time.TimestampFrequency);
            var info = new FileInfo(_path);
            var stamp = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
            if (!force && stamp == _loadedStamp)
            {
                return false;
            }

            try
            {
                _entries = ReadFile(throwOnError: true).ToFrozenDictionary(StringComparer.Ordinal);
                _loadedStamp = stamp;
                return true;
            }
            catch (InvalidDataException) when (!throwOnError)
            {
                // Keep the last good set: a half-edited file must not lock every device out.
                return false;
            }
        }
    }

    private IEnumerable<KeyValuePair<string, Entry>> ReadFile(bool throwOnError)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(_path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"credential file {_path} cannot be read: {e.Message}", e);
        }

        try
        {
            return Parse(bytes);
        }
        catch (Exception e) when (throwOnError && e is JsonException or FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"credential file {_path} is not valid: {e.Message}", e);
        }
    }

    /// <summary>
    /// The file's clients. Anything the provisioning command could not have written is refused
    /// (<see cref="InvalidDataException"/>, or <see cref="JsonException"/> for what is not JSON) rather
    /// than half-read: bytes that are not UTF-8, a member named twice, another format version, an id
    /// <see cref="ValidateId"/> refuses, a salt, hash or date that is missing or of another type.
    /// </summary>
    private static List<KeyValuePair<string, Entry>> Parse(byte[] bytes)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new InvalidDataException("not UTF-8 text");
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes, ParseOptions);
            return Clients(doc.RootElement);
        }
        catch (InvalidOperationException e)
        {
            // What reading a name or string throws when an escape in it is not UTF-16 (a lone surrogate).
            throw new InvalidDataException(e.Message, e);
        }
    }

    private static List<KeyValuePair<string, Entry>> Clients(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"the root is {root.ValueKind}, not an object");
        }

        if (root.TryGetProperty("version", out var version) && !(version.ValueKind == JsonValueKind.Number && version.TryGetInt32(out int v) && v == FormatVersion))
        {
            throw new InvalidDataException($"\"version\" is {version.GetRawText()}; this service reads version {FormatVersion}");
        }

        if (!root.TryGetProperty("clients", out var clients) || clients.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("missing \"clients\" object");
        }

        var result = new List<KeyValuePair<string, Entry>>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in clients.EnumerateObject())
        {
            string id = client.Name;
            if (!IsValidClientId(id))
            {
                throw new InvalidDataException($"'{id}' is not a valid id");
            }

            if (!ids.Add(id))
            {
                throw new InvalidDataException($"client '{id}' is listed twice");
            }

            if (client.Value.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"client '{id}' is {client.Value.ValueKind}, not an object");
            }

            byte[] salt = Base64Member(client.Value, "salt", id);
            byte[] hash = Base64Member(client.Value, "hash", id);
            if (hash.Length != 32 || salt.Length == 0)
            {
                throw new InvalidDataException($"client '{id}': hash must be 32 bytes and salt non-empty");
            }

            var created = DateTimeOffset.MinValue;
            if (client.Value.TryGetProperty("created", out var c) && !(c.ValueKind == JsonValueKind.String && c.TryGetDateTimeOffset(out created)))
            {
                throw new InvalidDataException($"client '{id}': \"created\" is not a date");
            }

            result.Add(new(id, new Entry(salt, hash, created)));
        }

        return result;
    }

    private static byte[] Base64Member(JsonElement client, string name, string id) =>
        client.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? Convert.FromBase64String(value.GetString()!)
            : throw new InvalidDataException($"client '{id}': \"{name}\" must be a base64 string");

    private void WriteFile(Dictionary<string, Entry> entries)
    {
        string directory = System.IO.Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(directory);
        string temp = _path + ".tmp-" + Environment.ProcessId;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                writer.WriteNumber("version", FormatVersion);
                writer.WriteString("hash", "HMAC-SHA256(key = salt, message = UTF-8 secret)");
                writer.WriteStartObject("clients");
                foreach (var (id, entry) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    writer.WriteStartObject(id);
                    writer.WriteString("salt", Convert.ToBase64String(entry.Salt));
                    writer.WriteString("hash", Convert.ToBase64String(entry.Hash));
                    writer.WriteString("created", entry.Created);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            // Hashes of random 256-bit secrets reveal nothing usable; the service user must read the file.
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        File.Move(temp, _path, overwrite: true);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Entry(byte[] Salt, byte[] Hash, DateTimeOffset Created);
}
