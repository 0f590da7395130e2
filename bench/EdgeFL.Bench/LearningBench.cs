namespace EdgeFL.Bench;

internal static class LearningBench
{
    public static Task RunAsync(Report report, bool quick) => Task.CompletedTask;
}
