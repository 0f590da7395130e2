using System.Security.Cryptography;
using System.Text;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Core.Tests.Signing;

/// <summary>
/// Seed key files for the signing-key fuzz campaigns, and PEM-aware mutations of them. The P-256 keys
/// (and those on other curves) are derived from a seeded random source, so that the same seed gives the
/// same files; the RSA, Ed25519, explicit-parameter and encrypted keys are fixed test keys made once by
/// OpenSSL. Mutations: the base64 truncated or given a wrong character, labels swapped, several blocks
/// concatenated with garbage between them, the DER inside changed and re-encoded (so that the ASN.1 and
/// the curve arithmetic are reached: another private scalar, 0, n, a public point off the curve or of
/// another key), line endings and encodings changed.
/// </summary>
internal sealed class SigningKeyCorpus : IDisposable
{
    /// <summary>The order n of P-256's group.</summary>
    private static readonly byte[] P256Order = Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

    private static readonly string[] Labels =
    [
        "PRIVATE KEY", "EC PRIVATE KEY", "PUBLIC KEY", "RSA PRIVATE KEY", "RSA PUBLIC KEY", "ENCRYPTED PRIVATE KEY", "CERTIFICATE",
        "EC PARAMETERS", "", "PRIVATE  KEY", "public key", "PUBLIC KEY ", "X509 CRL",
    ];

    private readonly Random _rng;

    public SigningKeyCorpus(Random rng)
    {
        _rng = rng;
        Cloud = P256Key();
        Gateway = P256Key();
        Stranger = P256Key();
        using var p384 = Derived(ECCurve.NamedCurves.nistP384, 48);
        using var p521 = Derived(ECCurve.NamedCurves.nistP521, 66);
        using var brainpool = Derived(ECCurve.NamedCurves.brainpoolP256r1, 32);
        using var k1 = Derived(ECCurve.CreateFromValue("1.3.132.0.10"), 32);

        string mismatchedSec1 = Pem("EC PRIVATE KEY", Replace(Cloud.ExportECPrivateKey(), PublicPoint(Cloud), PublicPoint(Gateway)));
        string mismatchedPkcs8 = Pem("PRIVATE KEY", Replace(Cloud.ExportPkcs8PrivateKey(), PublicPoint(Cloud), PublicPoint(Gateway)));
        // The files a service or OpenSSL writes come three times: mutations of them are the ones that can load.
        string[] privateKeys =
        [
            Cloud.ExportPkcs8PrivateKeyPem() + "\n", // as SigningKeyFiles.Generate writes it
            Cloud.ExportECPrivateKeyPem() + "\n",
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + Gateway.ExportECPrivateKeyPem() + "\n", // openssl ecparam -genkey
        ];
        string[] publicKeys =
        [
            Cloud.ExportSubjectPublicKeyInfoPem() + "\n", // as SigningKeyFiles.Generate writes it
            Cloud.ExportSubjectPublicKeyInfoPem() + "\n" + Gateway.ExportSubjectPublicKeyInfoPem() + "\n", // a key rotation
            "# the cloud's keys\n" + Gateway.ExportSubjectPublicKeyInfoPem() + "\nold:\n" + Cloud.ExportSubjectPublicKeyInfoPem(),
        ];
        PrivateSeeds = Utf8(
        [
            .. privateKeys,
            .. privateKeys,
            .. privateKeys,
            p384.ExportPkcs8PrivateKeyPem(),
            p521.ExportECPrivateKeyPem(),
            brainpool.ExportPkcs8PrivateKeyPem(),
            k1.ExportPkcs8PrivateKeyPem(),
            RsaPrivateKey,
            Ed25519PrivateKey,
            ExplicitP256PrivateKey,
            EncryptedPrivateKey,
            mismatchedSec1,
            mismatchedPkcs8,
            Cloud.ExportSubjectPublicKeyInfoPem(), // the .pub given as the .key
            Cloud.ExportPkcs8PrivateKeyPem() + "\n" + Gateway.ExportPkcs8PrivateKeyPem(), // two keys
        ]);
        PublicSeeds = Utf8(
        [
            .. publicKeys,
            .. publicKeys,
            .. publicKeys,
            p384.ExportSubjectPublicKeyInfoPem(),
            brainpool.ExportSubjectPublicKeyInfoPem(),
            k1.ExportSubjectPublicKeyInfoPem(),
            RsaPublicKey,
            Ed25519PublicKey,
            ExplicitP256PublicKey,
            Pem("PUBLIC KEY", Replace(Cloud.ExportSubjectPublicKeyInfo(), PublicPoint(Cloud), [0x02, .. PublicPoint(Cloud)[1..33]])), // compressed
            Cloud.ExportPkcs8PrivateKeyPem(), // the .key given as the .pub
            Cloud.ExportSubjectPublicKeyInfoPem() + "\n" + Cloud.ExportPkcs8PrivateKeyPem(),
        ]);
    }

