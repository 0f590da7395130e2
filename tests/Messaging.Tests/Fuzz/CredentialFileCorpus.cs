using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Messaging.Tests.Fuzz;

/// <summary>
/// Seed credential files for the fuzz campaign, made from a seeded random source (the same seed, the
/// same files), in the layout the provisioning command writes; the secrets they were made from; and
/// JSON-aware mutations of them (a value or an id swapped for a hostile one, a client duplicated or
/// removed, the structure broken).
/// </summary>
internal sealed partial class CredentialFileCorpus
{
    /// <summary>The ids the seed files provision.</summary>
    public static readonly string[] Ids = ["dev-01", "dev-02", "gw-ü.7"];

    private readonly Random _rng;
    private readonly List<string> _texts = [];

    public CredentialFileCorpus(Random rng)
    {
        _rng = rng;
        Secrets = Ids.ToDictionary(id => id, _ => Base64Url(Bytes(32)), StringComparer.Ordinal);
        var entries = Ids.Select(id => (Id: id, Salt: Bytes(16), Hash: Array.Empty<byte>())).ToList();
        entries = [.. entries.Select(e => e with { Hash = HMACSHA256.HashData(e.Salt, Encoding.UTF8.GetBytes(Secrets[e.Id])) })];
        _texts.Add(Write(entries, indented: true));
        _texts.Add(Write(entries[..1], indented: true));
        _texts.Add(Write(entries, indented: false));
        _texts.Add(Write([], indented: true));
        Seeds = [.. _texts.Select(Encoding.UTF8.GetBytes)];
    }

    /// <summary>Each provisioned id's secret (as the device sends it).</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; }

    /// <summary>The seed files: all three clients (indented, as written; and compact), one client, none.</summary>
    public IReadOnlyList<byte[]> Seeds { get; }

    /// <summary>The file a running broker holds before each input: all three clients.</summary>
    public byte[] Good => Seeds[0];

    /// <summary>Secrets no file ever provisions: each must be refused for every id, whatever the file says.</summary>
    public IEnumerable<string> WrongSecrets(string id)
    {
        string secret = Secrets[id];
        yield return "";
        yield return secret + "x";
        yield return "never-provisioned-" + id;
    }

    /// <summary>A JSON-aware mutation of a seed: one to three hostile changes.</summary>
    public byte[] Mutate(out string how)
    {
        int seed = _rng.Next(_texts.Count);
        string text = _texts[seed];
        var steps = new List<string>();
        for (int n = 1 + _rng.Next(3); n > 0; n--)
        {
            text = _rng.Next(10) switch
            {
                < 5 => SwapValue(text, steps),
                < 7 => RenameClient(text, steps),
                7 => DuplicateClient(text, steps),
                8 => RemoveClient(text, steps),
                _ => BreakStructure(text, steps),
            };
        }

        how = $"seed {seed}: {string.Join(", ", steps)}";
        return Encoding.UTF8.GetBytes(text);
    }

    private string SwapValue(string text, List<string> steps)
    {
        var values = Value().Matches(text);
        if (values.Count == 0)
        {
            return Fallback(text, steps);
        }

        var m = values[_rng.Next(values.Count)];
        string hostile = _rng.Next(4) == 0
            ? values[_rng.Next(values.Count)].Groups[2].Value // another client's salt, hash or date; or salt for hash
            : HostileValue(m.Groups[1].Value, m.Groups[2].Value);
        steps.Add($"{m.Groups[1].Value}@{m.Index}={hostile}");
        return string.Concat(text.AsSpan(0, m.Groups[2].Index), hostile, text.AsSpan(m.Groups[2].Index + m.Groups[2].Length));
    }

    private string HostileValue(string key, string value)
    {
        string inner = value.Trim('"');
        return _rng.Next(24) switch
        {
            0 => "\"\"",
            1 => "\"AA==\"",
            2 => "\"%%%\"",
            3 => Quoted(Convert.ToBase64String(Bytes(31))),
            4 => Quoted(Convert.ToBase64String(Bytes(33))),
            5 => Quoted(Convert.ToBase64String(Bytes(32))), // a well-formed hash of nothing anyone holds
            6 => Quoted(Convert.ToBase64String(Bytes(1))), // a one-byte salt
            7 => "null",
            8 => _rng.Next(3) switch { 0 => "1", 1 => "-0", _ => "1e309" },
            9 => _rng.Next(2) == 0 ? "true" : "[]",
            10 => "{}",
            11 => "\"\\u0000\"",
            12 when inner.Length > 4 => Quoted(FlipBase64(inner)), // a hash or salt one bit off
            13 when inner.Length > 4 => Quoted(inner.TrimEnd('=')), // padding dropped
            14 when inner.Length > 4 => Quoted(inner.Replace('+', '-').Replace('/', '_')), // base64url alphabet
            15 when inner.Length > 4 => Quoted(inner.Insert(inner.Length / 2, " \\n ")), // whitespace inside
            16 => "\"2026-01-15T10:00:00+00:00\"",
            17 => "\"not a date\"",
            18 => "\"2026-13-45T25:61:00Z\"",
            19 => _rng.Next(3) switch { 0 => "2", 1 => "\"1\"", _ => "1.0" },
            20 => "\"\\ud800\"", // a lone surrogate
            21 => Quoted(new string('A', 4 * _rng.Next(1, 5000))), // long, and decodes to zeros
            22 => key == "version" ? "1" : value + " ", // unchanged but for spacing
            _ => value[..(value.Length / 2)], // cut in half
        };
    }

