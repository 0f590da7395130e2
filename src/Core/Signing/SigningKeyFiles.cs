using System.Security.Cryptography;

namespace EdgeFL.Core.Signing;

/// <summary>
/// Model-signing keys on disk: ECDSA P-256, the private key as PEM PKCS#8 (<c>PRIVATE KEY</c>; SEC1
/// <c>EC PRIVATE KEY</c> is read too) in <c>NAME.key</c>, mode 0600, and the public key as PEM
/// SubjectPublicKeyInfo (<c>PUBLIC KEY</c>) in <c>NAME.pub</c>. A file of trusted public keys may hold
/// several <c>PUBLIC KEY</c> blocks (for a key rotation). Files are read strictly, so that a damaged
/// file is refused (<see cref="InvalidDataException"/> naming it) rather than half-read: every BEGIN line
/// must start a well-formed block, a private key file holds one key (and at most OpenSSL's
/// <c>EC PARAMETERS</c> for P-256), a public key file only public keys, and no key's DER may have bytes
/// after it. Text outside the blocks is ignored.
/// </summary>
public static class SigningKeyFiles
{
    /// <summary>The extension of a private key file.</summary>
    public const string PrivateKeyExtension = ".key";

    /// <summary>The extension of a public key file.</summary>
    public const string PublicKeyExtension = ".pub";

    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const string PemBegin = "-----BEGIN ";

    /// <summary>What the 'EC PARAMETERS' block OpenSSL writes for P-256 holds: its OID, DER-encoded.</summary>
    private static readonly byte[] P256Parameters = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

    /// <summary>The public key file that goes with a private key file: the same name with <c>.pub</c>.</summary>
    public static string PublicKeyPathFor(string privateKeyPath) => Path.ChangeExtension(privateKeyPath, PublicKeyExtension);

