namespace EdgeFL.Bench;

internal static class CodecBench
{
    public static Task RunAsync(Report report, bool quick) => Task.CompletedTask;
}
