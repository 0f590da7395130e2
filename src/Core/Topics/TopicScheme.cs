namespace EdgeFL.Core.Topics;

/// <summary>
/// The MQTT topic tree of EdgeFL (see docs/PROTOCOL.md). Every topic starts with a configurable
/// prefix, <c>edgefl/v1</c> by default.
/// </summary>
public sealed class TopicScheme
{
    /// <summary>The prefix used when none is configured.</summary>
    public const string DefaultPrefix = "edgefl/v1";

    /// <summary>The reserved segment under which the cloud tier's topics live.</summary>
    public const string CloudSegment = "cloud";

    /// <summary>Creates a scheme; the prefix must be a plain topic without wildcards.</summary>
    public TopicScheme(string prefix = DefaultPrefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (prefix.Contains('+') || prefix.Contains('#') || prefix.StartsWith('/') || prefix.EndsWith('/'))
        {
            throw new ArgumentException($"topic prefix '{prefix}' must not hold wildcards or leading/trailing '/'", nameof(prefix));
        }

        Prefix = prefix;
    }

    /// <summary>The prefix every topic starts with.</summary>
    public string Prefix { get; }

    /// <summary>Retained model the gateway publishes at the start of each round.</summary>
    public string GatewayModel(string gatewayId) => $"{Prefix}/{Check(gatewayId)}/model";

    /// <summary>A device's update for a round.</summary>
    public string DeviceUpdate(string gatewayId, string deviceId) => $"{Prefix}/{Check(gatewayId)}/devices/{Check(deviceId)}/update";

    /// <summary>A device's retained status (presence, battery); its last will sets it offline.</summary>
    public string DeviceStatus(string gatewayId, string deviceId) => $"{Prefix}/{Check(gatewayId)}/devices/{Check(deviceId)}/status";

    /// <summary>A device saying it will not take part in a round.</summary>
    public string DeviceDecline(string gatewayId, string deviceId) => $"{Prefix}/{Check(gatewayId)}/devices/{Check(deviceId)}/decline";

    /// <summary>A device's telemetry (battery, link, compute tier, free memory).</summary>
    public string DeviceTelemetry(string gatewayId, string deviceId) => $"{Prefix}/{Check(gatewayId)}/devices/{Check(deviceId)}/telemetry";

    /// <summary>Filter matching every device's telemetry at a gateway.</summary>
    public string DeviceTelemetryFilter(string gatewayId) => $"{Prefix}/{Check(gatewayId)}/devices/+/telemetry";

    /// <summary>Filter matching every device's update at a gateway.</summary>
    public string DeviceUpdateFilter(string gatewayId) => $"{Prefix}/{Check(gatewayId)}/devices/+/update";

    /// <summary>Filter matching every device's status at a gateway.</summary>
    public string DeviceStatusFilter(string gatewayId) => $"{Prefix}/{Check(gatewayId)}/devices/+/status";

    /// <summary>Filter matching every device's declines at a gateway.</summary>
    public string DeviceDeclineFilter(string gatewayId) => $"{Prefix}/{Check(gatewayId)}/devices/+/decline";

    /// <summary>A gateway's upload of its edge model to the cloud broker.</summary>
    public string CloudUpload(string gatewayId) => $"{Prefix}/{CloudSegment}/uploads/{Check(gatewayId)}";

    /// <summary>Filter matching every gateway's uploads.</summary>
    public string CloudUploadFilter => $"{Prefix}/{CloudSegment}/uploads/+";

    /// <summary>The cloud's end-to-end acknowledgements of one gateway's uploads.</summary>
    public string CloudAck(string gatewayId) => $"{Prefix}/{CloudSegment}/acks/{Check(gatewayId)}";

    /// <summary>A gateway's presence at the cloud (<see cref="Messages.GatewayPresence"/>: online, idle, or offline as its last will; QoS 1, not retained).</summary>
    public string CloudGatewayStatus(string gatewayId) => $"{Prefix}/{CloudSegment}/status/{Check(gatewayId)}";

    /// <summary>Filter matching every gateway's presence.</summary>
    public string CloudGatewayStatusFilter => $"{Prefix}/{CloudSegment}/status/+";

