namespace EdgeFL.CloudBridge;

/// <summary>How the cloud aggregator signs its global models (section <c>Cloud:Signing</c>; docs/PROTOCOL.md section 12).</summary>
internal sealed class CloudSigningOptions
{
    /// <summary>
    /// The signing key: PEM PKCS#8, ECDSA P-256. Unset: <c>cloud.key</c> in <see cref="CloudAggregatorOptions.StateDirectory"/>,
    /// generated (with <c>cloud.pub</c> beside it) on first start. Set: the file must exist.
    /// </summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>
    /// With <c>Cloud:Uplink:Enabled</c> (a region): the higher tier's public key(s), PEM; its global models are taken
    /// only when one of them signed it (unsigned models are refused).
    /// </summary>
    public string? UplinkPublicKeyPath { get; set; }
}
