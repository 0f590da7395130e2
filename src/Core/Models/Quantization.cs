namespace EdgeFL.Core.Models;

/// <summary>
/// Affine 8-bit quantization parameters of one tensor: <c>x = Scale * (q - ZeroPoint)</c>,
/// with <c>q</c> in [0, 255] and <c>ZeroPoint</c> in [0, 255].
/// </summary>
public readonly record struct Quantization(float Scale, int ZeroPoint);
