using EdgeFL.Tests.Shared;

namespace EdgeFL.Simulator.Tests;

/// <summary>The commands that live in the operator's CLI are not the demo's: asking the demo for one says where it went.</summary>
public sealed class MovedCommandsTests
{
    [Theory]
    [InlineData("init-model")]
    [InlineData("keygen")]
    [InlineData("make-certs")]
    public async Task OperatorCommand_ExitsWithUsage_AndNamesTheCli(string command)
    {
        var run = await ProgramRun.StartAsync(
            BuiltProject.AssemblyPath("Simulator", "EdgeFL.Simulator.dll"),
            environment: null,
            TimeSpan.FromMinutes(2),
            workingDirectory: null,
            command, "--out", "unused.msgpack");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"'{command}' moved to the operator's CLI: dotnet run --project src/Cli -- {command} --help", run.Error, StringComparison.Ordinal);
    }
}