    /// <summary>
    /// Generates a P-256 key pair and writes it to <paramref name="privateKeyPath"/> (mode 0600) and the
    /// matching <c>.pub</c>; an existing private key file is never replaced (<see cref="IOException"/>).
    /// </summary>
    public static ECDsa Generate(string privateKeyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(privateKeyPath);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            WriteNew(privateKeyPath, key.ExportPkcs8PrivateKeyPem(), ownerOnly: true);
            WritePublicKey(privateKeyPath, key);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The signing key at <paramref name="privateKeyPath"/>, generated there first when the file does not
    /// exist; <paramref name="generated"/> says which. A missing <c>.pub</c> next to an existing key is written.
    /// </summary>
    public static ECDsa LoadOrGenerate(string privateKeyPath, out bool generated)
    {
        generated = !File.Exists(privateKeyPath);
        if (generated)
        {
            return Generate(privateKeyPath);
        }

        var key = LoadPrivateKey(privateKeyPath);
        if (!File.Exists(PublicKeyPathFor(privateKeyPath)))
        {
            WritePublicKey(privateKeyPath, key);
        }

        return key;
    }

    /// <summary>Reads a P-256 private key; <see cref="InvalidDataException"/> names the file and what is wrong with it.</summary>
    public static ECDsa LoadPrivateKey(string path)
    {
        var (label, base64) = PrivateKeyBlock(Blocks(File.ReadAllText(path), path), path);
        var key = ECDsa.Create();
        try
        {
            byte[] der = Convert.FromBase64String(base64);
            int read;
            if (label == "PRIVATE KEY")
            {
                key.ImportPkcs8PrivateKey(der, out read);
            }
            else
            {
                key.ImportECPrivateKey(der, out read);
            }

            RequireWhole(der, read, label, path);
            RequireP256(key, path);
            return key;
        }
        catch (Exception ex) when (IsUnusableKey(ex))
        {
            key.Dispose();
            throw new InvalidDataException($"'{path}' is not a usable ECDSA private key: {ex.Message}", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Reads every <c>PUBLIC KEY</c> block of a file (at least one, each P-256); <see cref="InvalidDataException"/> otherwise.</summary>
    public static IReadOnlyList<ECDsa> LoadPublicKeys(string path)
    {
        string pem = File.ReadAllText(path);
        var blocks = Blocks(pem, path);
        if (!blocks.Any(b => b.Label == "PUBLIC KEY"))
        {
            throw new InvalidDataException($"'{path}' holds no PEM 'PUBLIC KEY' (SubjectPublicKeyInfo; the .pub file, not the .key)");
        }

        var keys = new List<ECDsa>();
        try
        {
            foreach (var (label, base64) in blocks)
            {
                if (label != "PUBLIC KEY")
                {
                    throw new InvalidDataException($"'{path}' holds a PEM '{label}': a public key file holds only 'PUBLIC KEY' blocks");
                }

                var key = ECDsa.Create();
                keys.Add(key);
                byte[] der = Convert.FromBase64String(base64);
                key.ImportSubjectPublicKeyInfo(der, out int read);
                RequireWhole(der, read, label, path);
                RequireP256(key, path);
            }
        }
        catch (Exception ex) when (IsUnusableKey(ex))
        {
            Dispose(keys);
            throw new InvalidDataException($"'{path}' holds a 'PUBLIC KEY' that is not a usable ECDSA key: {ex.Message}", ex);
        }
        catch
        {
            Dispose(keys);
            throw;
        }

        return keys;
    }

    /// <summary>The key id: the first 8 bytes of SHA-256 over the public key's SubjectPublicKeyInfo DER, as 16 lowercase hex digits.</summary>
    public static string KeyId(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(key.ExportSubjectPublicKeyInfo(), hash);
        return Convert.ToHexStringLower(hash[..(SignatureTrailer.KeyIdLength / 2)]);
    }

    /// <summary>
    /// What is wrong with a signer's key setting, or null. A configured file must hold a P-256 private key;
    /// with none configured the key is generated in the state folder, so there must be one (<paramref name="canGenerate"/>).
    /// </summary>
    public static string? SignerProblem(string? privateKeyPath, string configKey, bool canGenerate, string stateKey)
    {
        if (string.IsNullOrEmpty(privateKeyPath))
        {
            return canGenerate ? null : $"{configKey} must be set when {stateKey} is ':memory:' (a generated key would have nowhere to live)";
        }

        if (!File.Exists(privateKeyPath))
        {
            return $"{configKey} '{privateKeyPath}' does not exist (make a key pair with 'edgefl keygen', or leave the key unset to have one generated in the state folder)";
        }

        return FileProblem(configKey, () => LoadPrivateKey(privateKeyPath).Dispose());
    }

    /// <summary>
    /// What is wrong with a verifier's trusted-key setting, or null. Required signatures need a key file;
    /// a configured file must hold at least one P-256 public key.
    /// </summary>
    public static string? VerifierProblem(string? publicKeyPath, string configKey, bool required, string requireKey)
    {
        if (string.IsNullOrEmpty(publicKeyPath))
        {
            return required ? $"{configKey} must be set to the public key file that signs the models this service loads (or set {requireKey}=false to accept unsigned models)" : null;
        }

        if (!File.Exists(publicKeyPath))
        {
            return $"{configKey} '{publicKeyPath}' does not exist";
        }

        return FileProblem(configKey, () => Dispose(LoadPublicKeys(publicKeyPath)));
    }

    private static string? FileProblem(string configKey, Action load)
    {
        try
        {
            load();
            return null;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return $"{configKey}: {ex.Message}";
        }
    }

    /// <summary>
    /// The PEM blocks of a file, in order: label and base64 body. A BEGIN line that starts no well-formed
    /// block (no matching END line, base64 that does not decode) makes the whole file unreadable: a damaged
    /// block is not skipped, so a key rotation file never quietly loses a key.
    /// </summary>
    private static List<(string Label, string Base64)> Blocks(string pem, string path)
    {
        var blocks = new List<(string, string)>();
        ReadOnlySpan<char> rest = pem;
        while (true)
        {
            int begin = rest.IndexOf(PemBegin, StringComparison.Ordinal);
            if (begin < 0)
            {
                return blocks;
            }

            // From the character before the BEGIN, which must be whitespace (RFC 7468), as PemEncoding checks.
            int from = Math.Max(0, begin - 1);
            if (!PemEncoding.TryFind(rest[from..], out PemFields fields) || fields.Location.Start.Value != begin - from)
            {
                int line = pem.AsSpan(0, pem.Length - rest.Length + begin).Count('\n') + 1;
                throw new InvalidDataException($"'{path}' has a PEM block that cannot be read at line {line}: text just before its BEGIN line or just after its END line, no END line, or base64 that does not decode");
            }

            rest = rest[from..];
            blocks.Add((rest[fields.Label].ToString(), rest[fields.Base64Data].ToString()));
            rest = rest[fields.Location.End..];
        }
    }

    /// <summary>
    /// The one key block of a private key file: a <c>PRIVATE KEY</c> or an <c>EC PRIVATE KEY</c>, beside which
    /// only the <c>EC PARAMETERS</c> of P-256 that <c>openssl ecparam -genkey</c> writes may stand.
    /// </summary>
    private static (string Label, string Base64) PrivateKeyBlock(List<(string Label, string Base64)> blocks, string path)
    {
        var keys = blocks.Where(b => b.Label is "PRIVATE KEY" or "EC PRIVATE KEY").ToList();
        if (keys.Count == 0)
        {
            throw new InvalidDataException($"'{path}' holds no PEM 'PRIVATE KEY' (PKCS#8) or 'EC PRIVATE KEY'");
        }

        if (keys.Count > 1)
        {
            throw new InvalidDataException($"'{path}' holds {keys.Count} private keys; a signer uses one");
        }

        foreach (var (label, base64) in blocks)
        {
            if (label is not ("PRIVATE KEY" or "EC PRIVATE KEY" or "EC PARAMETERS"))
            {
                throw new InvalidDataException($"'{path}' holds a PEM '{label}': a private key file holds one 'PRIVATE KEY' or 'EC PRIVATE KEY' (and at most the 'EC PARAMETERS' OpenSSL writes before it)");
            }

            if (label == "EC PARAMETERS" && !Convert.FromBase64String(base64).AsSpan().SequenceEqual(P256Parameters))
            {
                throw new InvalidDataException($"'{path}' holds 'EC PARAMETERS' that do not name the curve P-256");
            }
        }

        return keys[0];
    }

    /// <summary>A key's DER must be all of its block: nothing after the key.</summary>
    private static void RequireWhole(byte[] der, int read, string label, string path)
    {
        if (read != der.Length)
        {
            throw new InvalidDataException($"'{path}' holds a '{label}' with {der.Length - read} bytes after its key");
        }
    }

    /// <summary>What importing a damaged or foreign key throws (an unknown curve OID is PlatformNotSupportedException).</summary>
    private static bool IsUnusableKey(Exception ex) =>
        ex is CryptographicException or ArgumentException or FormatException or PlatformNotSupportedException;

    private static void RequireP256(ECDsa key, string path)
    {
        ECCurve curve = key.ExportParameters(includePrivateParameters: false).Curve;
        if (curve.Oid?.Value != P256Oid && curve.Oid?.FriendlyName is not ("nistP256" or "ECDSA_P256"))
        {
            throw new CryptographicException($"the key in '{path}' is on curve {curve.Oid?.FriendlyName ?? curve.Oid?.Value ?? "(explicit)"}, not P-256");
        }
    }

    private static void WritePublicKey(string privateKeyPath, ECDsa key)
    {
        string publicPath = PublicKeyPathFor(privateKeyPath);
        string temp = TempBeside(publicPath);
        File.WriteAllText(temp, key.ExportSubjectPublicKeyInfoPem() + "\n");
        File.Move(temp, publicPath, overwrite: true);
    }

    /// <summary>Writes a file that must not exist yet: a temp file beside it, then a rename that refuses to overwrite.</summary>
    private static void WriteNew(string path, string text, bool ownerOnly)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = TempBeside(full);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
                writer.Write('\n');
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: false);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static string TempBeside(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");

    private static void Dispose(IEnumerable<ECDsa> keys)
    {
        foreach (var key in keys)
        {
            key.Dispose();
        }
    }
}
