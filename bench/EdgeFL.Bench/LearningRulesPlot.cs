using System.Globalization;

namespace EdgeFL.Bench;

/// <summary>Figure 9's plot (ScottPlot): the mean global accuracy per cloud sync, one line per rule and alpha, and the centralized ceiling.</summary>
internal static class LearningRulesPlot
{
    public static void Save(string path, IReadOnlyList<LearningRulesBench.Run> runs, double ceiling)
    {
        var plot = new ScottPlot.Plot();
        foreach (var group in runs.GroupBy(r => (r.Rule, r.Alpha)).OrderBy(g => -g.Key.Alpha).ThenBy(g => g.Key.Rule, StringComparer.Ordinal))
        {
            var rounds = group.SelectMany(r => r.Syncs.Select(s => s.Round)).Distinct().Order().ToArray();
            double[] xs = rounds.Select(r => (double)r).ToArray();
            double[] ys = rounds.Select(round => group.SelectMany(r => r.Syncs.Where(s => s.Round == round).Select(s => s.Accuracy)).Average()).ToArray();
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{group.Key.Rule}, alpha {group.Key.Alpha} ({group.Count()} seeds)");
            if (group.Key.Alpha < 0.3)
            {
                line.LinePattern = ScottPlot.LinePattern.Dashed;
            }
            else if (group.Key.Alpha > 0.7)
            {
                line.LinePattern = ScottPlot.LinePattern.Dotted;
            }
        }

        var ceilingLine = plot.Add.HorizontalLine(ceiling);
        ceilingLine.LegendText = string.Create(CultureInfo.InvariantCulture, $"centralized ceiling {ceiling:F4}");
        plot.Title("Global accuracy per cloud sync (mean over seeds)");
        plot.XLabel("round");
        plot.YLabel("test accuracy");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 1200, 800);
    }
}
