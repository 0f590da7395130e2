using System.Net;
using System.Net.Sockets;
using EdgeFL.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeFL.Simulator.Tests;

/// <summary>A port picked free can be taken before the host binds it: the demo builds the host again on new ports.</summary>
public sealed class FreePortsTests
{
    [Fact]
    public async Task APortTakenBeforeTheHostBindsIt_IsPickedAgain()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        var picks = new Queue<int>([takenPort, takenPort]);

        var (host, port) = await FreePorts.StartAsync(
            () => picks.Count > 0 ? picks.Dequeue() : FreePorts.Next(),
            p => ListenerHost(p),
            retry: true,
            CancellationToken.None);
        using (host)
        {
            Assert.NotEqual(takenPort, port);
            Assert.Empty(picks);
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task WithoutRetry_OrAfterTheLastAttempt_TheErrorNamesThePort()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        int built = 0;

        var e = await Assert.ThrowsAsync<ServiceStartException>(() => FreePorts.StartAsync(() => takenPort, p => { built++; return ListenerHost(p); }, retry: false, CancellationToken.None));
        Assert.Contains(takenPort.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        Assert.Equal(1, built);

        await Assert.ThrowsAsync<ServiceStartException>(() => FreePorts.StartAsync(() => takenPort, p => { built++; return ListenerHost(p); }, retry: true, CancellationToken.None));
        Assert.Equal(1 + FreePorts.MaxAttempts, built);
    }

    private static IHost ListenerHost(int port)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IHostedService>(new ListeningService(port));
        return builder.Build();
    }

    private sealed class ListeningService(int port) : IHostedService, IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, port);

        public Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                _listener.Start();
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new ServiceStartException($"Test:Port {port} is already in use by another process", ex);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _listener.Stop();
            return Task.CompletedTask;
        }

        public void Dispose() => _listener.Dispose();
    }
}