    private string RenameClient(string text, List<string> steps)
    {
        var clients = Client().Matches(text);
        if (clients.Count == 0)
        {
            return Fallback(text, steps);
        }

        var m = clients[_rng.Next(clients.Count)];
        string id = _rng.Next(22) switch
        {
            0 => "",
            1 => " ",
            2 => "a/b",
            3 => "a+b",
            4 => "#",
            5 => "cloud",
            6 => "$SYS",
            7 => "$edgefl-service",
            8 => Ids[_rng.Next(Ids.Length)], // a duplicate, unless it is its own name
            9 => m.Groups[1].Value + " ",
            10 => m.Groups[1].Value.ToUpperInvariant(),
            11 => new string('d', 129),
            12 => new string('d', 128),
            13 => "dev\\u002d01", // "dev-01", escaped
            14 => "dev-01\\u0000",
            15 => "\\ud800",
            16 => "dev\\t01",
            17 => "dev-0" + _rng.Next(10),
            18 => "gw-u\\u0308.7", // gw-ü.7, decomposed
            19 => "clients",
            20 => "dev-01\\/x",
            _ => m.Groups[1].Value[..Math.Max(0, m.Groups[1].Length - 1)],
        };
        steps.Add($"id {m.Groups[1].Value}->{id}");
        return string.Concat(text.AsSpan(0, m.Groups[1].Index), id, text.AsSpan(m.Groups[1].Index + m.Groups[1].Length));
    }

    private string DuplicateClient(string text, List<string> steps)
    {
        var blocks = Block().Matches(text);
        if (blocks.Count == 0)
        {
            return Fallback(text, steps);
        }

        var m = blocks[_rng.Next(blocks.Count)];
        steps.Add($"duplicate client @{m.Index}");
        return text.Insert(m.Index + m.Length, ", " + m.Value);
    }

    private string RemoveClient(string text, List<string> steps)
    {
        var blocks = Block().Matches(text);
        if (blocks.Count == 0)
        {
            return Fallback(text, steps);
        }

        // With the comma after it (or, for the last, before it), so that most removals leave valid JSON.
        var m = blocks[_rng.Next(blocks.Count)];
        int start = m.Index, end = m.Index + m.Length;
        var after = Comma().Match(text, end);
        if (after.Success && after.Index == end)
        {
            end += after.Length;
        }
        else
        {
            int before = text.LastIndexOf(',', start);
            start = before >= 0 && string.IsNullOrWhiteSpace(text[(before + 1)..start]) ? before : start;
        }

        steps.Add($"remove client @{m.Index}");
        return text.Remove(start, end - start);
    }

    private string BreakStructure(string text, List<string> steps)
    {
        int at = text.IndexOf("\"clients\"", StringComparison.Ordinal);
        int open = at < 0 ? -1 : text.IndexOf('{', at);
        int last = Math.Max(0, text.LastIndexOf('}'));
        (string what, string result) = _rng.Next(9) switch
        {
            0 when open > 0 => ("clients = []", string.Concat(text.AsSpan(0, open), "[],\"x\":", text.AsSpan(open))),
            1 when at >= 0 => ("Clients", text.Remove(at + 1, 1).Insert(at + 1, "C")),
            2 => ("in an array", "[" + text + "]"),
            3 => ("root a string", "\"clients\""),
            4 => ("a trailing comma", text.Insert(last, ",")),
            5 => ("a comment", "// provisioned\n" + text),
            6 => ("an unknown member", text.Insert(text.IndexOf('{') + 1, "\"extra\": {\"a\": [1, {\"b\": null}]},")),
            7 => ("a second clients", text.Insert(last, ", \"clients\": {}")),
            _ => ("nested deep", string.Concat(Enumerable.Repeat("{\"a\":", 70)) + text + new string('}', 70)),
        };
        steps.Add(what);
        return result;
    }

    private string Fallback(string text, List<string> steps)
    {
        steps.Add("nothing to change");
        return text;
    }

    private string FlipBase64(string base64)
    {
        if (!Base64Text.TryDecode(base64, out byte[] bytes) || bytes.Length == 0)
        {
            return base64;
        }

        bytes[_rng.Next(bytes.Length)] ^= (byte)(1 << _rng.Next(8));
        return Convert.ToBase64String(bytes);
    }


    private byte[] Bytes(int n)
    {
        var b = new byte[n];
        _rng.NextBytes(b);
        return b;
    }

    private static string Quoted(string s) => $"\"{s}\"";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The file as CredentialFile.Provision writes it.</summary>
    private static string Write(IEnumerable<(string Id, byte[] Salt, byte[] Hash)> entries, bool indented)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", 1);
            writer.WriteString("hash", "HMAC-SHA256(key = salt, message = UTF-8 secret)");
            writer.WriteStartObject("clients");
            foreach (var (id, salt, hash) in entries)
            {
                writer.WriteStartObject(id);
                writer.WriteString("salt", Convert.ToBase64String(salt));
                writer.WriteString("hash", Convert.ToBase64String(hash));
                writer.WriteString("created", new DateTimeOffset(2026, 1, 15, 10, 0, 0, TimeSpan.Zero));
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A member with a scalar value: salt, hash, created, version (and the top-level hash description).</summary>
    [GeneratedRegex("\"(salt|hash|created|version)\":\\s*(\"[^\"]*\"|[-\\w.:+]+)")]
    private static partial Regex Value();

    /// <summary>A client's name: a member whose value is an object holding a salt.</summary>
    [GeneratedRegex("\"([^\"]*)\":\\s*\\{\\s*\"salt\"")]
    private static partial Regex Client();

    /// <summary>A whole client: its name and its object (which holds no nested object).</summary>
    [GeneratedRegex("\"[^\"]*\":\\s*\\{\\s*\"salt\"[^{}]*\\}")]
    private static partial Regex Block();

    [GeneratedRegex("\\s*,")]
    private static partial Regex Comma();
}
