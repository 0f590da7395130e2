namespace EdgeFL.DeviceClient;

/// <summary>How a device checks its gateway's models (section <c>Device:Signing</c>; docs/PROTOCOL.md section 12).</summary>
internal sealed class DeviceSigningOptions
{
    /// <summary>The gateway's public key (PEM SubjectPublicKeyInfo; several blocks during a key rotation).</summary>
    public string? GatewayPublicKeyPath { get; set; }

    /// <summary>Reject models that carry no signature (true), or load them unchecked (false).</summary>
    public bool RequireSignedModels { get; set; } = true;

    /// <summary>What is wrong with these settings, or null; messages name the key under <paramref name="section"/>.</summary>
    internal string? Problem(string section) =>
        Core.Signing.SigningKeyFiles.VerifierProblem(GatewayPublicKeyPath, $"{section}:Signing:GatewayPublicKeyPath", RequireSignedModels, $"{section}:Signing:RequireSignedModels");
}
