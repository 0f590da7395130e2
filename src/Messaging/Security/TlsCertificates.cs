using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EdgeFL.Messaging.Security;

/// <summary>Loading certificates from files and checking a server's chain against a private CA.</summary>
public static class TlsCertificates
{
    /// <summary>True for a PKCS#12 file (by its extension).</summary>
    public static bool IsPkcs12(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    /// <summary>Loads a certificate with its private key: PKCS#12, or a PEM certificate and a PEM key.</summary>
    public static X509Certificate2 LoadWithKey(string certificatePath, string? keyPath, string? password)
    {
        if (IsPkcs12(certificatePath))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password);
        }

        if (string.IsNullOrEmpty(keyPath))
        {
            throw new InvalidOperationException($"a PEM certificate ({certificatePath}) needs its key file");
        }

        using var pem = string.IsNullOrEmpty(password)
            ? X509Certificate2.CreateFromPemFile(certificatePath, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, keyPath);

        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Loads every certificate of a PEM file (a CA bundle).</summary>
    public static X509Certificate2Collection LoadPemBundle(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        if (collection.Count == 0)
        {
            throw new InvalidOperationException($"no certificate in {path}");
        }

        return collection;
    }

    /// <summary>
    /// Whether a server certificate is acceptable: its name matches (the TLS layer's check) and its
    /// chain ends at one of <paramref name="trustedRoots"/> (or, when null, at the system's trust store).
    /// </summary>
    public static bool IsServerTrusted(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection? trustedRoots)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        if (trustedRoots is null)
        {
            return errors == SslPolicyErrors.None;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