    /// <summary>The P-256 key most seeds hold.</summary>
    public ECDsa Cloud { get; }

    /// <summary>A second P-256 key: the other key of a rotation, and the public point of the mismatched private keys.</summary>
    public ECDsa Gateway { get; }

    /// <summary>A P-256 key that no seed holds: nothing it signs may ever verify.</summary>
    public ECDsa Stranger { get; }

    /// <summary>Private key files (<c>.key</c>): PKCS#8 and SEC1 P-256, other curves and algorithms, encrypted, inconsistent, several keys.</summary>
    public IReadOnlyList<byte[]> PrivateSeeds { get; }

    /// <summary>Public key files (<c>.pub</c>): one P-256 key, a rotation of two, other curves and algorithms, a compressed point.</summary>
    public IReadOnlyList<byte[]> PublicSeeds { get; }

    /// <summary>A PEM-aware mutation of one of <paramref name="seeds"/> (one to three changes).</summary>
    public byte[] Mutate(IReadOnlyList<byte[]> seeds, out string how)
    {
        int index = _rng.Next(seeds.Count);
        string text = Encoding.UTF8.GetString(seeds[index]);
        var steps = new List<string>();
        for (int n = _rng.Next(4) == 0 ? 2 + _rng.Next(2) : 1; n > 0; n--)
        {
            text = _rng.Next(12) switch
            {
                0 => TruncateBase64(text, steps),
                1 => WrongBase64Character(text, steps),
                2 => SwapLabel(text, steps),
                3 => Concatenate(text, seeds, steps),
                4 => Garbage(text, steps),
                5 => LineEndings(text, steps),
                6 => DropLine(text, steps),
                _ => MutateDer(text, steps),
            };
        }

        how = $"seed {index}: {string.Join(", ", steps)}";
        if (_rng.Next(30) == 0)
        {
            how += ", as UTF-16";
            return Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray();
        }

        return Encoding.UTF8.GetBytes(text);
    }

    public void Dispose()
    {
        Cloud.Dispose();
        Gateway.Dispose();
        Stranger.Dispose();
    }

    private string TruncateBase64(string text, List<string> steps)
    {
        if (!TryBody(text, out int start, out int end))
        {
            return Garbage(text, steps);
        }

        int cut = start + _rng.Next(end - start);
        steps.Add($"base64 cut at {cut - start} of {end - start}");
        return text.Remove(cut, end - cut);
    }

    private string WrongBase64Character(string text, List<string> steps)
    {
        if (!TryBody(text, out int start, out int end))
        {
            return Garbage(text, steps);
        }

        int at = start + _rng.Next(end - start);
        const string Characters = "!*=-.\t é\0AQgw/+";
        char c = Characters[_rng.Next(Characters.Length)];
        steps.Add($"base64[{at - start}]='{c}'");
        return string.Concat(text.AsSpan(0, at), c.ToString(), text.AsSpan(at + 1));
    }

    private string SwapLabel(string text, List<string> steps)
    {
        var boundaries = Boundaries(text);
        if (boundaries.Count == 0)
        {
            return Garbage(text, steps);
        }

        // One BEGIN or END label, or both of a block (swapped headers, or a consistent relabelling).
        string label = Labels[_rng.Next(Labels.Length)];
        var (at, length) = boundaries[_rng.Next(boundaries.Count)];
        steps.Add($"label@{at}='{label}'");
        string result = string.Concat(text.AsSpan(0, at), label, text.AsSpan(at + length));
        if (_rng.Next(2) == 0)
        {
            var again = Boundaries(result);
            int i = again.FindIndex(b => b.At == at);
            if (i >= 0 && i + 1 < again.Count)
            {
                var (endAt, endLength) = again[i + 1];
                result = string.Concat(result.AsSpan(0, endAt), label, result.AsSpan(endAt + endLength));
                steps.Add("and its END");
            }
        }

        return result;
    }

