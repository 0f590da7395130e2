using System.Security.Cryptography;
using System.Text.Json;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Wire;
using EdgeFL.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Cli.Tests;

public sealed class InspectDatabaseTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AGatewayDatabase_ShowsEveryTable_DecodedAndCounted()
    {
        string path = _dir["gateway.db"];
        TestDatabases.Gateway(path).Dispose();

        var run = await CliRun.InProcessAsync("inspect", path);

        run.AssertShows(
            "SQLite state database", "opened read-only",
            "table kv: 5 rows", "model: model id mlp, round 12, origin gw-1", "last_adopted_global", "open_round", "open_issued_ms", "1700000000000 (2023-11-14T22:13:20.000Z)",
            "table journal: 1 row", "dev-1", "update: device dev-1, round 12, samples 600",
            "table outbox: 1 row", "edgefl/cloud/uploads/gw-1", "upload: gateway gw-1, upload id gw-1:3",
            "table dead_letter: 1 row", "broker refused it",
            "table future_thing: 2 rows", "later");
    }

    [Fact]
    public async Task Inspect_NeverChangesTheFile_NorAddsOne()
    {
        string path = _dir["gateway.db"];
        TestDatabases.Gateway(path).Dispose();
        string[] filesBefore = Directory.GetFiles(_dir.Path);
        byte[] hashBefore = SHA256.HashData(await File.ReadAllBytesAsync(path));

        Assert.Equal(0, (await CliRun.InProcessAsync("inspect", path)).ExitCode);
        Assert.Equal(0, (await CliRun.InProcessAsync("inspect", "--json", path)).ExitCode);

        Assert.Equal(filesBefore, Directory.GetFiles(_dir.Path));
        Assert.Equal(hashBefore, SHA256.HashData(await File.ReadAllBytesAsync(path)));
    }

    [Fact]
    public async Task ADatabaseInUse_IsReadWithWhatIsCommitted()
    {
        string path = _dir["gateway.db"];
        using var db = TestDatabases.Gateway(path);

        var run = await CliRun.InProcessAsync("inspect", path);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("table outbox: 1 row", run.Output, StringComparison.Ordinal);
        Assert.Equal(1, new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance).Count);
    }

    [Fact]
    public async Task Json_GivesRowsAsObjects_WithDecodedMessages()
    {
        string path = _dir["gateway.db"];
        TestDatabases.Gateway(path).Dispose();

        var run = await CliRun.InProcessAsync("inspect", path, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Output);
        var tables = doc.RootElement.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(["kv", "journal", "outbox", "dead_letter", "future_thing"], tables.Keys);
        var model = tables["kv"].GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("key").GetString() == "model");
        Assert.Equal("mlp", model.GetProperty("value").GetProperty("message").GetProperty("modelId").GetString());
        var queued = tables["outbox"].GetProperty("rows")[0];
        Assert.Equal(0, queued.GetProperty("attempts").GetInt64());
        Assert.Equal("gw-1:3", queued.GetProperty("payload").GetProperty("message").GetProperty("uploadId").GetString());
        Assert.Equal(3, tables["dead_letter"].GetProperty("rows")[0].GetProperty("payload").GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Rows_LimitsWhatIsShown_NotWhatIsCounted()
    {
        string path = _dir["gateway.db"];
        TestDatabases.Gateway(path).Dispose();

        var run = await CliRun.InProcessAsync("inspect", path, "--rows", "1");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("table future_thing: 2 rows", run.Output, StringComparison.Ordinal);
        Assert.Contains("... 1 more", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("later", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACloudDatabase_ShowsTheGlobalModel_AndTheJournaledUploads()
    {
        string path = _dir["cloud.db"];
        TestDatabases.Cloud(path).Dispose();

        var run = await CliRun.InProcessAsync("inspect", path);

        run.AssertShows("global", "model: model id mlp, round 3, origin cloud", "table journal: 1 row", "upload: gateway gw-1, upload id gw-1:4");
    }

    [Fact]
    public async Task ADeviceBuffer_ShowsItsBufferedUpdates()
    {
        string path = _dir["device.db"];
        // A device's buffer is the Journal table (src/DeviceClient's UpdateBuffer, which this project does not reference: it carries TorchSharp).
        using (var db = StateDatabase.Open(path, Journal.Schema, NullLogger.Instance))
        {
            db.InTransaction((c, tx) => Journal.Append(c, tx, 12, "", "buffered-1", new System.Buffers.ReadOnlySequence<byte>(WireCodec.Encode(TestModels.Update("dev-9")))));
        }

        var run = await CliRun.InProcessAsync("inspect", path);

        run.AssertShows("table journal: 1 row", "update: device dev-9");
    }

    [Fact]
    public async Task ACorruptDatabase_IsOneLine_Exit1_AndStaysWhereItIs()
    {
        string path = _dir["cloud.db"];
        byte[] content = [.. "SQLite format 3\0"u8, .. Enumerable.Repeat((byte)0xAB, 4096)];
        await File.WriteAllBytesAsync(path, content);

        var run = await CliRun.InProcessAsync("inspect", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.Error.Trim().Split('\n'));
        Assert.Contains(path, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllBytesAsync(path));
        Assert.Equal([path], Directory.GetFiles(_dir.Path));
    }
}
