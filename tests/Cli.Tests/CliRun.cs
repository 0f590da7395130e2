using System.Diagnostics;
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
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BuiltProject.AssemblyPath(project, assembly));
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
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assembly} {string.Join(' ', args)} did not exit within a minute");
        }

        return new CliRun(process.ExitCode, await output, await error);
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
