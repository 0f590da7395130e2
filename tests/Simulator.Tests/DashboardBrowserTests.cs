using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Playwright;

namespace EdgeFL.Simulator.Tests;

/// <summary>
/// The cloud's live dashboard in Debian's headless Chromium (driven by Microsoft.Playwright through its
/// executable path) while a small hierarchy runs: its gateways and devices show, the accuracy curve gains a
/// point after a cloud sync, a device taken offline shows as offline. The page loads nothing from outside
/// the service. A screenshot is kept as a test artifact (<c>artifacts/dashboard.png</c> in the test output).
/// </summary>
public sealed class DashboardBrowserTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-dashboard-").FullName;
    private readonly ErrorLog _errors = new();

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _errors.Dispose();
    }

    [Fact]
    public async Task Dashboard_InChromium_ShowsTheFleet_GainsAccuracyPoints_AndAnOfflineDevice()
    {
        string chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("chromium is not installed: apt-get install chromium (.ci/run does this)");
        var options = new DemoOptions
        {
            Devices = 4,
            Gateways = 2,
            Rounds = 100_000, // runs until the test has seen what it needs; cancelled then
            SyncEvery = 2,
            TrainSamples = 2000,
            TestSamples = 500,
            OfflineFraction = 0,
            Seed = 3,
            RoundDeadline = TimeSpan.FromSeconds(60),
            CsvPath = Path.Combine(_dir, "history.csv"),
            ReportDirectory = "",
            DashboardPort = TestPorts.Free(),
            Quiet = true,
        };
        var started = new TaskCompletionSource<DemoFleet>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runner = new DemoRunner(options, TextWriter.Null) { ErrorSink = _errors.For("demo"), Started = f => started.TrySetResult(f) };
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => runner.RunAsync(stop.Token));
        try
        {
            var fleet = await started.Task.WaitAsync(Timeout);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1100 } });
            page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
            var requests = new List<string>();
            page.Request += (_, r) => { lock (requests) { requests.Add(r.Url); } };
            await page.GotoAsync(runner.DashboardUrl!);

            // Both gateways and all four devices, online.
            await Assertions.Expect(page.Locator(".gateway")).ToHaveCountAsync(2, new() { Timeout = (float)Timeout.TotalMilliseconds });
            await Assertions.Expect(page.Locator("[data-gateway='gw-1']")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-gateway='gw-2']")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("tr[data-device]")).ToHaveCountAsync(4, new() { Timeout = (float)Timeout.TotalMilliseconds });
            await Assertions.Expect(page.Locator("td.status.online")).ToHaveCountAsync(4, new() { Timeout = (float)Timeout.TotalMilliseconds });
            await Assertions.Expect(page.Locator("[data-testid='live']")).ToHaveTextAsync("live");

            // The accuracy curve gains a point after a cloud sync: the page shows the rounds the demo evaluated.
            await Assertions.Expect(page.Locator("#accuracy-chart circle.point")).Not.ToHaveCountAsync(0, new() { Timeout = (float)Timeout.TotalMilliseconds });
            int before = await page.Locator("#accuracy-chart circle.point").CountAsync();
            // At least one more (two syncs can land between two snapshots on a fast run).
            await page.WaitForFunctionAsync("n => document.querySelectorAll('#accuracy-chart circle.point').length > n", before, new() { Timeout = (float)Timeout.TotalMilliseconds });
            string newest = (await page.Locator("#accuracy-chart circle.point").Last.GetAttributeAsync("data-round"))!;
            lock (runner.AccuracyByRound)
            {
                Assert.Contains(long.Parse(newest, System.Globalization.CultureInfo.InvariantCulture), runner.AccuracyByRound.Keys);
            }

            // A device taken offline shows as offline (its gateway's fleet report, then the event stream).
            var device = fleet.Agents[0];
            await device.GoOfflineAsync();
            var row = page.Locator("tr[data-device='dev-001'] td.status");
            await Assertions.Expect(row).ToHaveTextAsync("offline", new() { Timeout = (float)Timeout.TotalMilliseconds });
            await Assertions.Expect(page.Locator("td.status.online")).ToHaveCountAsync(3, new() { Timeout = (float)Timeout.TotalMilliseconds });

            string artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
            Directory.CreateDirectory(artifacts);
            string screenshot = Path.Combine(artifacts, "dashboard.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            Assert.True(new FileInfo(screenshot).Length > 10_000);

            // Everything the page loaded came from the service itself.
            string origin = new Uri(runner.DashboardUrl!).GetLeftPart(UriPartial.Authority);
            lock (requests)
            {
                Assert.NotEmpty(requests);
                Assert.All(requests, url => Assert.StartsWith(origin + "/", url, StringComparison.Ordinal));
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
