using EdgeFL.Core.Buffers;
using EdgeFL.Core.Models;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Wire;

namespace EdgeFL.Core.Tests.Buffers;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Growing_KeepsWhatWasWritten()
    {
        using var writer = new PooledBufferWriter(0);
        var expected = new List<byte>();
        for (int i = 0; i < 5000; i++)
        {
            var span = writer.GetSpan(3);
            span[0] = (byte)i;
            span[1] = (byte)(i >> 8);
            writer.Advance(2);
            expected.Add((byte)i);
            expected.Add((byte)(i >> 8));
        }

        Assert.Equal(expected.Count, writer.WrittenCount);
        Assert.Equal(expected.ToArray(), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void AdvancingPastTheBuffer_OrUsingItAfterDispose_Throws()
    {
        var writer = new PooledBufferWriter(16);
        int room = writer.GetSpan().Length;
        Assert.Throws<InvalidOperationException>(() => writer.Advance(room + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.GetSpan());
        writer.Dispose(); // twice is harmless
    }

    [Fact]
    public void EncodingAModelSizedMessage_AllocatesAboutThePayloadOnly()
    {
        // 1e6 floats (3.8 MiB): the returned array is the one allocation; the scratch buffer is pooled.
        var model = new ModelState([TestModels.Normal(new Random(1), "w", [1_000_000])]);
        var update = TestModels.Update(model);
        using var signer = new ModelSigner(System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256));
        var message = TestModels.ModelMessage(model);
        WireCodec.Encode(update); // warm-up: the pool's first rental allocates
        signer.Encode(message);

        long before = GC.GetAllocatedBytesForCurrentThread();
        byte[] payload = WireCodec.Encode(update);
        long encoded = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        byte[] signed = signer.Encode(message);
        long signedBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(encoded, payload.Length, payload.Length + (64 * 1024));
        Assert.InRange(signedBytes, signed.Length, signed.Length + (64 * 1024));
        Assert.True(WireCodec.TryDecodeUpdate(new System.Buffers.ReadOnlySequence<byte>(payload), DecodeLimits.Default, out var decoded, out var error), error.ToString());
        Assert.Equal(model.Tensors[0].Data.ToArray(), decoded!.Model.Tensors[0].Data.ToArray());
    }
}
