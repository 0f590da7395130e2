using System.Net;
using System.Text;
using System.Text.Json;
using EdgeFL.Observability.Dashboard;
using EdgeFL.Observability.Health;
using EdgeFL.Observability.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.Observability.Http;

/// <summary>
/// The service's HTTP listener (System.Net.HttpListener, in the shared framework: no Kestrel on a gateway):
/// <c>/metrics</c>, <c>/health/live</c>, <c>/health/ready</c>, and with a dashboard <c>/dashboard/</c>,
/// <c>/dashboard/state</c> (the snapshot as JSON) and <c>/dashboard/events</c> (server-sent events).
/// Beyond loopback every request carries the bearer token of <c>Observability:TokenFile</c>.
/// </summary>
internal sealed class ObservabilityServer(
    IOptions<ObservabilityOptions> options,
    MetricsScrape metrics,
    HealthCheckService health,
    IHostApplicationLifetime lifetime,
    ILogger<ObservabilityServer> logger,
    IDashboardSource? dashboard = null) : IHostedService, IAsyncDisposable
{
    private readonly ObservabilityOptions _options = options.Value;
    private readonly CancellationTokenSource _stop = new();
    private HttpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private AccessToken? _token;
    private int _streams;
    private int _disposed;

    /// <summary>The URL the listener serves (set once started).</summary>
    public string Url { get; private set; } = "";

    private bool ServesDashboard => _options.Dashboard && dashboard is not null;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _token = AccessToken.From(_options);
        ListenerAddress.TryParse(_options.BindAddress, out string host);
        Url = $"http://{host}:{_options.Port}/";
        var listener = new HttpListener { IgnoreWriteExceptions = true };
        foreach (string prefix in ListenerAddress.Prefixes(_options.BindAddress, _options.Port))
        {
            listener.Prefixes.Add(prefix);
        }
        try
        {
            listener.Start();
        }
        catch (HttpListenerException e)
        {
            ObservabilityLog.ListenFailed(logger, Url, e.Message);
            throw new InvalidOperationException($"The observability listener cannot listen on {Url} ({e.Message}): choose another {ObservabilityOptions.Section}:Port, or set {ObservabilityOptions.Section}:Enabled=false.", e);
        }

        _listener = listener;
        ObservabilityLog.Listening(logger, Url, ServesDashboard ? ", /dashboard/" : "");
        _accepting = Task.Run(() => AcceptAsync(listener, _stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Close();
        await _accepting.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        // Disposed by the container twice (as itself and as the hosted service it also is).
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Close();
        _stop.Dispose();
    }

    private async Task AcceptAsync(HttpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or HttpListenerException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context, cancellationToken), CancellationToken.None);
        }
    }

    private async Task HandleAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var response = context.Response;
        string path = context.Request.Url?.AbsolutePath ?? "/";
        try
        {
            response.Headers["Cache-Control"] = "no-store";
            response.Headers["X-Content-Type-Options"] = "nosniff";
            if (context.Request.HttpMethod is not ("GET" or "HEAD"))
            {
                await WriteAsync(response, 405, "text/plain; charset=utf-8", "GET only\n", cancellationToken).ConfigureAwait(false);
                return;
            }

            if (!Authorized(context))
            {
                ObservabilityLog.Unauthorized(logger, path, context.Request.RemoteEndPoint?.ToString() ?? "?");
                response.Headers["WWW-Authenticate"] = "Bearer realm=\"edgefl\"";
                await WriteAsync(response, 401, "text/plain; charset=utf-8", "a bearer token is required (Observability:TokenFile)\n", cancellationToken).ConfigureAwait(false);
                return;
            }

            switch (path)
            {
                case "/metrics":
                    string text = await Task.Run(metrics.Collect, cancellationToken).ConfigureAwait(false);
                    await WriteAsync(response, 200, "text/plain; version=0.0.4; charset=utf-8", text, cancellationToken).ConfigureAwait(false);
                    break;
                case "/health/live":
                    await WriteHealthAsync(response, HealthTags.Live, cancellationToken).ConfigureAwait(false);
                    break;
                case "/health/ready":
                    await WriteHealthAsync(response, null, cancellationToken).ConfigureAwait(false);
                    break;
                case "/":
                    response.Redirect(ServesDashboard ? "/dashboard/" : "/metrics");
                    response.Close();
                    break;
                case "/dashboard":
                    response.Redirect("/dashboard/" + context.Request.Url?.Query);
                    response.Close();
                    break;
                case "/dashboard/state" when ServesDashboard:
                    await WriteAsync(response, 200, "application/json; charset=utf-8", Snapshot(), cancellationToken).ConfigureAwait(false);
                    break;
                case "/dashboard/events" when ServesDashboard:
                    await StreamAsync(response, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    if (ServesDashboard && path.StartsWith("/dashboard/", StringComparison.Ordinal) && DashboardAssets.Get(path["/dashboard/".Length..]) is { } asset)
                    {
                        response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'";
                        response.StatusCode = 200;
                        response.ContentType = asset.ContentType;
                        response.ContentLength64 = asset.Bytes.Length;
                        await response.OutputStream.WriteAsync(asset.Bytes, cancellationToken).ConfigureAwait(false);
                        response.Close();
                    }
                    else
                    {
                        await WriteAsync(response, 404, "text/plain; charset=utf-8", "not found\n", cancellationToken).ConfigureAwait(false);
                    }

                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or HttpListenerException or IOException)
        {
            response.Abort();
        }
#pragma warning disable CA1031 // One failed request must not take the listener down.
        catch (Exception e)
#pragma warning restore CA1031
        {
            ObservabilityLog.RequestFailed(logger, path, e.Message);
            response.Abort();
        }
    }

    /// <summary>True when no token is configured, or the request carries it (header, or the cookie set from <c>?token=</c>).</summary>
    private bool Authorized(HttpListenerContext context)
    {
        if (_token is null)
        {
            return true;
        }

        string? header = context.Request.Headers["Authorization"];
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && _token.Matches(header["Bearer ".Length..].Trim()))
        {
            return true;
        }

        if (context.Request.Cookies[AccessToken.CookieName]?.Value is { } cookie && _token.Matches(Uri.UnescapeDataString(cookie)))
        {
            return true;
        }

        if (context.Request.QueryString["token"] is { } query && _token.Matches(query))
        {
            // The page's own requests (its state and event stream) then carry the cookie.
            context.Response.Headers.Add("Set-Cookie", $"{AccessToken.CookieName}={Uri.EscapeDataString(query)}; Path=/; HttpOnly; SameSite=Strict");
            return true;
        }

        return false;
    }

    private async Task WriteHealthAsync(HttpListenerResponse response, string? tag, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(tag is null ? null : r => r.Tags.Contains(tag), cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", entry.Status.ToString());
                json.WriteString("description", entry.Description);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        int status = report.Status == HealthStatus.Unhealthy ? 503 : 200;
        await WriteAsync(response, status, "application/json; charset=utf-8", Encoding.UTF8.GetString(buffer.ToArray()) + "\n", cancellationToken).ConfigureAwait(false);
    }

    private string Snapshot()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            dashboard!.WriteSnapshot(json);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Server-sent events: the snapshot when it changed, checked every <c>DashboardInterval</c>, and a comment line as keep-alive.</summary>
    private async Task StreamAsync(HttpListenerResponse response, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _streams) > _options.MaxDashboardClients)
        {
            Interlocked.Decrement(ref _streams);
            await WriteAsync(response, 503, "text/plain; charset=utf-8", $"too many dashboard clients ({ObservabilityOptions.Section}:MaxDashboardClients)\n", cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            response.StatusCode = 200;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.SendChunked = true;
            var output = response.OutputStream;
            string last = "";
            int quiet = 0;
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
            while (!stopping.IsCancellationRequested)
            {
                string snapshot = Snapshot();
                string message;
                if (snapshot != last)
                {
                    last = snapshot;
                    quiet = 0;
                    message = "event: snapshot\ndata: " + snapshot + "\n\n";
                }
                else
                {
                    message = ++quiet % 15 == 0 ? ": keep-alive\n\n" : "";
                }

                if (message.Length > 0)
                {
                    await output.WriteAsync(Encoding.UTF8.GetBytes(message), stopping.Token).ConfigureAwait(false);
                    await output.FlushAsync(stopping.Token).ConfigureAwait(false);
                }

                await Task.Delay(_options.DashboardInterval, stopping.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _streams);
            response.Abort();
        }
    }

    private static async Task WriteAsync(HttpListenerResponse response, int status, string contentType, string body, CancellationToken cancellationToken)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        response.Close();
    }
}
