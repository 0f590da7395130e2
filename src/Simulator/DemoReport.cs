using System.Globalization;
using System.Net;
using System.Text;
using ScottPlot;

namespace EdgeFL.Simulator;

/// <summary>
/// The plots of a run (ScottPlot, PNG) and an HTML page showing them with the run's summary: global accuracy
/// per cloud sync with the centralized ceiling as a line, participation and energy per round, the battery
/// distribution at the end, rejections per round. Written to <c>--report DIR</c> (default <c>edgefl-report</c>).
/// </summary>
internal static class DemoReport
{
    public const string AccuracyPng = "accuracy.png";
    public const string ParticipationPng = "participation.png";
    public const string EnergyPng = "energy.png";
    public const string BatteryPng = "battery.png";
    public const string RejectionsPng = "rejections.png";
    public const string IndexHtml = "index.html";

    /// <summary>Writes the plots and the page; returns the page's path.</summary>
    public static async Task<string> WriteAsync(string directory, DemoReportData run, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var rows = run.Rows.OrderBy(r => r.Round).ToArray();
        double[] rounds = [.. rows.Select(r => (double)r.Round)];

        using (var plot = new Plot())
        {
            var points = run.Accuracy.OrderBy(kv => kv.Key).ToArray();
            if (points.Length > 0)
            {
                var line = plot.Add.Scatter(points.Select(p => (double)p.Key).ToArray(), points.Select(p => p.Value).ToArray());
                line.LegendText = "global model (federated)";
                line.MarkerSize = 6;
            }

            if (run.Ceiling is { } ceiling)
            {
                var h = plot.Add.HorizontalLine(ceiling.Accuracy);
                h.LegendText = string.Create(CultureInfo.InvariantCulture, $"centralized ceiling {ceiling.Accuracy:F4} ({ceiling.Source})");
                h.LinePattern = LinePattern.Dashed;
                h.Color = Colors.DarkRed;
            }

            plot.Axes.SetLimitsY(0, 1);
            Finish(plot, "Global accuracy per cloud sync", "round", "test accuracy");
            plot.SavePng(Path.Combine(directory, AccuracyPng), 900, 450);
        }

        using (var plot = new Plot())
        {
            var bars = plot.Add.Bars(rounds, rows.Select(r => 100.0 * r.Participants / Math.Max(1, run.Devices)).ToArray());
            bars.LegendText = "devices whose update was accepted";
            plot.Axes.SetLimitsY(0, 100);
            Finish(plot, "Participation per round", "round", "% of the fleet");
            plot.SavePng(Path.Combine(directory, ParticipationPng), 900, 400);
        }

        using (var plot = new Plot())
        {
            var bars = plot.Add.Bars(rounds, rows.Select(r => r.EnergyMah).ToArray());
            bars.LegendText = "energy the accepted updates report";
            Finish(plot, "Energy per round (fleet)", "round", "mAh");
            plot.SavePng(Path.Combine(directory, EnergyPng), 900, 400);
        }

        int[] bands = new int[5];
        foreach (double level in run.FinalBatteryLevels)
        {
            bands[Math.Clamp((int)(level * 5), 0, 4)]++;
        }

        using (var plot = new Plot())
        {
            plot.Add.Bars(Enumerable.Range(0, 5).Select(i => (double)i).ToArray(), bands.Select(b => (double)b).ToArray());
            plot.Axes.Bottom.SetTicks([0, 1, 2, 3, 4], ["0-20%", "20-40%", "40-60%", "60-80%", "80-100%"]);
            Finish(plot, "Battery at the end of the run", "battery level", "devices", legend: false);
            plot.SavePng(Path.Combine(directory, BatteryPng), 700, 400);
        }

        using (var plot = new Plot())
        {
            var bars = plot.Add.Bars(rounds, rows.Select(r => (double)r.Rejected).ToArray());
            bars.LegendText = "updates rejected at the gateways";
            Finish(plot, "Rejections per round", "round", "updates");
            plot.SavePng(Path.Combine(directory, RejectionsPng), 900, 400);
        }

        string page = Path.Combine(directory, IndexHtml);
        await File.WriteAllTextAsync(page, Html(run), cancellationToken).ConfigureAwait(false);
        return page;
    }

    private static void Finish(Plot plot, string title, string x, string y, bool legend = true)
    {
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        if (legend)
        {
            plot.ShowLegend(Alignment.LowerRight);
        }
    }

    private static string Html(DemoReportData run)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>EdgeFL run report</title>\n")
            .Append("<style>body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d232b}img{max-width:100%;border:1px solid #e3e7ec;margin:.5rem 0}table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #e3e7ec;text-align:left}pre{background:#f6f7f9;padding:.6rem;overflow:auto}</style>\n")
            .Append("</head><body>\n<h1>EdgeFL run report</h1>\n");
        html.Append("<p>").Append(E(run.Header)).Append("</p>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p>Final global accuracy: <b>{(double.IsNaN(run.FinalAccuracy) ? "n/a" : run.FinalAccuracy.ToString("F4", CultureInfo.InvariantCulture))}</b>");
        if (run.Ceiling is { } c)
        {
            html.Append(CultureInfo.InvariantCulture, $"; centralized ceiling {c.Accuracy:F4} ({E(c.Source)})");
        }

        html.Append("</p>\n");
        foreach (var (png, alt) in new[]
        {
            (AccuracyPng, "global accuracy per cloud sync"),
            (ParticipationPng, "participation per round"),
            (EnergyPng, "energy per round"),
            (BatteryPng, "battery distribution at the end"),
            (RejectionsPng, "rejections per round"),
        })
        {
            html.Append("<h2>").Append(E(alt)).Append("</h2>\n<img src=\"").Append(png).Append("\" alt=\"").Append(E(alt)).Append("\">\n");
        }

        html.Append("<h2>Rejections by reason</h2>\n<table><tr><th>reason</th><th>updates</th></tr>\n");
        foreach (var (reason, n) in run.Rejections.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(reason)}</td><td>{n}</td></tr>\n");
        }

        if (run.Rejections.Count == 0)
        {
            html.Append("<tr><td>none</td><td>0</td></tr>\n");
        }

        html.Append("</table>\n<h2>Summary</h2>\n<pre>").Append(E(string.Join('\n', run.Summary))).Append("</pre>\n");
        html.Append("<p>The per-round history is in <code>").Append(E(run.CsvPath)).Append("</code>.</p>\n</body></html>\n");
        return html.ToString();
    }
}

/// <summary>What a run's report shows.</summary>
internal sealed record DemoReportData(
    string Header,
    int Devices,
    IReadOnlyList<RoundRow> Rows,
    IReadOnlyDictionary<long, double> Accuracy,
    CentralizedCeiling? Ceiling,
    IReadOnlyList<double> FinalBatteryLevels,
    IReadOnlyDictionary<string, long> Rejections,
    IReadOnlyList<string> Summary,
    double FinalAccuracy,
    string CsvPath);

/// <summary>The accuracy of the same model trained in one place on all the run's data, and where the figure comes from.</summary>
internal sealed record CentralizedCeiling(double Accuracy, string Source);
