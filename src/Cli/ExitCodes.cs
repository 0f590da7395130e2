namespace EdgeFL.Cli;

/// <summary>The exit codes of <c>edgefl</c>.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The command ran and failed: a file missing, unreadable or not what it should be.</summary>
    public const int Failure = 1;

    /// <summary>Bad arguments (usage printed), or a command this build does not run.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C).</summary>
    public const int Interrupted = 130;
}