    private string Concatenate(string text, IReadOnlyList<byte[]> seeds, List<string> steps)
    {
        string other = Encoding.UTF8.GetString(seeds[_rng.Next(seeds.Count)]);
        string between = GarbageText();
        bool before = _rng.Next(2) == 0;
        steps.Add($"another seed {(before ? "before" : "after")}, between: {between.Length} chars");
        return before ? other + between + text : text + between + other;
    }

    private string Garbage(string text, List<string> steps)
    {
        var lines = text.Split('\n').ToList();
        int at = _rng.Next(lines.Count + 1);
        string garbage = GarbageText();
        steps.Add($"garbage ({garbage.Length} chars) at line {at}");
        lines.Insert(at, garbage);
        return string.Join('\n', lines);
    }

    private string GarbageText() => _rng.Next(8) switch
    {
        0 => "",
        1 => "\n",
        2 => "Bag Attributes: friendlyName edgefl\n",
        3 => "-----BEGIN PUBLIC KEY-----\n",
        4 => "-----END PRIVATE KEY-----\n",
        5 => "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        6 => new string(Enumerable.Range(0, _rng.Next(1, 80)).Select(_ => (char)_rng.Next(32, 127)).ToArray()) + "\n",
        _ => new string('-', _rng.Next(1, 12)),
    };

    private string LineEndings(string text, List<string> steps)
    {
        switch (_rng.Next(5))
        {
            case 0:
                steps.Add("CRLF");
                return text.Replace("\n", "\r\n", StringComparison.Ordinal);
            case 1:
                steps.Add("no newline at all");
                return text.Replace("\n", "", StringComparison.Ordinal);
            case 2:
                steps.Add("a BOM");
                return "\uFEFF" + text;
            case 3:
                steps.Add("indented");
                return text.Replace("\n", "\n  ", StringComparison.Ordinal);
            default:
                steps.Add("base64 in one line");
                return TryBody(text, out int start, out int end) ? string.Concat(text.AsSpan(0, start), text[start..end].Replace("\n", "", StringComparison.Ordinal), text.AsSpan(end)) : text;
        }
    }

    private string DropLine(string text, List<string> steps)
    {
        var lines = text.Split('\n').ToList();
        int at = _rng.Next(lines.Count);
        steps.Add($"line {at} removed");
        lines.RemoveAt(at);
        return string.Join('\n', lines);
    }

    /// <summary>The DER of one block changed (bytes, lengths, or the key's numbers), then re-encoded as well-formed PEM.</summary>
    private string MutateDer(string text, List<string> steps)
    {
        if (!TryBlock(text, out var block) || !Base64Text.TryDecode(text[block.BodyStart..block.BodyEnd], out byte[] der) || der.Length == 0)
        {
            return Garbage(text, steps);
        }

        var d = der.ToList();
        switch (_rng.Next(9))
        {
            case 0:
                for (int bits = 1 + _rng.Next(4); bits > 0; bits--)
                {
                    d[_rng.Next(d.Count)] ^= (byte)(1 << _rng.Next(8));
                }

                steps.Add("DER bits flipped");
                break;
            case 1:
            {
                int at = _rng.Next(d.Count);
                d[at] = new byte[] { 0x00, 0x01, 0x02, 0x03, 0x04, 0x30, 0x7f, 0x80, 0x81, 0x82, 0xff }[_rng.Next(11)];
                steps.Add($"DER[{at}]={d[at]:x2}");
                break;
            }

            case 2:
            {
                int keep = _rng.Next(d.Count);
                d.RemoveRange(keep, d.Count - keep);
                steps.Add($"DER cut to {keep}");
                break;
            }

            case 3:
            {
                var extra = new byte[1 + _rng.Next(8)];
                _rng.NextBytes(extra);
                d.AddRange(extra);
                steps.Add($"DER + {extra.Length} bytes after");
                break;
            }

            case 4:
            {
                int at = _rng.Next(d.Count);
                int n = Math.Min(d.Count - at, 1 + _rng.Next(8));
                d.RemoveRange(at, n);
                steps.Add($"DER delete {n}@{at}");
                break;
            }

            default:
                // The key's numbers: the private scalar d of a P-256 key set to 0, 1, n-1, n or 2^256-1;
                // the public point moved off the curve, to infinity, or to another key's point.
                steps.Add(KeyNumbers(d));
                break;
        }

        steps.Add("re-encoded");
        string base64 = string.Join('\n', Convert.ToBase64String([.. d]).Chunk(64).Select(c => new string(c)));
        return string.Concat(text.AsSpan(0, block.Begin), $"-----BEGIN {block.Label}-----\n{base64}\n-----END {block.Label}-----", text.AsSpan(block.End));
    }

