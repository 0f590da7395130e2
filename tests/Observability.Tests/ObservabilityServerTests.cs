using System.Globalization;
using System.Net;
using EdgeFL.Hosting;
using EdgeFL.Observability.Dashboard;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeFL.Observability.Tests;

/// <summary>The listener in a real host on a free loopback port: its routes, the bearer token, and options refused at start.</summary>
public sealed class ObservabilityServerTests : IDisposable
{
    private const string Token = "s3cret-token-0123456789";
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-observability-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task WithATokenFile_EveryRouteNeedsTheBearerToken_AndTheDashboardSetsACookie()
    {
        string tokenFile = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(tokenFile, Token + "\n");
        int port = TestPorts.Free();
        using var host = Build(new() { ["Observability:Port"] = port.ToString(CultureInfo.InvariantCulture), ["Observability:TokenFile"] = tokenFile, ["Observability:Dashboard"] = "true" });
        await host.StartAsync();
        host.Services.GetRequiredService<ServiceHealth>().MarkReady("test ready");
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        foreach (string path in new[] { "metrics", "health/live", "health/ready", "dashboard/", "dashboard/state" })
        {
            using var refused = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            using var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Authorization", "Bearer not-" + Token } } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
            using var right = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Authorization", "Bearer " + Token } } };
            using var ok = await http.SendAsync(right);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // The page opened with ?token= sets an HttpOnly cookie that authorises its own requests.
        using var page = await http.GetAsync("dashboard/?token=" + Token);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string cookie = page.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("HttpOnly", cookie, StringComparison.Ordinal);
        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "dashboard/state") { Headers = { { "Cookie", cookie.Split(';')[0] } } };
        using var state = await http.SendAsync(withCookie);
        Assert.Equal(HttpStatusCode.OK, state.StatusCode);
        Assert.Equal("{\"tier\":\"test\"}", await state.Content.ReadAsStringAsync());
        await host.StopAsync();
    }

    [Fact]
    public async Task Health_FollowsTheWatchdogChecksAndReadiness()
    {
        int port = TestPorts.Free();
        using var host = Build(new() { ["Observability:Port"] = port.ToString(CultureInfo.InvariantCulture) });
        var health = host.Services.GetRequiredService<ServiceHealth>();
        bool alive = true;
        health.AddCheck("round-loop", () => alive);
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("health/ready")).StatusCode); // READY=1 not said yet
        health.MarkReady("ready now");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/ready")).StatusCode);
        alive = false;
        using var live = await http.GetAsync("health/live");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, live.StatusCode);
        Assert.Contains("round-loop", await live.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("health/ready")).StatusCode);

        // No dashboard source registered: no dashboard.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("dashboard/state")).StatusCode);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Observability:BindAddress", "0.0.0.0", "Observability:TokenFile is required")]
    [InlineData("Observability:BindAddress", "not-an-address", "Observability:BindAddress must be")]
    [InlineData("Observability:Port", "70000", "Observability:Port must be")]
    [InlineData("Observability:TokenFile", "/nonexistent/token", "Observability:TokenFile '/nonexistent/token' does not exist")]
    [InlineData("Observability:MaxDeviceSeries", "-1", "Observability:MaxDeviceSeries must be")]
    [InlineData("Observability:DashboardInterval", "00:00:00.01", "Observability:DashboardInterval must be")]
    public async Task BadOptions_AreRefusedAtStart_NamingTheKey(string key, string value, string message)
    {
        using var host = Build(new() { ["Observability:Port"] = TestPorts.Free().ToString(CultureInfo.InvariantCulture), [key] = value });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortInUse_FailsTheStart_NamingTheKey()
    {
        int port = TestPorts.Free();
        using var first = Build(new() { ["Observability:Port"] = port.ToString(CultureInfo.InvariantCulture) });
        await first.StartAsync();
        using var second = Build(new() { ["Observability:Port"] = port.ToString(CultureInfo.InvariantCulture) });
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync());
        Assert.Contains("Observability:Port", e.Message, StringComparison.Ordinal);
        await first.StopAsync();
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(new ServiceHealth());
        builder.Services.AddSingleton<IDashboardSource>(new FixedSource());
        if (!settings.ContainsKey("Observability:Dashboard"))
        {
            builder.Services.RemoveAll<IDashboardSource>();
        }

        builder.Services.AddEdgeFlObservability(builder.Configuration, new ObservabilityDefaults(true, 1, false), "EdgeFL.Test");
        return builder.Build();
    }

    private sealed class FixedSource : IDashboardSource
    {
        public void WriteSnapshot(System.Text.Json.Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("tier", "test");
            writer.WriteEndObject();
        }
    }
}
