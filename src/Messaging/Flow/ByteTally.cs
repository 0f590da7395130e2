namespace EdgeFL.Messaging.Flow;

/// <summary>Bytes a broker's connections read and wrote since start (one interlocked add per read or write).</summary>
internal sealed class ByteTally
{
    private long _received;
    private long _sent;

    public long ReceivedBytes => Interlocked.Read(ref _received);

    public long SentBytes => Interlocked.Read(ref _sent);

    public void Received(long n) => Interlocked.Add(ref _received, n);

    public void Sent(long n) => Interlocked.Add(ref _sent, n);
}