    /// <summary>The gateway id in a presence topic, or null.</summary>
    public string? GatewayIdFromStatus(string topic)
    {
        string head = $"{Prefix}/{CloudSegment}/status/";
        if (!topic.StartsWith(head, StringComparison.Ordinal))
        {
            return null;
        }

        var id = topic.AsSpan(head.Length);
        return id.IsEmpty || id.Contains('/') ? null : id.ToString();
    }

    /// <summary>Retained global model the cloud aggregator publishes.</summary>
    public string CloudGlobalModel => $"{Prefix}/{CloudSegment}/global";

    /// <summary>A gateway asking the cloud for its current global model (on every connect; nothing relies on RETAIN).</summary>
    public string CloudGlobalRequest(string gatewayId) => $"{Prefix}/{CloudSegment}/global-requests/{Check(gatewayId)}";

    /// <summary>Filter matching every gateway's global model requests.</summary>
    public string CloudGlobalRequestFilter => $"{Prefix}/{CloudSegment}/global-requests/+";

    /// <summary>The cloud's answer to one gateway's request: the current global model, for that gateway only.</summary>
    public string CloudGlobalFor(string gatewayId) => $"{Prefix}/{CloudSegment}/models/{Check(gatewayId)}";

    /// <summary>The gateway id in a global model request topic, or null.</summary>
    public string? GatewayIdFromGlobalRequest(string topic)
    {
        string head = $"{Prefix}/{CloudSegment}/global-requests/";
        if (!topic.StartsWith(head, StringComparison.Ordinal))
        {
            return null;
        }

        var id = topic.AsSpan(head.Length);
        return id.IsEmpty || id.Contains('/') ? null : id.ToString();
    }

    /// <summary>
    /// The device id in a topic of the form <c>{prefix}/{gateway}/devices/{device}/{leaf}</c>, or null.
    /// </summary>
    public string? DeviceIdFrom(string topic)
    {
        // prefix / gateway / "devices" / device / leaf
        if (!topic.StartsWith(Prefix, StringComparison.Ordinal) || topic.Length <= Prefix.Length || topic[Prefix.Length] != '/')
        {
            return null;
        }

        var rest = topic.AsSpan(Prefix.Length + 1);
        Span<Range> parts = stackalloc Range[5];
        int n = rest.Split(parts, '/');
        if (n != 4 || !rest[parts[1]].SequenceEqual("devices"))
        {
            return null;
        }

        var device = rest[parts[2]];
        return device.IsEmpty ? null : device.ToString();
    }

    /// <summary>A gateway's fleet report for the cloud's dashboard (JSON, QoS 0, not retained; docs/PROTOCOL.md).</summary>
    public string CloudFleetReport(string gatewayId) => $"{Prefix}/{CloudSegment}/fleet/{Check(gatewayId)}";

    /// <summary>Filter matching every gateway's fleet report.</summary>
    public string CloudFleetReportFilter => $"{Prefix}/{CloudSegment}/fleet/+";

    /// <summary>The gateway id in a fleet report topic, or null.</summary>
    public string? GatewayIdFromFleetReport(string topic)
    {
        string head = $"{Prefix}/{CloudSegment}/fleet/";
        if (!topic.StartsWith(head, StringComparison.Ordinal))
        {
            return null;
        }

        var id = topic.AsSpan(head.Length);
        return id.IsEmpty || id.Contains('/') ? null : id.ToString();
    }

    /// <summary>The gateway id in a cloud upload topic, or null.</summary>
    public string? GatewayIdFromUpload(string topic)
    {
        string head = $"{Prefix}/{CloudSegment}/uploads/";
        if (!topic.StartsWith(head, StringComparison.Ordinal))
        {
            return null;
        }

        var id = topic.AsSpan(head.Length);
        return id.IsEmpty || id.Contains('/') ? null : id.ToString();
    }

    /// <summary>True when <paramref name="id"/> can be one topic segment (a gateway or device id).</summary>
    public static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 128 && id != CloudSegment &&
        id.AsSpan().IndexOfAny("/+#\0") < 0 && !id.Any(char.IsWhiteSpace);

    private static string Check(string id) =>
        IsValidId(id) ? id : throw new ArgumentException($"'{id}' is not a valid id: 1-128 characters, no '/', '+', '#', whitespace, and not '{CloudSegment}'", nameof(id));
}
