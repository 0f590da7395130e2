using System.Globalization;
using EdgeFL.Core.Models;

namespace EdgeFL.Bench;

/// <summary>
/// The device side of the footprint figure, in a process of its own (<c>EdgeFL.Bench swarm ...</c>), so that
/// the measured gateway process holds nothing of the devices: D <see cref="BenchDevices"/> that answer one
/// round with a <see cref="SharedUpdatePayload"/>, all at once, when the parent writes <c>go</c> on its
/// standard input. It prints <c>models M round R acked A</c> whenever a count changes and runs until its
/// standard input closes.
/// </summary>
internal static class SwarmCommand
{
    public const string Name = "swarm";

    /// <summary>The arguments for a swarm of <paramref name="devices"/> on <paramref name="port"/> whose updates are for <paramref name="answerRound"/>.</summary>
    public static string[] Arguments(int port, string gatewayId, int devices, int modelBytes, long answerRound) =>
        [Name, port.ToString(CultureInfo.InvariantCulture), gatewayId, devices.ToString(CultureInfo.InvariantCulture), modelBytes.ToString(CultureInfo.InvariantCulture), answerRound.ToString(CultureInfo.InvariantCulture)];

    public static async Task<int> RunAsync(string[] args)
    {
        int port = int.Parse(args[1], CultureInfo.InvariantCulture);
        string gatewayId = args[2];
        int devices = int.Parse(args[3], CultureInfo.InvariantCulture);
        int modelBytes = int.Parse(args[4], CultureInfo.InvariantCulture);
        long answerRound = long.Parse(args[5], CultureInfo.InvariantCulture);
        var update = new SharedUpdatePayload(RandomModel(modelBytes), answerRound);
        using var stop = new CancellationTokenSource();
        await using var swarm = await BenchDevices.ConnectAsync(port, gatewayId, devices, (_, _) => null, stop.Token).ConfigureAwait(false);
        var stdinClosed = Task.Run(async () =>
        {
            var publishing = new List<Task>();
            while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line == "go")
                {
                    publishing.Add(swarm.PublishAllAsync(d => update.For(SharedUpdatePayload.DeviceId(d)), stop.Token));
                }
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(publishing).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        });
        string last = "";
        while (!stop.IsCancellationRequested)
        {
            string now = $"models {swarm.ModelsReceived} round {swarm.HighestRound} acked {swarm.UpdatesAcknowledged}";
            if (now != last)
            {
                Console.WriteLine(now);
                last = now;
            }

            await Task.WhenAny(stdinClosed, Task.Delay(10)).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>A one-tensor float32 model of about <paramref name="bytes"/> bytes, values in [0, 1).</summary>
    public static ModelState RandomModel(int bytes)
    {
        int floats = bytes / sizeof(float);
        var rng = new Random(bytes);
        var values = new float[floats];
        for (int i = 0; i < floats; i++)
        {
            values[i] = (float)rng.NextDouble();
        }

        return new ModelState([NamedTensor.FromFloat32("w", [floats], values)]);
    }
}
