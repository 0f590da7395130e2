using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway.Selection;

/// <summary>
/// Picks each round's participants from the fleet's telemetry (Energy mode). Of the online devices,
/// those below <see cref="SelectionOptions.MinBatteryLevel"/> and not charging are left out; so are
/// those whose expected training time exceeds the budget, unless they were skipped for that
/// <see cref="SelectionOptions.MaxSkippedRounds"/> times in a row. Of the rest, a
/// <see cref="SelectionOptions.ParticipantFraction"/> is picked, least recently picked first (then
/// charging or fuller batteries first, then a per-round shuffle): a round robin, so no eligible device
/// is always picked or always rested. Devices without (recent) telemetry count as eligible.
/// </summary>
internal sealed class ParticipantSelector
{
    private readonly SelectionOptions _options;
    private readonly GatewayOptions _gateway;
    private readonly FleetTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, History> _history = new(StringComparer.Ordinal);

    public ParticipantSelector(SelectionOptions options, GatewayOptions gateway, FleetTelemetry telemetry, TimeProvider time, ILogger<ParticipantSelector> logger)
    {
        _options = options;
        _gateway = gateway;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
    }

    /// <summary>Rounds each device was picked in so far.</summary>
    public IReadOnlyDictionary<string, long> TimesSelected
    {
        get { lock (_lock) { return _history.ToDictionary(kv => kv.Key, kv => kv.Value.Times, StringComparer.Ordinal); } }
    }

    /// <summary>The devices to train in <paramref name="round"/>, or null when every device may train.</summary>
    public IReadOnlyList<string>? Choose(long round, IReadOnlyCollection<string> online)
    {
        if (_options.Mode == SelectionMode.All)
        {
            return null;
        }

        double budget = (_options.TrainingBudget ?? _gateway.Rounds.Deadline).TotalSeconds;
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var candidates = new List<(string Id, History History, double Preference)>();
            int lowBattery = 0, tooSlow = 0;
            foreach (string id in online.Order(StringComparer.Ordinal))
            {
                var h = HistoryOf(id);
                var t = _telemetry.Get(id);
                if (t is not null && now - t.At > _options.TelemetryMaxAge)
                {
                    t = null;
                }

                if (t is not null && !t.Charging && t.BatteryLevel < _options.MinBatteryLevel)
                {
                    lowBattery++;
                    continue;
                }

                if (t is not null && t.EstimatedTrainingSeconds > budget && h.SlowSkips < _options.MaxSkippedRounds)
                {
                    h.SlowSkips++;
                    tooSlow++;
                    continue;
                }

                double preference = t is null ? 1.0 : t.Charging ? 2.0 : t.BatteryLevel;
                candidates.Add((id, h, preference));
            }

            if (candidates.Count == 0)
            {
                SelectionLog.NoneEligible(_logger, _gateway.GatewayId, round);
                return null;
            }

            int take = Math.Max(1, (int)Math.Ceiling(_options.ParticipantFraction * candidates.Count));
            var picked = candidates
                .OrderBy(c => c.History.LastRound)
                .ThenByDescending(c => c.Preference)
                .ThenBy(c => Shuffle(c.Id, round))
                .Take(take)
                .Select(c => c.Id)
                .ToList();
            foreach (string id in picked)
            {
                var h = _history[id];
                h.LastRound = round;
                h.SlowSkips = 0;
                h.Times++;
            }

            SelectionLog.Selected(_logger, _gateway.GatewayId, round, picked.Count, online.Count, lowBattery, tooSlow, candidates.Count - picked.Count);
            picked.Sort(StringComparer.Ordinal);
            return picked;
        }
    }

    private History HistoryOf(string id)
    {
        if (!_history.TryGetValue(id, out var h))
        {
            _history[id] = h = new History();
        }

        return h;
    }

    // A stable per-(device, round) order for ties, so equal devices do not always line up the same way.
    private static uint Shuffle(string id, long round)
    {
        uint hash = 2166136261 ^ (uint)round ^ (uint)(round >> 32);
        foreach (char c in id)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }

    private sealed class History
    {
        public long LastRound { get; set; } = -1;

        public int SlowSkips { get; set; }

        public long Times { get; set; }
    }
}
