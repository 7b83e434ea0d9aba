using System.Data;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>One stored raw event with its parsed alerts, ready to apply.</summary>
/// <param name="Scope">A bundle import's scope (<see cref="ImportScope"/>): its alerts dedup and group only among themselves.</param>
public sealed record ParsedEvent(long EventId, Guid IntegrationId, IReadOnlyList<NormalisedAlert> Alerts, string? Scope = null);

/// <summary>What applying a batch did, per raw event and in total.</summary>
public sealed record BatchOutcome(
    IReadOnlyDictionary<long, IReadOnlyList<IncidentRef>> IncidentsByEvent,
    IReadOnlyList<Guid> Opened,
    IReadOnlyList<Guid> Touched,
    IReadOnlyList<Guid> Resolved);

/// <summary>
/// Applies many raw events in one transaction: dedup by fingerprint (repeats within the batch
/// collapse into one row update), grouping into incidents, resolution. Timeline entries are
/// coalesced per incident and batch, so an alert storm writes a handful of rows, not thousands.
/// Only events still marked Received are applied (claimed with FOR UPDATE SKIP LOCKED), so an
/// event is applied once even if two processes or a restart offer it twice.
/// </summary>
public sealed class AlertBatchApplier(
    AppDbContext db,
    IncidentNotifier notifier,
    IEnumerable<IBulkAlertWriteObserver> bulkWriteObservers,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<IngestionOptions> options)
{
    public const string Actor = "ingestion";

    /// <summary>
    /// Applies the events in one transaction. Unless <paramref name="durable"/>, the commit does not wait for
    /// its WAL flush (synchronous_commit off): the raw events were committed durably before their 202, and a
    /// crash that loses this commit leaves them Received, so the sweep applies them again. Whatever must
    /// survive after this commit (a Hangfire enqueue, the next raw insert) flushes the WAL up to its own
    /// commit record, and with it this earlier one. A sender waiting for its incidents gets a flushed commit.
    /// </summary>
    public async Task<BatchOutcome> ApplyAsync(IReadOnlyList<ParsedEvent> events, bool durable, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        // A failure rolls the whole batch back and it starts over: no savepoint round trip per save.
        db.Database.AutoSavepointsEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var claimed = await LockAndClaimAsync(events, durable, (NpgsqlTransaction)tx.GetDbTransaction(), ct);
        var work = events.Where(e => claimed.Contains(e.EventId)).ToList();

        var integrationIds = work.Select(e => e.IntegrationId).Distinct().ToList();
        var integrations = await db.Integrations.AsNoTracking().Where(i => integrationIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);

        // The integration's rules decide identity and group; from here on alerts carry both.
        work = work.Select(e =>
        {
            var rules = integrations.TryGetValue(e.IntegrationId, out var i) ? i.Rules : GroupingRules.Default;
            var kind = i?.Kind ?? SourceKind.Generic;
            return e with { Alerts = e.Alerts.Select(a => ImportScope.Within(e.Scope, a with { Fingerprint = rules.FingerprintOf(kind, a), GroupKey = rules.GroupOf(a).Key })).ToList() };
        }).ToList();

        var state = await LoadStateAsync(work, ct);
        foreach (var (id, integration) in integrations)
        {
            state.Rules[id] = integration.Rules;
            if (integration.Rules.OpenThreshold > 1)
            {
                // Alerts held below the threshold in earlier batches count towards it too.
                var keys = work.Where(e => e.IntegrationId == id).SelectMany(e => e.Alerts).Select(a => a.GroupKey).Distinct().ToList();
                var since = now - integration.Rules.ThresholdWindow;
                var held = await db.Alerts.AsNoTracking()
                    .Where(a => a.IntegrationId == id && keys.Contains(a.GroupKey) && a.IncidentId == null && a.Status == AlertStatus.Firing
                        && a.SilenceId == null && !a.Flapping && a.LastSeenAt >= since)
                    .ToListAsync(ct);
                foreach (var alert in held)
                {
                    state.Load(alert);
                }
            }
        }

        state.Silences.AddRange(await db.Silences.AsNoTracking().Where(x => x.StartsAt <= now && x.EndsAt > now).ToListAsync(ct));
        state.Flap = new FlapRule(options.Value.FlapChanges, options.Value.FlapWindow);
        var byEvent = new Dictionary<long, IReadOnlyList<IncidentRef>>();
        var perEventIncidents = new Dictionary<long, HashSet<Guid>>();
        foreach (var e in work)
        {
            var touchedByEvent = perEventIncidents[e.EventId] = [];
            foreach (var alert in e.Alerts)
            {
                if (Apply(e.IntegrationId, alert, state, now) is { } incident)
                {
                    touchedByEvent.Add(incident.Id);
                    state.Touched.Add(incident.Id);
                }
            }
        }

        WriteCoalescedTimeline(state, now);
        await TellBulkWriteObserversAsync(state, now, ct);
        // Incidents first: new alerts refer to them.
        await db.SaveChangesAsync(ct);
        await AlertWriter.WriteAsync(db, state.Added, state.Changed, ct);
        var resolved = await ResolveIncidentsWhoseAlertsAllResolvedAsync(state, now, ct);
        if (resolved.Count > 0)
        {
            await db.SaveChangesAsync(ct);
        }

        await MarkProcessedAndNotifyAsync(work, state.Touched, state.Counts(), now, ct);
        await tx.CommitAsync(ct);
        notifier.PublishInProcess(state.Touched);

        // Numbers come from the database sequence and are known only after the insert.
        foreach (var (eventId, incidentIds) in perEventIncidents)
        {
            byEvent[eventId] = state.Incidents
                .Where(i => incidentIds.Contains(i.Id))
                .Select(i => new IncidentRef(i.Id, i.Number, i.Reference, state.Opened.Contains(i)))
                .OrderBy(r => r.Number)
                .ToList();
        }

        return new BatchOutcome(byEvent, state.Opened.Select(i => i.Id).ToList(), state.Touched.ToList(), resolved);
    }

    private async Task<BatchState> LoadStateAsync(List<ParsedEvent> work, CancellationToken ct)
    {
        var state = new BatchState();
        foreach (var group in work.GroupBy(e => e.IntegrationId))
        {
            var integrationId = group.Key;
            var fingerprints = group.SelectMany(e => e.Alerts).Select(a => a.Fingerprint).Distinct().ToArray();
            // One unique-index probe per fingerprint, whatever the statistics say: a storm fills a young table faster
            // than autovacuum analyzes it, and with "IntegrationId = x AND Fingerprint = ANY(...)" the planner then
            // filtered every alert of the integration (decision 016). LIMIT 1 keeps the lateral
            // subquery from being flattened into a join the planner could again choose badly.
            // Not tracked: AlertWriter writes them back set-based.
            var known = await db.Alerts.FromSql($"""
                SELECT a.* FROM unnest({fingerprints}::text[]) AS f(fingerprint)
                CROSS JOIN LATERAL (SELECT * FROM alerts WHERE "IntegrationId" = {integrationId} AND "Fingerprint" = f.fingerprint LIMIT 1) AS a
                """).AsNoTracking().ToListAsync(ct);
            foreach (var alert in known)
            {
                state.Load(alert);
            }

            var incidentIds = known.Where(a => a.IncidentId != null).Select(a => a.IncidentId!.Value).Distinct().ToList();
            var groupKeys = group.SelectMany(e => e.Alerts).Select(a => a.GroupKey).Distinct().ToList();
            // Incidents only, not their alerts: an incident of a long storm holds thousands.
            var incidents = await db.Incidents
                .Where(i => incidentIds.Contains(i.Id) || (i.IntegrationId == integrationId && groupKeys.Contains(i.GroupKey) && i.State != IncidentState.Resolved))
                .ToListAsync(ct);
            state.Incidents.AddRange(incidents.Where(i => !state.Incidents.Contains(i)));
        }

        return state;
    }

    private Incident? Apply(Guid integrationId, NormalisedAlert n, BatchState state, DateTimeOffset now)
    {
        if (state.Alerts.TryGetValue((integrationId, n.Fingerprint), out var alert))
        {
            var wasFiring = alert.Status == AlertStatus.Firing;
            var wasFlapping = alert.Flapping;
            alert.Seen(n, now, state.Flap);
            state.Dirty(alert);
            var current = state.Incidents.FirstOrDefault(i => i.Id == alert.IncidentId);
            if (alert.Flapping && !wasFlapping && current is not null)
            {
                state.Note(current.Id).Flapping.Add(alert.Title);
            }

            if (n.Status == AlertStatus.Resolved)
            {
                if (wasFiring && current is not null)
                {
                    state.Note(current.Id).Resolved.Add(alert.Title);
                    current.Touch(now);
                }

                return current;
            }

            if (current is { IsOpen: true })
            {
                current.Touch(now);
                return current;
            }

            // Firing (again) with no open incident: its incident was resolved, or it was silenced.
            if (alert.Flapping)
            {
                // Flapping: it stops re-opening incidents; the last one says so.
                if (current is not null)
                {
                    state.Note(current.Id).Refired.Add(alert.Title);
                    state.Touched.Add(current.Id);
                }

                return null;
            }

            return Silenced(alert, state) ? null : GroupInto(integrationId, n, alert, state, now);
        }

        alert = Alert.FromNotification(integrationId, n, now);
        state.Added.Add(alert);
        state.Alerts[(integrationId, n.Fingerprint)] = alert;
        if (n.Status == AlertStatus.Resolved)
        {
            // A resolve for an alert never seen firing: keep it, open nothing.
            return null;
        }

        return Silenced(alert, state) ? null : GroupInto(integrationId, n, alert, state, now);
    }

    /// <summary>Inside an active maintenance window the alert is kept and marked, and opens nothing.</summary>
    private static bool Silenced(Alert alert, BatchState state)
    {
        var silence = state.Silences.FirstOrDefault(s => s.Matches(alert.Labels));
        alert.SilencedBy(silence?.Id);
        return silence is not null;
    }

    private Incident? GroupInto(Guid integrationId, NormalisedAlert n, Alert alert, BatchState state, DateTimeOffset now)
    {
        var rules = state.RulesFor(integrationId);
        var incident = state.Incidents
            .Where(i => i.IsOpen && i.IntegrationId == integrationId && i.GroupKey == n.GroupKey)
            .MaxBy(i => i.TriggeredAt);
        string? whyNew = null;
        if (incident is not null && rules.CanJoin(incident.TriggeredAt, now, out whyNew))
        {
            var note = state.Note(incident.Id);
            note.Grouped.Add(n);
            // The first alert's reason stands for the batch's (same incident, same rule): built once, not per alert.
            note.GroupedWhy ??= Explain(rules, n);
            incident.Touch(now);
            alert.AttachTo(incident.Id);
            return incident;
        }

        // Threshold to open: distinct firing alerts of the group, without an incident, within the window.
        var members = new List<Alert> { alert };
        if (rules.OpenThreshold > 1)
        {
            var since = now - rules.ThresholdWindow;
            members = state.Alerts.Values
                .Where(a => a.IntegrationId == integrationId && a.GroupKey == n.GroupKey && a.Status == AlertStatus.Firing
                    && a.SilenceId == null && !a.Flapping && a.LastSeenAt >= since
                    && (a.IncidentId == null || state.Incidents.Any(i => i.Id == a.IncidentId && !i.IsOpen)))
                .ToList();
            if (members.Count < rules.OpenThreshold)
            {
                return null;
            }
        }

        incident = Incident.Open(integrationId, n.GroupKey, n.Title, n.Labels.GetValueOrDefault("service"), Severity.P3, now);
        db.Incidents.Add(incident);
        state.Incidents.Add(incident);
        state.Opened.Add(incident);
        var opened = state.Note(incident.Id);
        opened.OpenedBy = n;
        opened.OpenedWhy = Explain(rules, n)
            + (whyNew is null ? "" : $"; not joined to INC-{state.Incidents.First(i => i.GroupKey == n.GroupKey && i.IsOpen && i != incident).Number} because {whyNew}")
            + (rules.OpenThreshold > 1 ? $"; {members.Count} alerts within {GroupingRules.Duration(rules.ThresholdWindow)} reached the threshold of {rules.OpenThreshold}" : "");
        foreach (var member in members)
        {
            member.AttachTo(incident.Id);
            state.Dirty(member);
        }

        return incident;
    }

    private static string Explain(GroupingRules rules, NormalisedAlert n) =>
        rules.Explain(new AlertGroup(n.GroupKey, rules.GroupBy.Count == 0
            ? $"same source group key {n.GroupKey}"
            : string.Join(", ", rules.GroupBy.Select(k => $"{k}={n.Labels.GetValueOrDefault(k, "")}"))));

    /// <summary>
    /// Alerts are written without the change tracker, so the incidents whose alerts joined, left or repeated are
    /// told to the observers here, in the same transaction (analytics marks their closed weeks stale).
    /// </summary>
    private async Task TellBulkWriteObserversAsync(BatchState state, DateTimeOffset now, CancellationToken ct)
    {
        var affected = new HashSet<Guid>();
        foreach (var alert in state.Added.Concat(state.Changed))
        {
            if (alert.IncidentId is { } id)
            {
                affected.Add(id);
            }

            if (state.LoadedIncident.GetValueOrDefault(alert) is { } left)
            {
                affected.Add(left);
            }
        }

        var known = state.Incidents.Where(i => affected.Contains(i.Id)).ToList();
        var triggered = known.Select(i => i.TriggeredAt).ToList();
        var unknown = affected.Except(known.Select(i => i.Id)).ToList();
        if (unknown.Count > 0)
        {
            triggered.AddRange(await db.Incidents.AsNoTracking().Where(i => unknown.Contains(i.Id)).Select(i => i.TriggeredAt).ToListAsync(ct));
        }

        foreach (var observer in bulkWriteObservers)
        {
            observer.AlertsWritten(db, triggered, now);
        }
    }

    /// <summary>One "opened", one "grouped" and one "resolved" line per incident per batch, each saying why.</summary>
    private void WriteCoalescedTimeline(BatchState state, DateTimeOffset now)
    {
        foreach (var (incidentId, note) in state.Notes)
        {
            if (note.OpenedBy is { } first)
            {
                db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.Opened,
                    $"Opened by alert {first.Title}: {note.OpenedWhy}",
                    new() { ["rule"] = note.OpenedWhy ?? "", ["groupKey"] = first.GroupKey, ["fingerprint"] = first.Fingerprint }));
            }

            if (note.Grouped.Count > 0)
            {
                var distinct = note.Grouped.DistinctBy(a => a.Fingerprint).ToList();
                var why = note.GroupedWhy ?? "";
                var reference = state.Incidents.FirstOrDefault(i => i.Id == incidentId)?.Reference ?? "the incident";
                var text = distinct.Count == 1
                    ? $"Alert {distinct[0].Title} grouped into {reference} by {why}"
                    : $"{distinct.Count} alerts grouped into {reference} by {why}";
                db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.AlertGrouped, text, new()
                {
                    ["rule"] = why,
                    ["alerts"] = distinct.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["groupKey"] = distinct[0].GroupKey,
                    ["fingerprints"] = string.Join(", ", distinct.Take(20).Select(a => a.Fingerprint)) + (distinct.Count > 20 ? $" (+{distinct.Count - 20} more)" : ""),
                }));
            }

            if (note.Flapping.Count > 0)
            {
                db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.Note,
                    $"Flapping: {string.Join("; ", note.Flapping.Take(5))} changed state {state.Flap.Changes}+ times within {state.Flap.Window.TotalMinutes:0} min; it will not re-open incidents while it flaps",
                    new() { ["rule"] = "flapping", ["changes"] = state.Flap.Changes.ToString(System.Globalization.CultureInfo.InvariantCulture), ["window"] = state.Flap.Window.ToString() }));
            }

            if (note.Refired.Count > 0)
            {
                db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.Note,
                    $"Fired again while flapping, not re-opened: {string.Join("; ", note.Refired.Take(5))}"));
            }

            if (note.Resolved.Count > 0)
            {
                var text = note.Resolved.Count == 1 ? $"Alert resolved: {note.Resolved[0]}" : $"{note.Resolved.Count} alerts resolved: {string.Join("; ", note.Resolved.Take(5))}";
                db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.AlertResolved, text));
            }
        }
    }

    /// <summary>Asked of the database after the batch is written: it knows every alert of the incident.</summary>
    private async Task<List<Guid>> ResolveIncidentsWhoseAlertsAllResolvedAsync(BatchState state, DateTimeOffset now, CancellationToken ct)
    {
        var candidates = state.Incidents
            .Where(i => i.IsOpen && state.RulesFor(i.IntegrationId).ResolveWhenAllResolved && state.Notes.TryGetValue(i.Id, out var note) && note.Resolved.Count > 0)
            .ToList();
        if (candidates.Count == 0)
        {
            return [];
        }

        var ids = candidates.Select(i => i.Id).ToList();
        var counts = await db.Alerts
            .Where(a => a.IncidentId != null && ids.Contains(a.IncidentId.Value))
            .GroupBy(a => a.IncidentId!.Value)
            .Select(g => new { Id = g.Key, Total = g.Count(), Firing = g.Count(a => a.Status == AlertStatus.Firing) })
            .ToDictionaryAsync(x => x.Id, ct);
        var resolved = new List<Guid>();
        foreach (var incident in candidates)
        {
            if (counts.TryGetValue(incident.Id, out var c) && c.Total > 0 && c.Firing == 0)
            {
                incident.Resolve(Actor, now);
                db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.StateChanged,
                    $"Resolved: all {c.Total} alert(s) resolved at the source"));
                resolved.Add(incident.Id);
            }
        }

        return resolved;
    }

    /// <summary>
    /// One round trip: commit mode, then one writer per integration at a time (locks taken in a fixed order so
    /// batches cannot deadlock), then the claim: only events still Received, skipping those another applier holds.
    /// </summary>
    private async Task<HashSet<long>> LockAndClaimAsync(IReadOnlyList<ParsedEvent> events, bool durable, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(), transaction);
        if (!durable)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"));
        }

        foreach (var integrationId in events.Select(e => e.IntegrationId).Distinct().OrderBy(g => g))
        {
            var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))");
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = integrationId.ToString() });
            batch.BatchCommands.Add(lockCommand);
        }

        var claim = new NpgsqlBatchCommand("""SELECT "Id" FROM alert_events WHERE "Id" = ANY($1) AND "Status" = 'Received' FOR UPDATE SKIP LOCKED""");
        claim.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.EventId).ToArray() });
        batch.BatchCommands.Add(claim);

        var claimed = new HashSet<long>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while ((reader.FieldCount == 0 || reader.GetName(0) != "Id") && await reader.NextResultAsync(ct))
        {
        }

        while (await reader.ReadAsync(ct))
        {
            claimed.Add(reader.GetInt64(0));
        }

        return claimed;
    }

    /// <summary>
    /// Marks the events processed, moves the incidents' alert counts, and notifies other processes (NOTIFY is delivered
    /// at commit), in one round trip. Last, after every EF save of the batch: the counts' UPDATE changes the incidents'
    /// row versions.
    /// </summary>
    private async Task MarkProcessedAndNotifyAsync(List<ParsedEvent> work, IReadOnlyCollection<Guid> touched, IncidentCounts counts, DateTimeOffset now, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
        if (counts.Command() is { } countsCommand)
        {
            batch.BatchCommands.Add(countsCommand);
        }

        if (work.Count > 0)
        {
            var update = new NpgsqlBatchCommand(
                """
                UPDATE alert_events AS e SET "Status" = 'Processed', "AlertCount" = u.count, "ProcessedAt" = $3, "Error" = NULL
                FROM unnest($1, $2) AS u(id, count) WHERE e."Id" = u.id
                """);
            update.Parameters.Add(new NpgsqlParameter { Value = work.Select(e => e.EventId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            update.Parameters.Add(new NpgsqlParameter { Value = work.Select(e => e.Alerts.Count).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            update.Parameters.Add(new NpgsqlParameter { Value = now });
            batch.BatchCommands.Add(update);
        }

        foreach (var notify in notifier.NotifyCommands(touched))
        {
            batch.BatchCommands.Add(notify);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
    }

    private sealed class BatchState
    {
        public Dictionary<(Guid, string), Alert> Alerts { get; } = [];

        /// <summary>Alerts to insert and to update at the end of the batch (AlertWriter).</summary>
        public HashSet<Alert> Added { get; } = [];
        public HashSet<Alert> Changed { get; } = [];

        /// <summary>The incident each stored alert belonged to when loaded (for the rollup's stale marks).</summary>
        public Dictionary<Alert, Guid?> LoadedIncident { get; } = [];

        /// <summary>Each stored alert's part in its incident's figures when loaded (for the incidents' counts).</summary>
        public Dictionary<Alert, IncidentCounts.Contribution> Loaded { get; } = [];

        public void Load(Alert alert)
        {
            if (Alerts.TryAdd((alert.IntegrationId, alert.Fingerprint), alert))
            {
                LoadedIncident[alert] = alert.IncidentId;
                Loaded[alert] = ContributionOf(alert);
            }
        }

        public static IncidentCounts.Contribution ContributionOf(Alert alert) =>
            new(alert.IncidentId, alert.Status == AlertStatus.Firing, alert.Count, alert.Flapping);

        /// <summary>What this batch changed in its incidents' figures: every written alert, from as loaded to as written.</summary>
        public IncidentCounts Counts()
        {
            var counts = new IncidentCounts();
            foreach (var alert in Added.Concat(Changed))
            {
                counts.Change(Loaded.TryGetValue(alert, out var before) ? before : null, ContributionOf(alert));
            }

            return counts;
        }

        public void Dirty(Alert alert)
        {
            if (!Added.Contains(alert))
            {
                Changed.Add(alert);
            }
        }

        public List<Incident> Incidents { get; } = [];
        public HashSet<Incident> Opened { get; } = [];
        public HashSet<Guid> Touched { get; } = [];
        public Dictionary<Guid, TimelineNote> Notes { get; } = [];
        public List<Silence> Silences { get; } = [];
        public Dictionary<Guid, GroupingRules> Rules { get; } = [];

        public GroupingRules RulesFor(Guid integrationId) => Rules.GetValueOrDefault(integrationId) ?? GroupingRules.Default;
        public FlapRule Flap { get; set; } = new(4, TimeSpan.FromMinutes(30));

        public TimelineNote Note(Guid incidentId) => Notes.TryGetValue(incidentId, out var note) ? note : Notes[incidentId] = new TimelineNote();
    }

    private sealed class TimelineNote
    {
        public NormalisedAlert? OpenedBy { get; set; }
        public string? OpenedWhy { get; set; }
        public List<NormalisedAlert> Grouped { get; } = [];
        public string? GroupedWhy { get; set; }
        public List<string> Resolved { get; } = [];
        public List<string> Flapping { get; } = [];
        public List<string> Refired { get; } = [];
    }
}
