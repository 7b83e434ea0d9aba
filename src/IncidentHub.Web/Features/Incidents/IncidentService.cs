using IncidentHub.Analysis.Ingestion;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using IncidentHub.Web.Infrastructure.Errors;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>Reads incidents for the wall, the incident page and the API; runs people's actions on them.</summary>
public sealed class IncidentService(IDbContextFactory<AppDbContext> dbFactory, IIncidentNotifier notifier, TimeProvider clock, IncidentPipeline pipeline)
{
    public async Task<IReadOnlyList<IncidentSummary>> ListAsync(bool openOnly = true, int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Incidents.AsNoTracking();
        if (openOnly)
        {
            query = query.Where(i => i.State != IncidentState.Resolved);
        }

        // The counts are the incident's own columns (IncidentCounts): one index scan, no alert is read.
        // The number breaks ties: a flood opens many incidents in one batch, at the same instant, and without it each read
        // took a different 200 of them and ordered them differently, so rows came and went and moved on every wall.
        var rows = await query
            .OrderBy(i => i.ResolvedAt != null)
            .ThenByDescending(i => i.TriggeredAt)
            .ThenByDescending(i => i.Number)
            .Take(take)
            .ToListAsync(ct);

        // Worst severity first, then newest: what needs eyes at the top.
        return rows
            .Select(i => ToSummary(i, i.AlertCount, i.FiringCount, i.NotificationCount, i.FlappingCount))
            .OrderBy(s => s.State == IncidentState.Resolved)
            .ThenBy(s => s.Severity)
            .ThenByDescending(s => s.TriggeredAt)
            .ThenByDescending(s => s.Number)
            .ToList();
    }

    /// <summary>The incident page and API show this many alerts, the most recently seen; the counts cover all of them.</summary>
    public const int AlertsShown = 200;

    public async Task<IncidentDetail?> GetAsync(int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);

        // Three statements in one snapshot (a job's commit between them would show a timeline entry, "Investigating", next
        // to the row from before it). The alerts are their own top-N by (IncidentId, LastSeenAt): a filtered Include with
        // Take becomes ROW_NUMBER() over every alert of every incident (a sort of the whole table: 2 s at 700,000 alerts).
        await using var snapshot = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Number == number, ct);
        if (incident is null)
        {
            return null;
        }

        var alerts = await db.Alerts.AsNoTracking()
            .Where(a => a.IncidentId == incident.Id)
            .OrderByDescending(a => a.LastSeenAt).ThenBy(a => a.Id)
            .Take(AlertsShown)
            .ToListAsync(ct);
        var timeline = await db.Timeline.AsNoTracking()
            .Where(t => t.IncidentId == incident.Id)
            .OrderBy(t => t.At).ThenBy(t => t.Id)
            .ToListAsync(ct);

        var summary = ToSummary(incident, incident.AlertCount, incident.FiringCount, incident.NotificationCount, incident.FlappingCount);
        return new IncidentDetail(
            summary,
            incident.GroupKey,
            incident.TriageConfidence,
            incident.TriageReason,
            incident.AcknowledgedBy,
            incident.ResolvedBy,
            new PhaseTimes(incident.TriggeredAt, incident.AcknowledgedAt, incident.InvestigatingAt, incident.AwaitingApprovalAt,
                incident.MitigatingAt, incident.MonitoringAt, incident.ResolvedAt, incident.EscalatedAt, incident.SuppressedAt),
            alerts.Select(a => new AlertView(a.Id, a.Fingerprint, a.Title, a.Status, a.Labels, a.Annotations, a.StartsAt, a.EndsAt, a.LastSeenAt, a.Count, WebLinks.HttpOrNull(a.SourceUrl), a.Flapping, a.SilenceId)).ToList(),
            CoalesceGrouping(timeline.Select(t => new TimelineEntryView(t.Id, t.At, t.Actor, t.Kind, t.Text, t.Details)).ToList()));
    }

    /// <summary>
    /// A storm writes one "alerts grouped" line per intake batch: thousands on one incident. A run of them with nothing
    /// else in between is shown as one line that says how many there were and over what time (the stored lines stay).
    /// </summary>
    public static IReadOnlyList<TimelineEntryView> CoalesceGrouping(IReadOnlyList<TimelineEntryView> timeline)
    {
        var shown = new List<TimelineEntryView>(timeline.Count);
        for (var i = 0; i < timeline.Count; i++)
        {
            var end = i;
            while (timeline[i].Kind == TimelineKind.AlertGrouped && end + 1 < timeline.Count && timeline[end + 1].Kind == TimelineKind.AlertGrouped)
            {
                end++;
            }

            if (end - i + 1 < 3)
            {
                shown.AddRange(timeline.Skip(i).Take(end - i + 1));
            }
            else
            {
                var run = timeline.Skip(i).Take(end - i + 1).ToList();
                var alerts = run.Sum(t => t.Details.TryGetValue("alerts", out var n) && int.TryParse(n, out var count) ? count : 1);
                var first = run[0];
                var last = run[^1];
                var details = new Dictionary<string, string>(first.Details)
                {
                    ["lines"] = run.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["until"] = last.At.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                };
                shown.Add(new TimelineEntryView(first.Id, first.At, first.Actor, TimelineKind.AlertGrouped,
                    $"{alerts:N0} alerts grouped in {run.Count:N0} intake batches from {first.At:HH:mm:ss} to {last.At:HH:mm:ss} UTC; the first: {first.Text}", details));
            }

            i = end;
        }

        return shown;
    }

    public async Task AcknowledgeAsync(int number, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "acknowledge incidents");
        var by = actor.Name;
        var id = await ActAsync(number, by, ct, (incident, at) =>
        {
            incident.Acknowledge(by, at);
            return TimelineEntry.Create(incident.Id, at, by, TimelineKind.Acknowledged, $"Acknowledged by {by}");
        });

        pipeline.Acknowledged(id);
    }

    public async Task ResolveAsync(int number, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "resolve incidents");
        var by = actor.Name;
        var id = await ActAsync(number, by, ct, (incident, at) =>
        {
            var from = incident.State;
            incident.Resolve(by, at);
            return TimelineEntry.Create(incident.Id, at, by, TimelineKind.StateChanged, $"Resolved by {by} (was {from})");
        });

        pipeline.Resolved(id, byPerson: true);
    }

    private async Task<Guid> ActAsync(int number, string by, CancellationToken ct, Func<Incident, DateTimeOffset, TimelineEntry> action)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // An agent may write the same incident at the same moment (optimistic concurrency on
        // xmin). Re-read and re-decide: the action checks the fresh state, so a person never
        // overwrites a change they did not see.
        try
        {
            return await OptimisticConcurrency.RetryAsync(db, 3, async _ =>
            {
                var incident = await db.Incidents.SingleOrDefaultAsync(i => i.Number == number, ct)
                    ?? throw new NotFoundException($"There is no incident INC-{number}.", "Incident not found");
                db.Timeline.Add(action(incident, clock.GetUtcNow()));
                await db.SaveChangesAsync(ct);
                await notifier.PublishAsync([incident.Id], ct);
                return incident.Id;
            });
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new IncidentConflictException($"INC-{number} keeps changing while {by} acts on it; reload and try again.");
        }
    }

    private static IncidentSummary ToSummary(Incident i, int alerts, int firing, long notifications, int flapping) =>
        new(i.Id, i.Number, $"INC-{i.Number}", i.Title, i.Service, i.Severity, i.State, i.TriggeredAt, i.AcknowledgedAt, i.ResolvedAt,
            alerts, firing, notifications, i.UpdatedAt, flapping, i.Origin);
}
