namespace EdgeFL.Bench;

internal static class RobustBench
{
    public static Task RunAsync(Report report, bool quick) => Task.CompletedTask;
}