    private string KeyNumbers(List<byte> d)
    {
        byte[] der = [.. d];
        byte[][] points = [PublicPoint(Cloud), PublicPoint(Gateway)];
        foreach (var point in points)
        {
            int at = der.AsSpan().IndexOf(point);
            if (at >= 0)
            {
                byte[] replacement = _rng.Next(4) switch
                {
                    0 => points[0] == point ? points[1] : points[0],
                    1 => [0x04, .. point[1..33], .. point[1..33]], // x for y: off the curve
                    2 => [0x04, .. new byte[64]], // (0, 0)
                    _ => [0x04, .. point[1..64], (byte)(point[64] ^ 1)],
                };
                replacement.CopyTo(der.AsSpan(at));
                d.Clear();
                d.AddRange(der);
                return $"public point@{at} replaced";
            }
        }

        foreach (var key in new[] { Cloud, Gateway })
        {
            byte[] scalar = key.ExportParameters(includePrivateParameters: true).D!;
            int at = der.AsSpan().IndexOf(scalar);
            if (at >= 0)
            {
                byte[] replacement = _rng.Next(5) switch
                {
                    0 => new byte[32],
                    1 => [.. new byte[31], 1],
                    2 => [.. P256Order[..31], (byte)(P256Order[31] - 1)],
                    3 => P256Order,
                    _ => Enumerable.Repeat((byte)0xff, 32).ToArray(),
                };
                replacement.CopyTo(der.AsSpan(at));
                d.Clear();
                d.AddRange(der);
                return $"private scalar@{at}={Convert.ToHexString(replacement)[..8]}...";
            }
        }

        d[_rng.Next(d.Count)] ^= 0x40;
        return "DER byte flipped (no key numbers found)";
    }

    /// <summary>A random block's base64 body: from the end of its BEGIN line to the start of its END line.</summary>
    private bool TryBody(string text, out int start, out int end)
    {
        bool found = TryBlock(text, out var block);
        (start, end) = (block.BodyStart, block.BodyEnd);
        return found && end > start;
    }

    /// <summary>A random block: where it begins, its label, its body, and where its END line's dashes end.</summary>
    private bool TryBlock(string text, out (int Begin, string Label, int BodyStart, int BodyEnd, int End) block)
    {
        var blocks = new List<(int, string, int, int, int)>();
        for (int from = 0; ;)
        {
            int begin = text.IndexOf("-----BEGIN ", from, StringComparison.Ordinal);
            int labelEnd = begin < 0 ? -1 : text.IndexOf("-----", begin + 11, StringComparison.Ordinal);
            int endLine = labelEnd < 0 ? -1 : text.IndexOf("-----END ", labelEnd + 5, StringComparison.Ordinal);
            int endDashes = endLine < 0 ? -1 : text.IndexOf("-----", endLine + 9, StringComparison.Ordinal);
            if (endDashes < 0)
            {
                break;
            }

            blocks.Add((begin, text[(begin + 11)..labelEnd], labelEnd + 5, endLine, endDashes + 5));
            from = endDashes + 5;
        }

        block = blocks.Count == 0 ? default : blocks[_rng.Next(blocks.Count)];
        return blocks.Count > 0;
    }

