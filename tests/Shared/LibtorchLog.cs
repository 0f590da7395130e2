using System.Text.RegularExpressions;

namespace EdgeFL.Tests.Shared;

/// <summary>Recognises what libtorch's own (c10) logger printed.</summary>
public static partial class LibtorchLog
{
    /// <summary>Lines of c10's logger at warning level, such as "[W1203 04:42:11.237915320 NNPACK.cpp:56] Could not initialize NNPACK!".</summary>
    public static string[] Warnings(ProgramRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return (run.Output + "\n" + run.Error).Split('\n').Where(l => WarningLine().IsMatch(l)).ToArray();
    }

    [GeneratedRegex(@"^\[W\d{4} \d\d:\d\d:\d\d\.\d+ \S+:\d+\]")]
    private static partial Regex WarningLine();
}
