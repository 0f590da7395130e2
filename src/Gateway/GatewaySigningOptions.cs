namespace EdgeFL.Gateway;

/// <summary>How a gateway signs the models it sends its devices and checks the cloud's (section <c>Gateway:Signing</c>; docs/PROTOCOL.md section 12).</summary>
internal sealed class GatewaySigningOptions
{
    /// <summary>
    /// The gateway's signing key: PEM PKCS#8, ECDSA P-256. Unset: <c>gateway.key</c> in
    /// <see cref="GatewayOptions.StateDirectory"/>, generated (with <c>gateway.pub</c> beside it) on first start.
    /// </summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>The cloud's public key (PEM SubjectPublicKeyInfo; several blocks during a key rotation), for its global models.</summary>
    public string? CloudPublicKeyPath { get; set; }

    /// <summary>Reject global models that carry no signature (true), or take them unchecked (false).</summary>
    public bool RequireSignedModels { get; set; } = true;
}
