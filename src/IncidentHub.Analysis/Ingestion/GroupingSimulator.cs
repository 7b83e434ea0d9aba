namespace IncidentHub.Analysis.Ingestion;

/// <summary>One incident a simulation opened.</summary>
public sealed record SimulatedIncident(string GroupKey, string Fields, DateTimeOffset OpenedAt, int Alerts, int Notifications, DateTimeOffset? ResolvedAt);

public sealed record SimulationResult(IReadOnlyList<SimulatedIncident> Incidents, int Notifications, int Alerts, int HeldBelowThreshold);

/// <summary>
/// Replays stored notifications (oldest first) through grouping rules without touching the
/// database: dedup by fingerprint, grouping, maximum age, threshold to open, per-alert resolution.
/// The Integrations page runs it twice, current and proposed rules, before anything is saved.
/// </summary>
public static class GroupingSimulator
{
    public static SimulationResult Run(SourceKind kind, GroupingRules rules, IEnumerable<(DateTimeOffset At, NormalisedAlert Alert)> notifications)
    {
        var alerts = new Dictionary<string, SimAlert>(StringComparer.Ordinal);
        var open = new Dictionary<string, SimIncident>(StringComparer.Ordinal);
        var all = new List<SimIncident>();
        var count = 0;
        foreach (var (at, n) in notifications.OrderBy(x => x.At))
        {
            count++;
            var fingerprint = rules.FingerprintOf(kind, n);
            var group = rules.GroupOf(n);
            if (!alerts.TryGetValue(fingerprint, out var alert))
            {
                alert = alerts[fingerprint] = new SimAlert(group.Key);
            }

            alert.Notifications++;
            alert.Firing = n.Status == AlertStatus.Firing;
            alert.LastFiredAt = alert.Firing ? at : alert.LastFiredAt;
            if (alert.Incident is { ResolvedAt: null } current)
            {
                current.Notifications++;
                if (!alert.Firing && rules.ResolveWhenAllResolved && current.Members.All(m => !m.Firing))
                {
                    current.ResolvedAt = at;
                    open.Remove(current.Key);
                }

                continue;
            }

            if (!alert.Firing)
            {
                continue;
            }

            if (open.TryGetValue(group.Key, out var incident) && rules.CanJoin(incident.OpenedAt, at, out _))
            {
                incident.Members.Add(alert);
                incident.Notifications++;
                alert.Incident = incident;
                continue;
            }

            // Threshold: distinct firing alerts of the group, without an incident, within the window.
            var pending = alerts.Values.Where(a => a.Key == group.Key && a.Firing && a.Incident is not { ResolvedAt: null } && a.LastFiredAt >= at - rules.ThresholdWindow).ToList();
            if (pending.Count < rules.OpenThreshold)
            {
                continue;
            }

            incident = new SimIncident(group.Key, group.Fields, at);
            foreach (var member in pending)
            {
                member.Incident = incident;
                incident.Members.Add(member);
            }

            incident.Notifications++;
            open[group.Key] = incident;
            all.Add(incident);
        }

        var held = alerts.Values.Count(a => a.Incident is null && a.Firing);
        return new SimulationResult(
            all.Select(i => new SimulatedIncident(i.Key, i.Fields, i.OpenedAt, i.Members.Count, i.Notifications, i.ResolvedAt)).ToList(),
            count, alerts.Count, held);
    }

    private sealed class SimAlert(string key)
    {
        public string Key { get; } = key;
        public bool Firing { get; set; }
        public DateTimeOffset LastFiredAt { get; set; }
        public int Notifications { get; set; }
        public SimIncident? Incident { get; set; }
    }

    private sealed class SimIncident(string key, string fields, DateTimeOffset openedAt)
    {
        public string Key { get; } = key;
        public string Fields { get; } = fields;
        public DateTimeOffset OpenedAt { get; } = openedAt;
        public List<SimAlert> Members { get; } = [];
        public int Notifications { get; set; }
        public DateTimeOffset? ResolvedAt { get; set; }
    }
}
