namespace EdgeFL.Bench;

internal static class FootprintBench
{
    public static Task RunAsync(Report report, bool quick) => Task.CompletedTask;
}
