using EdgeFL.Hosting;
using EdgeFL.Storage;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway.State;

/// <summary>
/// Writes of the round loop that must not be skipped (a round opened, a round closed): when the state's
/// disk is full or failing each is tried again, 1 s then doubling up to 30 s, with one clear error line
/// per attempt that backs off, until it succeeds or the gateway stops. Meanwhile no round is open, so
/// updates are refused as NoOpenRound and devices keep them; what was accepted stays in the journal.
/// </summary>
internal sealed class StateWrites(GatewayOptions options, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="write"/> until it does not fail for want of disk; other failures are thrown.</summary>
    public async Task<T> UntilWrittenAsync<T>(string what, Func<T> write, LoopHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var result = write();
                if (attempt > 1)
                {
                    GatewayLog.StateWritable(logger, options.GatewayId, what, attempt);
                }

                return result;
            }
            catch (Exception ex) when (StateDatabase.IsOutOfSpace(ex))
            {
                GatewayLog.StateWriteFailed(logger, options.GatewayId, what, ex.Message, delay);
                await heartbeat.TickWhile(Task.Delay(delay, time, cancellationToken), cancellationToken).ConfigureAwait(false);
                delay = delay * 2 < MaxDelay ? delay * 2 : MaxDelay;
            }
        }
    }
}
