using System.Security.Cryptography;

namespace EdgeFL.Core.Signing;

/// <summary>
/// Model-signing keys on disk: ECDSA P-256, the private key as PEM PKCS#8 (<c>PRIVATE KEY</c>; SEC1
/// <c>EC PRIVATE KEY</c> is read too) in <c>NAME.key</c>, mode 0600, and the public key as PEM
/// SubjectPublicKeyInfo (<c>PUBLIC KEY</c>) in <c>NAME.pub</c>. A file of trusted public keys may hold
/// several <c>PUBLIC KEY</c> blocks (for a key rotation).
/// </summary>
public static class SigningKeyFiles
{
    /// <summary>The extension of a private key file.</summary>
    public const string PrivateKeyExtension = ".key";

    /// <summary>The extension of a public key file.</summary>
    public const string PublicKeyExtension = ".pub";

    private const string P256Oid = "1.2.840.10045.3.1.7";

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
        string pem = File.ReadAllText(path);
        if (!Blocks(pem).Any(b => b.Label is "PRIVATE KEY" or "EC PRIVATE KEY"))
        {
            throw new InvalidDataException($"'{path}' holds no PEM 'PRIVATE KEY' (PKCS#8) or 'EC PRIVATE KEY'");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            RequireP256(key, path);
            return key;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
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
        var keys = new List<ECDsa>();
        try
        {
            foreach (var (_, base64) in Blocks(pem).Where(b => b.Label == "PUBLIC KEY"))
            {
                var key = ECDsa.Create();
                keys.Add(key);
                key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(base64), out _);
                RequireP256(key, path);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            Dispose(keys);
            throw new InvalidDataException($"'{path}' holds a 'PUBLIC KEY' that is not a usable ECDSA key: {ex.Message}", ex);
        }
        catch
        {
            Dispose(keys);
            throw;
        }

        return keys.Count > 0 ? keys : throw new InvalidDataException($"'{path}' holds no PEM 'PUBLIC KEY' (SubjectPublicKeyInfo; the .pub file, not the .key)");
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
            return $"{configKey} '{privateKeyPath}' does not exist (make a key pair with the simulator's 'keygen' command, or leave the key unset to have one generated in the state folder)";
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

    /// <summary>The PEM blocks of a file, in order: label and base64 body.</summary>
    private static List<(string Label, string Base64)> Blocks(string pem)
    {
        var blocks = new List<(string, string)>();
        ReadOnlySpan<char> rest = pem;
        while (PemEncoding.TryFind(rest, out PemFields fields))
        {
            blocks.Add((rest[fields.Label].ToString(), rest[fields.Base64Data].ToString()));
            rest = rest[fields.Location.End..];
        }

        return blocks;
    }

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
