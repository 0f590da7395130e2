namespace EdgeFL.Core.Aggregation;

/// <summary>One input of a fold: a float32 tensor's bytes times <see cref="Factor"/>, or a q8 tensor's bytes minus <see cref="ZeroPoint"/> times <see cref="Factor"/>.</summary>
internal readonly record struct FoldTerm(ReadOnlyMemory<byte> Data, bool Quantized, float Factor, int ZeroPoint);
