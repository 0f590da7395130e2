using System.Buffers;

namespace EdgeFL.Tests.Shared;

/// <summary>Multi-segment byte sequences, as a network read hands a payload over.</summary>
public static class Segmented
{
    /// <summary>One segment per part, in order (a single part gives a single-segment sequence).</summary>
    public static ReadOnlySequence<byte> Of(params byte[][] parts)
    {
        if (parts.Length == 1)
        {
            return new ReadOnlySequence<byte>(parts[0]);
        }

        var head = new Segment(parts[0], 0);
        var tail = head;
        foreach (byte[] part in parts.Skip(1))
        {
            tail = tail.Append(part);
        }

        return new ReadOnlySequence<byte>(head, 0, tail, tail.Memory.Length);
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
