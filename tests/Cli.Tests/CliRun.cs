using EdgeFL.Tests.Shared;

namespace EdgeFL.Cli.Tests;

/// <summary>What one run of a command line printed, and its exit code.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>Runs <c>edgefl</c> in this process, with its output captured.</summary>
    public static async Task<CliRun> InProcessAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await EdgeFlCommandLine.RunAsync(args, output, error);
        return new CliRun(exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs a built program (<c>dotnet src/{project}/bin/.../{assembly} args</c>) as a child process, with <paramref name="environment"/> added.</summary>
    public static async Task<CliRun> ProcessAsync(string project, string assembly, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var run = await ProgramRun.StartAsync(BuiltProject.AssemblyPath(project, assembly), environment, TimeSpan.FromMinutes(1), workingDirectory: null, args);
        return new CliRun(run.ExitCode, run.Output, run.Error);
    }

    /// <summary>Runs the built <c>edgefl</c> as a child process.</summary>
    public static Task<CliRun> EdgeflProcessAsync(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        ProcessAsync("Cli", "edgefl.dll", environment, args);

    /// <summary>Asserts that the run succeeded and printed every one of <paramref name="texts"/>.</summary>
    public void AssertShows(params string[] texts)
    {
        Assert.True(ExitCode == 0, ToString());
        foreach (string text in texts)
        {
            Assert.Contains(text, Output, StringComparison.Ordinal);
        }
    }

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
