namespace EdgeFL.Bench;

internal static class DeviceSwarm
{
    public static Task RunAsync(string[] args) => Task.CompletedTask;
}
