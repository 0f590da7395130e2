namespace EdgeFL.DeviceClient.Telemetry;

/// <summary>
/// Publishes telemetry every interval and whenever <see cref="Trigger"/> asks (connect, round
/// handled, a power edge). Reports that cannot be sent are dropped: the next one supersedes them.
/// </summary>
internal sealed class TelemetryReporter(TimeSpan interval, Func<CancellationToken, Task> publish) : IAsyncDisposable
{
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private CancellationTokenSource? _stop;
    private Task? _loop;

    public void Start(CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Asks for a report now.</summary>
    public void Trigger() => _wake.Release();

    public async ValueTask DisposeAsync()
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            if (_loop is not null)
            {
                await _loop.ConfigureAwait(false);
            }

            _stop.Dispose();
        }

        _wake.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // Drain triggers that piled up: one report answers them all.
                while (_wake.CurrentCount > 0 && await _wake.WaitAsync(0, cancellationToken).ConfigureAwait(false))
                {
                }

                await publish(cancellationToken).ConfigureAwait(false);
                await _wake.WaitAsync(interval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