    /// <summary>Where each BEGIN and END label stands (offset, length).</summary>
    private static List<(int At, int Length)> Boundaries(string text)
    {
        var result = new List<(int, int)>();
        int from = 0;
        while (true)
        {
            int begin = text.IndexOf("-----BEGIN ", from, StringComparison.Ordinal);
            int endMark = text.IndexOf("-----END ", from, StringComparison.Ordinal);
            int at = begin < 0 ? endMark : endMark < 0 ? begin : Math.Min(begin, endMark);
            if (at < 0)
            {
                return result;
            }

            int labelAt = at + (at == begin ? 11 : 9);
            int close = text.IndexOf("-----", labelAt, StringComparison.Ordinal);
            if (close < 0)
            {
                return result;
            }

            result.Add((labelAt, close - labelAt));
            from = close + 5;
        }
    }


    private ECDsa P256Key() => Derived(ECCurve.NamedCurves.nistP256, 32);

    /// <summary>A key on <paramref name="curve"/> from a seeded private scalar (its public point derived by the platform).</summary>
    private ECDsa Derived(ECCurve curve, int bytes)
    {
        var scalar = new byte[bytes];
        _rng.NextBytes(scalar);
        scalar[0] &= 0x7f; // below every order in use here (and for P-521, which has 521 bits, far below)
        if (bytes == 66)
        {
            scalar[0] = 0;
        }

        return ECDsa.Create(new ECParameters { Curve = curve, D = scalar });
    }

