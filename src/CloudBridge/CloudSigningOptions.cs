namespace EdgeFL.CloudBridge;

/// <summary>How the cloud aggregator signs its global models (section <c>Cloud:Signing</c>; docs/PROTOCOL.md section 12).</summary>
internal sealed class CloudSigningOptions
{
    /// <summary>
    /// The signing key: PEM PKCS#8, ECDSA P-256. Unset: <c>cloud.key</c> in <see cref="CloudAggregatorOptions.StateDirectory"/>,
    /// generated (with <c>cloud.pub</c> beside it) on first start. Set: the file must exist.
    /// </summary>
    public string? PrivateKeyPath { get; set; }
}
