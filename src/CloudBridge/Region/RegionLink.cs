using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Topics;
using EdgeFL.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudBridge.Region;

/// <summary>
/// A region's link to the tier above (<c>Cloud:Uplink</c>): the gateway's own uplink code (<see cref="CloudUplink"/> over a
/// <see cref="DurableOutbox"/> in cloud.db), uploading under <c>Cloud:RegionId</c> with the upload ids of
/// <see cref="UploadSequence"/>, and taking only global models signed by a key of <c>Cloud:Signing:UplinkPublicKeyPath</c>.
/// </summary>
internal sealed class RegionLink : IRegionUplink, IHostedService, IAsyncDisposable
{
    private readonly StateDatabase _db;
    private readonly string _regionId;
    private readonly ILogger _logger;
    private readonly CloudAggregatorOptions _options;
    private int _disposed;

    public RegionLink(IOptions<CloudAggregatorOptions> options, StateDatabase db, CloudMetrics metrics, ILoggerFactory loggers)
    {
        var o = _options = options.Value;
        _db = db;
        _regionId = o.RegionId!;
        _logger = loggers.CreateLogger<RegionLink>();
        Outbox = new DurableOutbox(db, new OutboxOptions(), loggers.CreateLogger<DurableOutbox>());
        Uplink = new CloudUplink(o.Uplink, _regionId, new TopicScheme(o.TopicPrefix), Outbox, ModelVerifier.FromFile(o.Signing.UplinkPublicKeyPath, requireSigned: true), loggers.CreateLogger<CloudUplink>());
        Uplink.GlobalRejected += metrics.CountUpperGlobalRejected;
    }

    /// <summary>The uplink to the tier above.</summary>
    public CloudUplink Uplink { get; }

    /// <summary>The region's outbox (in cloud.db).</summary>
    public DurableOutbox Outbox { get; }

    /// <summary>The newest global model of the tier above that passed the signature check, if any.</summary>
    public ModelMessage? LatestGlobal => Uplink.LatestGlobal;

    public void Enqueue(SqliteConnection c, SqliteTransaction tx, ModelMessage regional)
    {
        var (incarnation, sequence) = UploadSequence.Next(c, tx);
        var upload = new GatewayUpload(
            _regionId,
            GatewayUpload.MakeUploadId(_regionId, incarnation, sequence),
            sequence,
            regional.ModelId,
            regional.Round,
            Math.Max(1, regional.TotalSamples),
            regional.IssuedAt,
            regional.Model);
        var (topic, payload, key) = Uplink.Prepare(upload);
        if (Outbox.Enqueue(c, tx, topic, payload, key).Queued)
        {
            RegionLog.UploadQueued(_logger, _regionId, regional.Round, upload.TotalSamples, upload.UploadId);
        }
        else
        {
            RegionLog.UploadTooLarge(_logger, _regionId, upload.UploadId, payload.Length);
        }
    }

    public void EnqueueAlone(ModelMessage regional) => _db.InTransaction((c, tx) => Enqueue(c, tx, regional));

    public void Committed() => Outbox.NotifyEnqueued();

    /// <summary>The region's id on the tier above.</summary>
    public string RegionId => _regionId;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        RegionLog.Started(_logger, _regionId, _options.Uplink.Host, _options.Uplink.Port, _options.Signing.UplinkPublicKeyPath!);
        return Uplink.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Uplink.StopAsync(cancellationToken);

    /// <summary>Disposes the uplink once (the host disposes this both as a singleton and as a hosted service).</summary>
    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 0 ? Uplink.DisposeAsync() : ValueTask.CompletedTask;
}
