using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeFL.Hosting;

/// <summary>
/// Runs a service's host and turns how it ended into an exit code systemd can act on: 0 when it stopped
/// as asked, <see cref="ServiceExitCodes.Configuration"/> with one line naming the key for a setting it
/// cannot run with, <see cref="ServiceExitCodes.Fatal"/> when it failed to start or a background loop
/// faulted (a full disk, a port in use, a bug). The line goes to stderr (journald keeps it).
/// </summary>
public static class ServiceRunner
{
    /// <summary>Runs <paramref name="host"/> until it stops (and disposes it); returns the process exit code.</summary>
    public static async Task<int> RunAsync(IHost host, string component, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(error);

        List<BackgroundService> loops;
        try
        {
            // Read before the run: a loop that faulted is left with a faulted ExecuteTask once the host stopped.
            loops = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Report(ex, component, error);
        }

        foreach (var loop in loops)
        {
            if (loop.ExecuteTask is { IsFaulted: true } faulted)
            {
                return Report(faulted.Exception!.GetBaseException(), component, error);
            }
        }

        return ServiceExitCodes.Success;
    }

    /// <summary>Writes what ended the service (one line for a known cause) and returns its exit code.</summary>
    public static int Report(Exception exception, string component, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(error);
        var root = exception is AggregateException aggregate ? aggregate.GetBaseException() : exception;
        switch (root)
        {
            case OptionsValidationException invalid:
                error.WriteLine($"edgefl-{component}: configuration error: {string.Join("; ", invalid.Failures)}");
                return ServiceExitCodes.Configuration;
            case ServiceConfigurationException config:
                error.WriteLine($"edgefl-{component}: configuration error: {config.Message}");
                return ServiceExitCodes.Configuration;
            case ServiceStartException start:
                error.WriteLine($"edgefl-{component}: fatal: {start.Message}");
                return ServiceExitCodes.Fatal;
            default:
                error.WriteLine($"edgefl-{component}: fatal: {root.GetType().Name}: {root.Message}");
                error.WriteLine(root.ToString());
                return ServiceExitCodes.Fatal;
        }
    }

    /// <summary>True when <paramref name="exception"/> (or one inside it) says an address is in use.</summary>
    public static bool IsAddressInUse(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }
}
