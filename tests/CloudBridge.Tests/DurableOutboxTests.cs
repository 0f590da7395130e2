using EdgeFL.CloudLink;
using System.Text;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Topics;
using EdgeFL.Messaging;
using EdgeFL.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeFL.CloudBridge.Tests;

public sealed class DurableOutboxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-outbox-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private StateDatabase Open(string name = "outbox.db") => StateDatabase.Open(Path.Combine(_dir, name), DurableOutbox.Schema, NullLogger.Instance);

    private static DurableOutbox Outbox(StateDatabase db, OutboxOptions? options = null) => new(db, options ?? new OutboxOptions(), NullLogger.Instance);

    [Fact]
    public void Outbox_SurvivesReopen_InOrder()
    {
        using (var db = Open())
        {
            var outbox = Outbox(db);
            outbox.Enqueue("t", [1], null);
            outbox.Enqueue("t", [2], null);
        }

        using var again = Open();
        var reopened = Outbox(again);
        Assert.Equal(2, reopened.Count);
        var first = reopened.Peek()!;
        Assert.Equal([1], first.Payload);
        reopened.Acknowledge(first.Id);
        Assert.Equal([2], reopened.Peek()!.Payload);
    }

    [Fact]
    public void ModelUploads_Coalesce_NewestWins()
    {
        using var db = Open();
        var outbox = Outbox(db);
        outbox.Enqueue("t", [9], null);
        outbox.Enqueue("up", [1], "model:gw");
        var outcome = outbox.Enqueue("up", [2], "model:gw");
        Assert.Equal(1, outcome.Superseded);
        Assert.Equal(2, outbox.Count);
        outbox.Acknowledge(outbox.Peek()!.Id);
        Assert.Equal([2], outbox.Peek()!.Payload);
        Assert.Equal(1, outbox.Superseded);
    }

    [Fact]
    public void FullOutbox_DropsTheOldest_ByCountAndBytes()
    {
        using var db = Open();
        var outbox = Outbox(db, new OutboxOptions { MaxMessages = 3, MaxBytes = 4096 });
        for (byte i = 1; i <= 5; i++)
        {
            outbox.Enqueue("t", [i], null);
        }

        Assert.Equal(3, outbox.Count);
        Assert.Equal(2, outbox.DroppedOldest);
        Assert.Equal([3], outbox.Peek()!.Payload);

        var bytes = Outbox(db, new OutboxOptions { MaxMessages = 100, MaxBytes = 2048 });
        bytes.Enqueue("t", new byte[1500], null);
        var outcome = bytes.Enqueue("t", new byte[1500], null);
        Assert.True(outcome.DroppedOldest >= 1);
        Assert.True(bytes.Bytes <= 2048);
    }

    [Fact]
    public void MessageLargerThanTheOutbox_IsRefused()
    {
        using var db = Open();
        var outbox = Outbox(db, new OutboxOptions { MaxBytes = 1024 });
        Assert.False(outbox.Enqueue("t", new byte[2000], null).Queued);
        Assert.Equal(0, outbox.Count);
    }

    [Fact]
    public void RepeatedRefusals_MoveTheMessageToDeadLetters()
    {
        using var db = Open();
        var outbox = Outbox(db, new OutboxOptions { MaxAttempts = 3 });
        outbox.Enqueue("t", [1], null);
        outbox.Enqueue("t", [2], null);
        long id = outbox.Peek()!.Id;
        Assert.False(outbox.RecordRefusal(id, "no"));
        Assert.False(outbox.RecordRefusal(id, "no"));
        Assert.True(outbox.RecordRefusal(id, "no"));
        Assert.Equal(1, outbox.DeadLetterCount);
        Assert.Equal([2], outbox.Peek()!.Payload);
    }

    [Fact]
    public void CorruptStateFile_IsMovedAside_AndAFreshOneStarts()
    {
        string path = Path.Combine(_dir, "broken.db");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes(new string('x', 8192)));
        using var db = StateDatabase.Open(path, DurableOutbox.Schema, NullLogger.Instance);
        Assert.NotNull(db.QuarantinedFile);
        Assert.True(File.Exists(db.QuarantinedFile));
        var outbox = Outbox(db);
        outbox.Enqueue("t", [1], null);
        Assert.Equal(1, outbox.Count);
    }

    [Fact]
    public async Task PoisonMessage_IsDeadLettered_AndDoesNotBlockTheQueue()
    {
        // A broker that refuses one payload (PUBACK reason code: payload format invalid).
        int port = TestPorts.Free();
        var factory = new MqttServerFactory();
        using var server = factory.CreateMqttServer(factory.CreateServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointPort(port).Build());
        server.InterceptingPublishAsync += args =>
        {
            if (args.ApplicationMessage.Payload.Length == 6)
            {
                args.ProcessPublish = false;
                args.Response.ReasonCode = MqttPubAckReasonCode.PayloadFormatInvalid;
            }

            return Task.CompletedTask;
        };
        await server.StartAsync();
        var topics = new TopicScheme();
        await using var watcher = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "watch" }, NullLogger.Instance);
        var received = new List<int>();
        var done = new TaskCompletionSource();
        await watcher.SubscribeAsync(topics.CloudUploadFilter, MqttQos.AtLeastOnce, (m, _) =>
        {
            received.Add((int)m.Payload.Length);
            done.TrySetResult();
            return Task.CompletedTask;
        });
        await watcher.StartAsync();
        await watcher.WaitConnectedAsync().WaitAsync(TimeSpan.FromSeconds(20));

        using var db = Open();
        var outbox = Outbox(db, new OutboxOptions { MaxAttempts = 2 });
        outbox.Enqueue(topics.CloudUpload("gw"), new byte[6], null);   // poison
        outbox.Enqueue(topics.CloudUpload("gw"), new byte[10], null);  // behind it
        using var verifier = new TestKeys(_dir).Verifier("cloud");
        await using var uplink = new CloudUplink(new CloudUplinkOptions { Enabled = true, Port = port }, "gw", topics, outbox, verifier, NullLogger.Instance);
        await uplink.StartAsync();

        await done.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // The subscriber may see the message before the publisher's PUBACK removes it from the outbox.
        await TestWait.UntilAsync(() => outbox.Count == 0, "the delivered message removed from the outbox", TimeSpan.FromSeconds(20));

        Assert.Equal([10], received);
        Assert.Equal(1, outbox.DeadLetterCount);
        Assert.Equal(0, outbox.Count);
        await server.StopAsync(new MqttServerStopOptions());
    }
}
