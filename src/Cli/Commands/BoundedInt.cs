using System.CommandLine;
using System.Globalization;

namespace EdgeFL.Cli.Commands;

/// <summary>An integer option within bounds: anything else (not a number, out of range) is a parse error naming the option and its range.</summary>
internal static class BoundedInt
{
    public static Option<int> Create(string name, int min, int max, int defaultValue, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max)
            {
                return value;
            }

            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be a whole number from {min} to {max} (was '{text}')"));
            return defaultValue;
        },
    };
}
