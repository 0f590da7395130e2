namespace EdgeFL.Bench;

internal static class MqttRoundBench
{
    public static Task RunAsync(Report report, bool quick) => Task.CompletedTask;
}
