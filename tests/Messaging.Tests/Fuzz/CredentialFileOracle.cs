using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EdgeFL.Messaging.Tests.Fuzz;

/// <summary>
/// What a credential file means, read independently of CredentialFile by the rules of its format
/// (docs/SECURITY.md): JSON in valid UTF-8 with no member named twice in an object; a root object whose
/// "version", if present, is the number 1 and whose "clients" is an object; each client's name an id
/// (1-128 characters, no '/', '+', '#', NUL or whitespace, not "cloud", not starting with '$') and its
/// value an object with a base64 "salt" of at least one byte, a base64 "hash" of 32 bytes, and
/// optionally a "created" date. Any other file must be refused.
/// </summary>
internal sealed class CredentialFileOracle
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<string, (byte[] Salt, byte[] Hash)> _clients;

    private CredentialFileOracle(Dictionary<string, (byte[] Salt, byte[] Hash)> clients) => _clients = clients;

    /// <summary>The provisioned ids.</summary>
    public IReadOnlyCollection<string> Ids => _clients.Keys;

    /// <summary>True when the file provisions <paramref name="id"/> with <paramref name="secret"/>: HMAC-SHA256(salt, secret) is its hash.</summary>
    public bool Verifies(string id, string secret) =>
        _clients.TryGetValue(id, out var c) && HMACSHA256.HashData(c.Salt, Encoding.UTF8.GetBytes(secret)).AsSpan().SequenceEqual(c.Hash);

    /// <summary>The file's meaning, or null with <paramref name="problem"/> when it must be refused.</summary>
    public static CredentialFileOracle? Read(byte[] bytes, out string problem)
    {
        try
        {
            return ReadOrThrow(bytes, out problem);
        }
        catch (JsonException ex)
        {
            problem = "not JSON: " + ex.Message;
        }
        catch (InvalidOperationException ex)
        {
            problem = "a string that is not UTF-16: " + ex.Message; // a lone surrogate escaped in a name or value
        }

        return null;
    }

    private static CredentialFileOracle? ReadOrThrow(byte[] bytes, out string problem)
    {
        try
        {
            _ = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            problem = "not UTF-8";
            return null;
        }

        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        problem = root.ValueKind != JsonValueKind.Object ? "the root is not an object"
            : NamedTwice(root) is string twice ? $"'{twice}' named twice in an object"
            : root.TryGetProperty("version", out var v) && v.GetRawText() != "1" ? "version is not 1"
            : !root.TryGetProperty("clients", out var c) || c.ValueKind != JsonValueKind.Object ? "no clients object"
            : "";
        if (problem.Length > 0)
        {
            return null;
        }

        var clients = new Dictionary<string, (byte[], byte[])>(StringComparer.Ordinal);
        foreach (var client in root.GetProperty("clients").EnumerateObject())
        {
            problem = !IsId(client.Name) ? $"'{client.Name}' is not an id"
                : client.Value.ValueKind != JsonValueKind.Object ? $"{client.Name} is not an object"
                : Base64(client.Value, "salt") is not { Length: > 0 } ? $"{client.Name}: no salt"
                : Base64(client.Value, "hash") is not { Length: 32 } ? $"{client.Name}: no 32-byte hash"
                : client.Value.TryGetProperty("created", out var created) && !(created.ValueKind == JsonValueKind.String && created.TryGetDateTimeOffset(out _)) ? $"{client.Name}: created is not a date"
                : "";
            if (problem.Length > 0)
            {
                return null;
            }

            clients.Add(client.Name, (Base64(client.Value, "salt")!, Base64(client.Value, "hash")!));
        }

        return new CredentialFileOracle(clients);
    }

    private static bool IsId(string id) =>
        id.Length is >= 1 and <= 128 && id != "cloud" && !id.StartsWith('$') &&
        !id.Any(ch => ch is '/' or '+' or '#' or '\0' || char.IsWhiteSpace(ch));

    private static byte[]? Base64(JsonElement client, string name)
    {
        if (!client.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        string text = value.GetString()!;
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out int n) ? bytes[..n] : null;
    }

    /// <summary>A member name that occurs twice in one object, anywhere in the document (compared unescaped).</summary>
    private static string? NamedTwice(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var member in element.EnumerateObject())
                {
                    if (!names.Add(member.Name))
                    {
                        return member.Name;
                    }

                    if (NamedTwice(member.Value) is string inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                return element.EnumerateArray().Select(NamedTwice).FirstOrDefault(n => n is not null);
            default:
                return null;
        }
    }
}
