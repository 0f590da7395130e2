using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace EdgeFL.Emulation.Tests;

/// <summary>
/// Runs <c>dotnet publish</c> on a project of this checkout into a folder of this test run, once per
/// (project, arguments) within the run. Each publish has its own artifacts path, so the repository's own obj and
/// bin folders (which the running tests use) are never touched.
/// </summary>
internal static class Publisher
{
    private static readonly string Root = CreateRoot();
    private static readonly ConcurrentDictionary<string, Lazy<Task<Published>>> Done = new(StringComparer.Ordinal);

    private static string CreateRoot()
    {
        string root = Directory.CreateTempSubdirectory("edgefl-emulation-").FullName;

        // Hundreds of MB of published output: gone with the test process.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return root;
    }

    /// <summary>A publish's output folder and the publish's own output (for failure messages).</summary>
    public sealed record Published(string Directory, int ExitCode, string Log)
    {
        public long Bytes => new DirectoryInfo(Directory).Exists
            ? new DirectoryInfo(Directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)
            : 0;
    }

    /// <summary>Publishes src/<paramref name="project"/> with <paramref name="arguments"/> (cached for the run).</summary>
    public static Task<Published> PublishAsync(string project, string name, params string[] arguments) =>
        Done.GetOrAdd(project + "|" + string.Join(' ', arguments), _ => new Lazy<Task<Published>>(() => RunAsync(project, name, arguments))).Value;

    private static async Task<Published> RunAsync(string project, string name, string[] arguments)
    {
        string output = Path.Combine(Root, name);
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (string a in new[] { "publish", Path.Combine("src", project), "-c", "Release", "-o", output, "--artifacts-path", Path.Combine(Root, "artifacts-" + name), "-nologo" }.Concat(arguments))
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var log = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(25));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish src/{project} {string.Join(' ', arguments)} took over 25 minutes:\n{log}");
        }

        lock (log)
        {
            return new Published(output, process.ExitCode, log.ToString());
        }
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }
}
