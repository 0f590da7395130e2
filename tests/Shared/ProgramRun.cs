using System.Diagnostics;

namespace EdgeFL.Tests.Shared;

/// <summary>One run of a built .NET program as a child process: its exit code and everything it printed.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="Output">Standard output.</param>
/// <param name="Error">Standard error (where native libraries such as libtorch write their logs).</param>
public sealed record ProgramRun(int ExitCode, string Output, string Error)
{
    /// <summary>
    /// Runs <c>dotnet {assemblyPath} args</c> with <paramref name="environment"/> added (DOTNET_ENVIRONMENT is
    /// Production unless given), killing it and throwing <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<ProgramRun> StartAsync(
        string assemblyPath,
        IReadOnlyDictionary<string, string>? environment,
        TimeSpan timeout,
        string? workingDirectory,
        params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        start.ArgumentList.Add(assemblyPath);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(assemblyPath)} {string.Join(' ', args)} did not exit within {timeout}");
        }

        return new ProgramRun(process.ExitCode, await output, await error);
    }

    /// <inheritdoc />
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
