using System.Diagnostics.Metrics;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Messaging.Flow;

namespace EdgeFL.Messaging.Broker;

/// <summary>
/// The embedded broker's counters, published as the instruments of its meter <c>EdgeFL.Broker</c>
/// (docs/OPERATIONS.md lists them). Counting is one interlocked add; gauges are read when collected.
/// </summary>
internal sealed class BrokerMetrics
{
    private int _connectedClients;

    public BrokerMetrics(Meter meter, RetainedSubscribeGuard retained, ReceiveBudget? budget, ByteTally? bytes = null)
    {
        ConnectionsRefused = new Tally(meter, "edgefl.broker.connections.refused", "{connection}", "Connections refused: bad or missing credentials, a reserved client id.");
        PublishesRefused = new Tally(meter, "edgefl.broker.publishes.refused", "{message}", "Publishes refused because the client had no right to the topic.");
        SubscriptionsRefused = new Tally(meter, "edgefl.broker.subscriptions.refused", "{subscription}", "Subscriptions refused because the client had no right to the filter.");
        OversizeDropped = new Tally(meter, "edgefl.broker.oversize.dropped", "{packet}", "Publishes over the size limit dropped, and connections closed for announcing a packet over it.");
        RetainedRefused = new Tally(meter, "edgefl.broker.retained.refused", "{message}", "Retained publishes refused because the retained messages would exceed Broker:MaxRetainedBytes.");
        ConnectionsOverLimit = new Tally(meter, "edgefl.broker.connections.over_limit", "{connection}", "Connections closed as they were accepted because Broker:MaxConnections were open.");
        meter.CreateObservableUpDownCounter("edgefl.broker.clients.connected", () => ConnectedClients, "{client}", "Clients connected now.");
        meter.CreateObservableCounter("edgefl.broker.retained.redelivered", () => retained.Redelivered, "{message}", "Retained messages enqueued again to a subscriber whose SUBSCRIBE raced their publish.");
        if (bytes is not null)
        {
            meter.CreateObservableCounter("edgefl.broker.bytes.received", () => bytes.ReceivedBytes, "By", "Bytes read from the broker's client connections (TLS payload after decryption).");
            meter.CreateObservableCounter("edgefl.broker.bytes.sent", () => bytes.SentBytes, "By", "Bytes written to the broker's client connections (before TLS).");
        }

        if (budget is not null)
        {
            meter.CreateObservableCounter("edgefl.broker.receive_budget.waits", () => budget.Waits, "{wait}", "Times a connection had to wait for the receive budget before reading a large body.");
            meter.CreateObservableGauge("edgefl.broker.receive_budget.capacity", () => budget.Capacity, "By", "Bytes of large packet bodies the broker may hold at once.");
            meter.CreateObservableGauge("edgefl.broker.receive_budget.in_use", () => budget.InUse, "By", "Bytes of large packet bodies held now.");
            meter.CreateObservableGauge("edgefl.broker.receive_budget.waiting", () => budget.Waiting, "{connection}", "Connections waiting for the receive budget now.");
            meter.CreateObservableCounter("edgefl.broker.receive_budget.overdrafts", () => budget.Overdrafts, "{packet}", "Bodies let in over the budget because it had stalled.");
        }
    }

    public Tally ConnectionsRefused { get; }

    public Tally PublishesRefused { get; }

    public Tally SubscriptionsRefused { get; }

    public Tally OversizeDropped { get; }

    public Tally RetainedRefused { get; }

    public Tally ConnectionsOverLimit { get; }

    public int ConnectedClients => Volatile.Read(ref _connectedClients);

    public void ClientConnected() => Interlocked.Increment(ref _connectedClients);

    public void ClientDisconnected() => Interlocked.Decrement(ref _connectedClients);
}