    private static byte[] PublicPoint(ECDsa key)
    {
        var q = key.ExportParameters(includePrivateParameters: false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }

    private static byte[] Replace(byte[] der, byte[] find, byte[] with)
    {
        int at = der.AsSpan().IndexOf(find);
        if (at < 0 || find.Length != with.Length)
        {
            // A compressed point is shorter: rebuild around it (the BIT STRING's length no longer matches, which is part of the test).
            return at < 0 ? der : [.. der[..at], .. with, .. der[(at + find.Length)..]];
        }

        byte[] result = (byte[])der.Clone();
        with.CopyTo(result.AsSpan(at));
        return result;
    }

    private static string Pem(string label, byte[] der) => PemEncoding.WriteString(label, der) + "\n";

    private static List<byte[]> Utf8(IEnumerable<string> texts) => [.. texts.Select(Encoding.UTF8.GetBytes)];

    private const string RsaPrivateKey = """
        -----BEGIN PRIVATE KEY-----
        MIICeAIBADANBgkqhkiG9w0BAQEFAASCAmIwggJeAgEAAoGBAK7TV5dVy2Maw71A
        jsw8GoW43htcQsKTbka1ZJiQ9NzSGiwudVZqwbNC7rZiOlibIa+iZbsu3kMA7vRp
        o0KixMrQebs1Q8Le91LVc3qS5gyJp2g1Bbi3RYGNRgk3kPJ1x2chKy07/ROuryyt
        piAOijHvH617KDHj3HGMl9RKI8GpAgMBAAECgYEAi2qAlG/XtR238OlVtytLH06Q
        2RLXLmHx9DNdmIkorBxkwMz/x7104ObEhO+KhfSYhX6lUAONPbO123WOu2ogMic2
        jzYOPgGqgr6AZSjIIQs8Md2tF/KZSp/x+sZnK8ORNKxtPkZlN5ms1r7ydOh+dyL6
        SyoU/1rsaV1zOD7wMYECQQDa+WC0bvnE+D2cfYz+LwIpZVm95w8zlRAvlWM+lgCI
        JHqaim0iyyc6luKf6qYN3fvL9xT9OKiMJOPBCmGN1JixAkEAzGLtZnxj9js7Z5tE
        W78PVhGCSUvdlHl7l6xVlGsZxHdhuXfDSfrNlb06ToBonSgt9bwIrQl3SbL/PtJJ
        GCZ2eQJALQvkMvopc7XFpu3FFX1CKpXo8kIYRHpDzCYlNnjRPzCR8DzN2ryEI29q
        y48P/gZOiFUaAkWnlrz4BXxHOVAk4QJBAJip7Bl5IFFzvNOOrmi5NYNcYKzO9htJ
        AoAwQVwzA3Q0l9IpGr3PkHAgf8TTNVDuCiZa5UAaqfdqtC0AdYiMckECQQDXQrhk
        AvL3d7LmcAhjLOxJmvIywElyJ4Z9kslNmE/s4Ref3uO5s6aaiLK1B+wvG8ZQeOoy
        00uxAYG6gtCTfLqX
        -----END PRIVATE KEY-----

        """;

    private const string RsaPublicKey = """
        -----BEGIN PUBLIC KEY-----
        MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCu01eXVctjGsO9QI7MPBqFuN4b
        XELCk25GtWSYkPTc0hosLnVWasGzQu62YjpYmyGvomW7Lt5DAO70aaNCosTK0Hm7
        NUPC3vdS1XN6kuYMiadoNQW4t0WBjUYJN5DydcdnISstO/0Trq8sraYgDoox7x+t
        eygx49xxjJfUSiPBqQIDAQAB
        -----END PUBLIC KEY-----

        """;

    private const string Ed25519PrivateKey = """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIFqbYUW/iIZaZXoMe3s9HlE3cypPcPxNYo83RAR709bB
        -----END PRIVATE KEY-----

        """;

    private const string Ed25519PublicKey = """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEAKZhMY1f4VmCN+DyyVA4CpJlHhQEG2jdQnz6QP2Em1TQ=
        -----END PUBLIC KEY-----

        """;

    /// <summary>A P-256 key with the curve spelled out (openssl ecparam -param_enc explicit), not named by its OID.</summary>
    private const string ExplicitP256PrivateKey = """
        -----BEGIN EC PRIVATE KEY-----
        MIIBaAIBAQQgOJnQEBQoqz7MUpKZjW6TZ+C32cPf1tTzXbrh+amH7UWggfowgfcC
        AQEwLAYHKoZIzj0BAQIhAP////8AAAABAAAAAAAAAAAAAAAA////////////////
        MFsEIP////8AAAABAAAAAAAAAAAAAAAA///////////////8BCBaxjXYqjqT57Pr
        vVV2mIa8ZR0GsMxTsPY7zjw+J9JgSwMVAMSdNgiG5wSTamZ44ROdJreBn36QBEEE
        axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpZP40Li/hp/m47n60p8D54W
        K84zV2sxXs7LtkBoN79R9QIhAP////8AAAAA//////////+85vqtpxeehPO5ysL8
        YyVRAgEBoUQDQgAEtLNRed4RNUjxz5zLOKv0HZWKKGmxM1BsEfnHXi8FfwpoOM5u
        vWX1KfHndTbVPjYu/FOckK3VmRWPz4dSYe3jjQ==
        -----END EC PRIVATE KEY-----

        """;

    private const string ExplicitP256PublicKey = """
        -----BEGIN PUBLIC KEY-----
        MIIBSzCCAQMGByqGSM49AgEwgfcCAQEwLAYHKoZIzj0BAQIhAP////8AAAABAAAA
        AAAAAAAAAAAA////////////////MFsEIP////8AAAABAAAAAAAAAAAAAAAA////
        ///////////8BCBaxjXYqjqT57PrvVV2mIa8ZR0GsMxTsPY7zjw+J9JgSwMVAMSd
        NgiG5wSTamZ44ROdJreBn36QBEEEaxfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5
        RdiYwpZP40Li/hp/m47n60p8D54WK84zV2sxXs7LtkBoN79R9QIhAP////8AAAAA
        //////////+85vqtpxeehPO5ysL8YyVRAgEBA0IABLSzUXneETVI8c+cyzir9B2V
        iihpsTNQbBH5x14vBX8KaDjObr1l9Snx53U21T42LvxTnJCt1ZkVj8+HUmHt440=
        -----END PUBLIC KEY-----

        """;

    /// <summary>A P-256 PKCS#8 key encrypted with the password "edgefl" (openssl pkcs8 -topk8 -v2 aes-128-cbc).</summary>
    private const string EncryptedPrivateKey = """
        -----BEGIN ENCRYPTED PRIVATE KEY-----
        MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAh0u7Om1h3XCgICA+gw
        DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEI9o9IyjlPZQgvNH/735zvYEgZCS
        sMS6t0n/gu2ombCNg6iNreZBCuaWMQFSDfDUEM2qxS7IN0xSHRyZup9ZSrnSagkK
        +/MPOCC3hMKL1EaTbNtPiXQLuyY8FnydFucqM6/xLbPsmJP6pMduNprfqj9c/YcU
        icCC5LZGe9zT8FSNscCUySWTJYWz6VCsdbE54icVCHxXeM+7lvfpbBN3WGBg1Fg=
        -----END ENCRYPTED PRIVATE KEY-----

        """;
}
