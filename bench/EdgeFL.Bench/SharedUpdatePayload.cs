using System.Buffers;
using System.Text;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;

namespace EdgeFL.Bench;

/// <summary>
/// One encoded update for a round whose tensor bytes every bench device shares: a device's payload is its
/// own copy of the short header (up to and including its id) followed by the template's tail, as a
/// two-segment sequence that MQTTnet writes to the socket without joining. D devices cost one model of
/// memory, not D (the D = 200 x 4 MB cases held 800 MB to 2.4 GB of pre-encoded updates before).
/// </summary>
internal sealed class SharedUpdatePayload
{
    private const string TemplateId = "dev-000";
    private readonly byte[] _template;
    private readonly int _idStart;
    private readonly int _idEnd;

    public SharedUpdatePayload(ModelState model, long round, int sampleCount = 100)
    {
        _template = WireCodec.Encode(new DeviceUpdate(TemplateId, round, sampleCount, 0.5, 1, 0.1, DateTimeOffset.UtcNow, model));
        byte[] id = Encoding.UTF8.GetBytes(TemplateId);
        _idStart = _template.AsSpan(0, Math.Min(_template.Length, 256)).IndexOf(id);
        if (_idStart < 0)
        {
            throw new InvalidOperationException("the device id was not found in the encoded update's header");
        }

        _idEnd = _idStart + id.Length;
    }

    /// <summary>Bytes of one device's payload.</summary>
    public int Length => _template.Length;

    /// <summary>The ids this payload can carry: dev-000 to dev-999.</summary>
    public static string DeviceId(int index) => $"dev-{index:D3}";

    /// <summary>The payload of device <paramref name="deviceId"/> (seven characters, like dev-042).</summary>
    public ReadOnlySequence<byte> For(string deviceId)
    {
        byte[] head = _template.AsSpan(0, _idEnd).ToArray();
        if (Encoding.UTF8.GetBytes(deviceId, head.AsSpan(_idStart)) != _idEnd - _idStart)
        {
            throw new ArgumentException($"device id '{deviceId}' must be {_idEnd - _idStart} bytes long", nameof(deviceId));
        }

        var first = new Segment(head, 0);
        var last = first.Append(_template.AsMemory(_idEnd));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
