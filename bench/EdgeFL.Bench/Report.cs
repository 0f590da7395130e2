using System.Globalization;

namespace EdgeFL.Bench;

/// <summary>Collects figures as they are measured and prints each with its baseline and the ratio.</summary>
internal sealed class Report
{
    private readonly List<Row> _rows = [];

    public void Add(string figure, string case_, double value, string unit, string baselineName, double baseline, string ratioNote = "")
    {
        var row = new Row(figure, case_, value, unit, baselineName, baseline, ratioNote);
        _rows.Add(row);
        Console.WriteLine(Format(row));
    }

    public void Note(string figure, string text)
    {
        var row = new Row(figure, text, double.NaN, "", "", double.NaN, "");
        _rows.Add(row);
        Console.WriteLine($"  [{figure}] {text}");
    }

    public static string F(double v) => double.IsNaN(v) ? "-" :
        Math.Abs(v) >= 100 ? v.ToString("F0", CultureInfo.InvariantCulture) :
        Math.Abs(v) >= 10 ? v.ToString("F1", CultureInfo.InvariantCulture) :
        Math.Abs(v) >= 1 ? v.ToString("F2", CultureInfo.InvariantCulture) :
        v.ToString("F4", CultureInfo.InvariantCulture);

    private static string Format(Row r) =>
        $"  [{r.Figure}] {r.Case}: {F(r.Value)} {r.Unit} | {r.BaselineName}: {F(r.Baseline)} {r.Unit} | ratio {F(r.Value / r.Baseline)}{(r.RatioNote.Length > 0 ? " " + r.RatioNote : "")}";

    public void PrintSummary(TextWriter w)
    {
        w.WriteLine();
        w.WriteLine("| figure | case | value | baseline | baseline value | ratio |");
        w.WriteLine("|---|---|---|---|---|---|");
        foreach (Row r in _rows)
        {
            if (double.IsNaN(r.Value))
            {
                w.WriteLine($"| {r.Figure} | {r.Case} | | | | |");
                continue;
            }

            w.WriteLine($"| {r.Figure} | {r.Case} | {F(r.Value)} {r.Unit} | {r.BaselineName} | {F(r.Baseline)} {r.Unit} | {F(r.Value / r.Baseline)} {r.RatioNote} |");
        }
    }

    private sealed record Row(string Figure, string Case, double Value, string Unit, string BaselineName, double Baseline, string RatioNote);
}
