namespace EdgeFL.Core.Wire;

/// <summary>The keys of message and tensor maps; values index a bit in a seen-keys mask.</summary>
internal enum WireKey
{
    Unknown = 0,
    V,
    T,
    ModelId,
    Round,
    Source,
    TotalSamples,
    IssuedAt,
    DeviceId,
    SampleCount,
    Loss,
    TrainS,
    EnergyMah,
    CreatedAt,
    GatewayId,
    UploadId,
    Seq,
    Online,
    Battery,
    Charging,
    At,
    Reason,
    Tensors,
    Name,
    DType,
    Shape,
    Data,
    Scale,
    Zp,

    // Message keys added after the tensor keys (WireKeys.ParseMessageKey scans both ranges).
    Selected,
    Connected,
    BandwidthKbps,
    Tier,
    EstTrainS,
    FreeMb,
    Volts,
    Amps,

    // The signature trailer of a signed model message (docs/PROTOCOL.md section 12); values are not decoded.
    SigAlg,
    SigKid,
    Sig,
}
