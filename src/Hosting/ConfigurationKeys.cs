using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace EdgeFL.Hosting;

/// <summary>
/// The configuration keys an options class binds, read from its settable public properties: one entry
/// per section (the class's own scalar keys, then one per nested options object), so a service's usage
/// text lists what the binder really reads.
/// </summary>
internal static class ConfigurationKeys
{
    /// <summary>Sections under (and including) <paramref name="section"/> with their scalar keys, in declaration order.</summary>
    public static IReadOnlyList<(string Section, IReadOnlyList<string> Keys)> Of(
        string section,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type options)
    {
        var result = new List<(string, IReadOnlyList<string>)>();
        Collect(section, options, result, depth: 0);
        return result;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Usage text only: a trimmed-away property is one the binder cannot set either.")]
    private static void Collect(string section, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type options, List<(string, IReadOnlyList<string>)> into, int depth)
    {
        var scalars = new List<string>();
        var nested = new List<PropertyInfo>();
        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            if (IsScalar(property.PropertyType) || depth >= 4)
            {
                scalars.Add(property.Name);
            }
            else
            {
                nested.Add(property);
            }
        }

        if (scalars.Count > 0)
        {
            into.Add((section, scalars));
        }

        foreach (var property in nested)
        {
            Collect($"{section}:{property.Name}", property.PropertyType, into, depth + 1);
        }
    }

    /// <summary>Values the binder sets from one key (or one key per element: lists and dictionaries count as one here).</summary>
    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
            || type == typeof(TimeSpan) || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Uri)
            || type.IsArray || (type.IsGenericType && typeof(System.Collections.IEnumerable).IsAssignableFrom(type));
    }
}
