using System.Globalization;
using System.Text;
using OpenTelemetry.Metrics;

namespace EdgeFL.Observability.Metrics;

/// <summary>
/// OpenTelemetry metrics in Prometheus' text exposition format 0.0.4, named as OpenTelemetry's own
/// Prometheus exporter names them: dots become underscores, the unit becomes a suffix (<c>By</c> is
/// <c>bytes</c>, <c>s</c> is <c>seconds</c>; a unit in braces is dropped), counters end in <c>_total</c>.
/// A meter's tags (which instance: <c>edgefl.gateway.id</c>, <c>server.port</c>) become labels of its series.
/// </summary>
internal sealed class PrometheusTextWriter
{
    private readonly SortedDictionary<string, Family> _families = new(StringComparer.Ordinal);

    public void Clear() => _families.Clear();

    public void Add(Metric metric)
    {
        string type = metric.MetricType switch
        {
            MetricType.LongSum or MetricType.DoubleSum => "counter",
            MetricType.Histogram => "histogram",
            MetricType.LongGauge or MetricType.DoubleGauge or MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic => "gauge",
            _ => "",
        };
        if (type.Length == 0)
        {
            return; // exponential histograms: none of EdgeFL's instruments, not in the 0.0.4 format
        }

        string name = MetricName(metric.Name, metric.Unit, type == "counter");
        if (!_families.TryGetValue(name, out var family))
        {
            family = new Family(type, metric.Description);
            _families[name] = family;
        }
        else if (family.Type != type)
        {
            return; // two instruments mapping to one name with different types: keep the first
        }

        var meterTags = metric.MeterTags?.ToArray() ?? [];
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var labels = new StringBuilder();
            foreach (var tag in meterTags)
            {
                AppendLabel(labels, tag.Key, tag.Value);
            }

            foreach (var tag in point.Tags)
            {
                AppendLabel(labels, tag.Key, tag.Value);
            }

            string l = labels.ToString();
            switch (metric.MetricType)
            {
                case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                    family.Add(name, l, Number(point.GetSumLong()));
                    break;
                case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                    family.Add(name, l, Number(point.GetSumDouble()));
                    break;
                case MetricType.LongGauge:
                    family.Add(name, l, Number(point.GetGaugeLastValueLong()));
                    break;
                case MetricType.DoubleGauge:
                    family.Add(name, l, Number(point.GetGaugeLastValueDouble()));
                    break;
                case MetricType.Histogram:
                    long cumulative = 0;
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        cumulative += bucket.BucketCount;
                        string le = double.IsPositiveInfinity(bucket.ExplicitBound) ? "+Inf" : Number(bucket.ExplicitBound);
                        var withLe = new StringBuilder(l);
                        AppendLabel(withLe, "le", le);
                        family.Add(name + "_bucket", withLe.ToString(), Number(cumulative));
                    }

                    family.Add(name + "_sum", l, Number(point.GetHistogramSum()));
                    family.Add(name + "_count", l, Number(point.GetHistogramCount()));
                    break;
            }
        }
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (name, family) in _families)
        {
            if (!string.IsNullOrEmpty(family.Help))
            {
                text.Append("# HELP ").Append(name).Append(' ').Append(family.Help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
            }

            text.Append("# TYPE ").Append(name).Append(' ').Append(family.Type).Append('\n');
            foreach (string line in family.Lines)
            {
                text.Append(line).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>The Prometheus name of an instrument: <c>edgefl.broker.receive_budget.in_use</c> in <c>By</c> is <c>edgefl_broker_receive_budget_in_use_bytes</c>.</summary>
    public static string MetricName(string name, string? unit, bool counter)
    {
        string n = Sanitize(name, allowColon: true);
        string suffix = UnitSuffix(unit);
        if (suffix.Length > 0 && !n.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            n += "_" + suffix;
        }

        if (counter && !n.EndsWith("_total", StringComparison.Ordinal))
        {
            n += "_total";
        }

        return n;
    }

    private static string UnitSuffix(string? unit)
    {
        if (string.IsNullOrEmpty(unit) || unit.StartsWith('{'))
        {
            return "";
        }

        return unit switch
        {
            "By" => "bytes",
            "s" => "seconds",
            "ms" => "milliseconds",
            "1" => "ratio",
            "%" => "percent",
            _ => Sanitize(unit.Replace(".", "_", StringComparison.Ordinal), allowColon: false).Trim('_'),
        };
    }

    private static string Sanitize(string text, bool allowColon)
    {
        var b = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            b.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }

        if (b.Length > 0 && char.IsAsciiDigit(b[0]))
        {
            b.Insert(0, '_');
        }

        return b.ToString();
    }

    private static void AppendLabel(StringBuilder labels, string key, object? value)
    {
        labels.Append(labels.Length == 0 ? "" : ",").Append(Sanitize(key, allowColon: false)).Append("=\"");
        string v = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        foreach (char c in v)
        {
            labels.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                _ => c.ToString(),
            });
        }

        labels.Append('"');
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class Family(string type, string? help)
    {
        public string Type { get; } = type;

        public string? Help { get; } = help;

        public List<string> Lines { get; } = [];

        public void Add(string name, string labels, string value) =>
            Lines.Add(labels.Length == 0 ? $"{name} {value}" : $"{name}{{{labels}}} {value}");
    }
}
