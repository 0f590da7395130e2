using System.ComponentModel;
using System.Globalization;

namespace EdgeFL.Core.Aggregation;

/// <summary>Reads an <see cref="AggregationRule"/> from configuration: a member name in any case, with or without hyphens (<c>trimmed-mean</c>).</summary>
internal sealed class AggregationRuleConverter() : EnumConverter(typeof(AggregationRule))
{
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string word ? base.ConvertFrom(context, culture, word.Replace("-", "", StringComparison.Ordinal)) : base.ConvertFrom(context, culture, value);
}
