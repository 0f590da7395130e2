using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Server;

namespace EdgeFL.Messaging.Broker;

/// <summary>
/// Delivers the retained messages a subscription could have missed in MQTTnet 5.2's server.
/// </summary>
/// <remarks>
/// MQTTnet reads the retained messages for a SUBSCRIBE before it registers the subscription, and a publish
/// stores its retained message before it looks up the subscribers. A retained message stored between those
/// two steps of a subscribe reaches neither the retained read nor the subscriber: a device that subscribes
/// to its gateway's model as the gateway publishes a round's model misses that round. This guard numbers
/// every change of the retained store (after the store is updated), notes the number when a client's
/// SUBSCRIBE arrives (before the retained read), and once the subscription is registered enqueues to that
/// client the current retained message of every matching topic changed since. A message that did arrive
/// arrives twice, which QoS 1 allows and receivers handle (it is the same retained message).
/// </remarks>
internal sealed class RetainedSubscribeGuard
{
    private readonly MqttServer _server;
    private readonly ConcurrentDictionary<string, long> _changedAt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _subscribeStartedAt = new(StringComparer.Ordinal);
    private long _changes;
    private long _redelivered;

    public RetainedSubscribeGuard(MqttServer server)
    {
        _server = server;
        server.RetainedMessageChangedAsync += OnRetainedChanged;
        server.InterceptingInboundPacketAsync += OnInboundPacket;
        server.ClientSubscribedTopicAsync += OnSubscribedAsync;
        server.ClientDisconnectedAsync += OnDisconnected;
    }

    /// <summary>Retained messages enqueued again to a subscriber that may have missed them.</summary>
    public long Redelivered => Interlocked.Read(ref _redelivered);

    private Task OnRetainedChanged(RetainedMessageChangedEventArgs args)
    {
        _changedAt[args.ChangedRetainedMessage.Topic] = Interlocked.Increment(ref _changes);
        return Task.CompletedTask;
    }

    private Task OnInboundPacket(InterceptingPacketEventArgs args)
    {
        if (args.Packet is MqttSubscribePacket)
        {
            // A client's packets are handled one at a time: this is the start of this SUBSCRIBE's handling.
            _subscribeStartedAt[args.ClientId] = Interlocked.Read(ref _changes);
        }

        return Task.CompletedTask;
    }

    private async Task OnSubscribedAsync(ClientSubscribedTopicEventArgs args)
    {
        if (!_subscribeStartedAt.TryGetValue(args.ClientId, out long started) || Interlocked.Read(ref _changes) == started)
        {
            return;
        }

        MqttSessionStatus? session = null;
        foreach (var (topic, changedAt) in _changedAt)
        {
            if (changedAt <= started || MqttTopicFilterComparer.Compare(topic, args.TopicFilter.Topic) != MqttTopicFilterCompareResult.IsMatch)
            {
                continue;
            }

            var message = await _server.GetRetainedMessageAsync(topic).ConfigureAwait(false);
            if (message is null || message.Payload.IsEmpty)
            {
                continue;
            }

            session ??= await _server.GetSessionAsync(args.ClientId).ConfigureAwait(false);
            if (session is null)
            {
                return;
            }

            if (session.TryEnqueueApplicationMessage(message, out _))
            {
                Interlocked.Increment(ref _redelivered);
            }
        }
    }

    private Task OnDisconnected(ClientDisconnectedEventArgs args)
    {
        _subscribeStartedAt.TryRemove(args.ClientId, out _);
        return Task.CompletedTask;
    }
}
