using System.Diagnostics.CodeAnalysis;

namespace EdgeFL.Hosting;

/// <summary>
/// What an EdgeFL service prints for <c>--help</c> or <c>-h</c> instead of starting: what it is, where its
/// configuration is read from, and the configuration sections with their keys (read from the options
/// classes, so the list is what the service binds).
/// </summary>
public sealed class ServiceUsage
{
    private const int Width = 100;
    private readonly string _executable;
    private readonly string _component;
    private readonly string _summary;
    private readonly List<(string Section, IReadOnlyList<string> Keys)> _sections = [];

    /// <summary>The usage of the service <paramref name="executable"/>, configured as <paramref name="component"/> (gateway, cloud, device).</summary>
    public ServiceUsage(string executable, string component, string summary)
    {
        ArgumentException.ThrowIfNullOrEmpty(executable);
        ArgumentException.ThrowIfNullOrEmpty(component);
        _executable = executable;
        _component = component;
        _summary = summary;
    }

    /// <summary>Lists the keys of <typeparamref name="TOptions"/>, bound at <paramref name="section"/>.</summary>
    public ServiceUsage Section<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(string section)
    {
        _sections.AddRange(ConfigurationKeys.Of(section, typeof(TOptions)));
        return this;
    }

    /// <summary>True when <paramref name="args"/> ask for help (<c>--help</c> or <c>-h</c>).</summary>
    public static bool IsRequested(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Any(a => a is "--help" or "-h");
    }

    /// <summary>Writes the usage when <paramref name="args"/> ask for it; true when it did (the service then exits 0).</summary>
    public bool TryWrite(IReadOnlyList<string> args, TextWriter output)
    {
        if (!IsRequested(args))
        {
            return false;
        }

        Write(output);
        return true;
    }

    /// <summary>Writes the usage.</summary>
    public void Write(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        WriteWrapped(output, "", $"{_executable}: {_summary}".Split(' '), 0, separator: "");
        output.WriteLine();
        output.WriteLine($"Usage: {_executable} [--Section:Key=value ...]");
        output.WriteLine($"       {_executable} --help");
        output.WriteLine();
        output.WriteLine("Configuration, each layer overriding the one before:");
        output.WriteLine("  appsettings.json in the content root (the working directory, or $DOTNET_CONTENTROOT)");
        output.WriteLine($"  {Path.Combine(EdgeFlHostBuilderExtensions.ConfigDirectory(), _component + ".json")}");
        output.WriteLine($"      the operator's configuration directory: ${EdgeFlHostBuilderExtensions.ConfigDirectoryVariable}, else systemd's");
        output.WriteLine($"      $CONFIGURATION_DIRECTORY, else {EdgeFlHostBuilderExtensions.DefaultConfigDirectory}");
        output.WriteLine("  environment variables, ':' written as '__' (Section__Key=value)");
        output.WriteLine("  the command line (--Section:Key=value)");
        output.WriteLine();
        output.WriteLine("Configuration keys (every key and its default: docs/CONFIGURATION.md):");
        int column = _sections.Count == 0 ? 0 : _sections.Max(s => s.Section.Length) + 4;
        foreach (var (section, keys) in _sections)
        {
            WriteWrapped(output, "  " + section.PadRight(column - 2), keys, column, separator: ",");
        }

        output.WriteLine();
        output.WriteLine("Credentials, signing keys, certificates and state files: the operator's CLI, edgefl --help");
        output.WriteLine("(dotnet run --project src/Cli -- --help); docs/OPERATIONS.md.");
    }

    /// <summary>Writes <paramref name="head"/> then the words (each but the last followed by <paramref name="separator"/>), wrapped at the width and indented to <paramref name="column"/>.</summary>
    private static void WriteWrapped(TextWriter output, string head, IReadOnlyList<string> words, int column, string separator)
    {
        var line = new System.Text.StringBuilder(head);
        for (int i = 0; i < words.Count; i++)
        {
            string word = words[i] + (i < words.Count - 1 ? separator : "");
            if (line.Length > column && line.Length + 1 + word.Length > Width)
            {
                output.WriteLine(line.ToString().TrimEnd());
                line.Clear().Append(' ', column);
            }
            else if (line.Length > column)
            {
                line.Append(' ');
            }

            line.Append(word);
        }

        output.WriteLine(line.ToString().TrimEnd());
    }
}
