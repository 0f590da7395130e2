using System.Buffers;
using MessagePack;

namespace EdgeFL.Core.Tests.Wire;

/// <summary>A class wrapper over the ref-struct writer so tests can hand-craft payloads in lambdas.</summary>
internal sealed class MessagePackWriterBox
{
    private readonly ArrayBufferWriter<byte> output;

    public MessagePackWriterBox(ArrayBufferWriter<byte> output) => this.output = output;

    public void WriteMapHeader(int n) => Do((ref MessagePackWriter w) => w.WriteMapHeader(n));

    public void WriteArrayHeader(int n) => Do((ref MessagePackWriter w) => w.WriteArrayHeader(n));

    public void Write(string s) => Do((ref MessagePackWriter w) => w.Write(s));

    public void Write(int v) => Do((ref MessagePackWriter w) => w.Write(v));

    public void Write(long v) => Do((ref MessagePackWriter w) => w.Write(v));

    public void Write(double v) => Do((ref MessagePackWriter w) => w.Write(v));

    public void Write(float v) => Do((ref MessagePackWriter w) => w.Write(v));

    public void Write(bool v) => Do((ref MessagePackWriter w) => w.Write(v));

    public void Write(byte[] bin) => Do((ref MessagePackWriter w) => w.Write(bin));

    public void WriteRaw(byte[] raw) => output.Write(raw);

    public void Flush()
    {
    }

    private delegate void WriteAction(ref MessagePackWriter w);

    private void Do(WriteAction action)
    {
        var w = new MessagePackWriter(output);
        action(ref w);
        w.Flush();
    }
}
