using EdgeFL.CloudLink;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Observability;

/// <summary>
/// Sends the gateway's fleet report to the cloud every <c>Gateway:Cloud:FleetReportInterval</c> while the
/// uplink is connected (QoS 0: a lost report is replaced by the next one; nothing is queued).
/// </summary>
internal sealed class FleetReportPublisher(ICloudUplink uplink, GatewayFleetState state, IOptions<FleetReportOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.FleetReportInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                byte[] report = GatewayFleetReport.ToBytes(state);
                if (report.Length <= GatewayFleetReport.MaxBytes)
                {
                    await uplink.PublishFleetReportAsync(report, stoppingToken).ConfigureAwait(false);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
