using System.Data;
using Hangfire;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Infrastructure.Live;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>What a processed payload did: the incidents it touched and the ones it opened.</summary>
public sealed record IngestOutcome(long EventId, int AlertCount, IReadOnlyList<IncidentRef> Incidents);

public sealed record IncidentRef(Guid Id, int Number, string Reference, bool Opened);

/// <summary>
/// Receives a webhook: the raw body is committed first (the inbox), then the payload is
/// normalised, deduplicated by fingerprint and grouped into incidents in one transaction.
/// Whatever happens after the raw row is stored, the row says how it ended.
/// </summary>
public sealed class IngestionService(
    AppDbContext db,
    TimeProvider clock,
    IIncidentNotifier notifier,
    IBackgroundJobClient jobs,
    ILogger<IngestionService> logger)
{
    public const string Actor = "ingestion";

    private const int MaxAttempts = 5;

    public async Task<Integration?> AuthenticateAsync(SourceKind kind, string token, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200)
        {
            return null;
        }

        var hash = SecretTokens.Hash(token);
        return await db.Integrations.AsNoTracking().SingleOrDefaultAsync(i => i.TokenHash == hash && i.Kind == kind, ct);
    }

    public async Task<AlertEvent> StoreRawAsync(Guid integrationId, Dictionary<string, string> headers, byte[] body, long bodySize, CancellationToken ct)
    {
        var raw = AlertEvent.Receive(integrationId, clock.GetUtcNow(), headers, body, bodySize);
        db.AlertEvents.Add(raw);
        await db.SaveChangesAsync(ct);
        return raw;
    }

    public async Task RejectAsync(AlertEvent raw, string error, CancellationToken ct)
    {
        raw.MarkRejected(error, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Parses and applies a stored raw event. Returns the parse error for the sender, if any.</summary>
    public async Task<(IngestOutcome? Outcome, string? Error)> ProcessAsync(AlertEvent raw, SourceKind kind, CancellationToken ct)
    {
        var parsed = AlertSources.Parse(kind, raw.Body, raw.ReceivedAt, new Dictionary<string, string>(raw.Headers, StringComparer.OrdinalIgnoreCase));
        if (parsed.Error is not null)
        {
            await RejectAsync(raw, parsed.Error, ct);
            return (null, parsed.Error);
        }

        try
        {
            // A triage job or a person may change one of the incidents meanwhile (optimistic
            // concurrency on xmin): start over from fresh rows; the transaction makes that safe.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var outcome = await ApplyAsync(raw, parsed.Alerts, ct);
                    return (outcome, null);
                }
                catch (DbUpdateConcurrencyException) when (attempt < MaxAttempts)
                {
                    logger.LogDebug("Raw event {EventId} raced with another change; attempt {Attempt}", raw.Id, attempt + 1);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Processing raw event {EventId} failed", raw.Id);
            db.ChangeTracker.Clear();
            await db.AlertEvents.Where(e => e.Id == raw.Id).ExecuteUpdateAsync(
                s => s.SetProperty(e => e.Status, RawEventStatus.Failed)
                      .SetProperty(e => e.Error, Truncate(Describe(ex), 4000))
                      .SetProperty(e => e.ProcessedAt, clock.GetUtcNow()),
                CancellationToken.None);
            throw;
        }
    }

    private async Task<IngestOutcome> ApplyAsync(AlertEvent raw, IReadOnlyList<NormalisedAlert> alerts, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var touched = new HashSet<Guid>();
        var opened = new List<Incident>();

        db.ChangeTracker.Clear();
        await using (var tx = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct))
        {
            // One writer per integration at a time: two notifications for one alert cannot both insert it.
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({raw.IntegrationId.ToString()}, 0))", ct);

            var fingerprints = alerts.Select(a => a.Fingerprint).Distinct().ToList();
            var known = await db.Alerts
                .Where(a => a.IntegrationId == raw.IntegrationId && fingerprints.Contains(a.Fingerprint))
                .ToDictionaryAsync(a => a.Fingerprint, ct);
            var incidentIds = known.Values.Where(a => a.IncidentId != null).Select(a => a.IncidentId!.Value).Distinct().ToList();
            var groupKeys = alerts.Select(a => a.GroupKey).Distinct().ToList();
            var incidents = await db.Incidents
                .Where(i => incidentIds.Contains(i.Id) || (i.IntegrationId == raw.IntegrationId && groupKeys.Contains(i.GroupKey) && i.State != Analysis.Incidents.IncidentState.Resolved))
                .Include(i => i.Alerts)
                .ToListAsync(ct);

            foreach (var n in alerts)
            {
                var incident = Apply(raw.IntegrationId, n, known, incidents, opened, now);
                if (incident is not null)
                {
                    touched.Add(incident.Id);
                }
            }

            ResolveIncidentsWhoseAlertsAllResolved(incidents.Where(i => touched.Contains(i.Id)), now);
            await db.SaveChangesAsync(ct);
            await db.AlertEvents.Where(e => e.Id == raw.Id).ExecuteUpdateAsync(
                s => s.SetProperty(e => e.Status, RawEventStatus.Processed)
                      .SetProperty(e => e.AlertCount, alerts.Count)
                      .SetProperty(e => e.ProcessedAt, now),
                ct);
            await tx.CommitAsync(ct);
            raw.MarkProcessed(alerts.Count, now);
        }

        // Numbers come from the database sequence, known only after the insert.
        var refs = db.Incidents.Local
            .Where(i => touched.Contains(i.Id))
            .Select(i => new IncidentRef(i.Id, i.Number, i.Reference, opened.Contains(i)))
            .OrderBy(r => r.Number)
            .ToList();

        foreach (var incident in opened)
        {
            jobs.Enqueue<TriageJob>(job => job.RunAsync(incident.Id, CancellationToken.None));
        }

        await notifier.PublishAsync(touched, ct);
        return new IngestOutcome(raw.Id, alerts.Count, refs);
    }

    private Incident? Apply(Guid integrationId, NormalisedAlert n, Dictionary<string, Alert> known, List<Incident> incidents, List<Incident> opened, DateTimeOffset now)
    {
        if (known.TryGetValue(n.Fingerprint, out var alert))
        {
            var wasFiring = alert.Status == AlertStatus.Firing;
            alert.Seen(n, now);
            var current = incidents.FirstOrDefault(i => i.Id == alert.IncidentId);
            if (n.Status == AlertStatus.Resolved)
            {
                if (wasFiring && current is not null)
                {
                    db.Timeline.Add(TimelineEntry.Create(current.Id, now, Actor, TimelineKind.AlertResolved, $"Alert resolved: {alert.Title}",
                        new() { ["fingerprint"] = alert.Fingerprint }));
                    current.Touch(now);
                }

                return current;
            }

            if (current is { IsOpen: true })
            {
                current.Touch(now);
                return current;
            }

            // Firing again after its incident was resolved: it belongs to a new or open incident.
            var target = GroupInto(integrationId, n, alert, incidents, opened, now);
            return target;
        }

        alert = Alert.FromNotification(integrationId, n, now);
        db.Alerts.Add(alert);
        known[n.Fingerprint] = alert;
        if (n.Status == AlertStatus.Resolved)
        {
            // A resolve for an alert never seen firing: keep it, open nothing.
            return null;
        }

        return GroupInto(integrationId, n, alert, incidents, opened, now);
    }

    private Incident GroupInto(Guid integrationId, NormalisedAlert n, Alert alert, List<Incident> incidents, List<Incident> opened, DateTimeOffset now)
    {
        var incident = incidents.FirstOrDefault(i => i.IsOpen && i.IntegrationId == integrationId && i.GroupKey == n.GroupKey);
        var details = new Dictionary<string, string> { ["rule"] = "group key", ["groupKey"] = n.GroupKey, ["fingerprint"] = n.Fingerprint };
        if (incident is null)
        {
            incident = Incident.Open(integrationId, n.GroupKey, n.Title, n.Labels.GetValueOrDefault("service"), Analysis.Incidents.Severity.P3, now);
            db.Incidents.Add(incident);
            incidents.Add(incident);
            opened.Add(incident);
            db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.Opened,
                $"Opened by alert {n.Title} (no open incident with group key {n.GroupKey})", details));
        }
        else
        {
            db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.AlertGrouped,
                $"Alert {n.Title} grouped in: same group key {n.GroupKey}", details));
            incident.Touch(now);
        }

        alert.AttachTo(incident.Id);
        if (!incident.Alerts.Contains(alert))
        {
            incident.Alerts.Add(alert);
        }

        return incident;
    }

    private void ResolveIncidentsWhoseAlertsAllResolved(IEnumerable<Incident> incidents, DateTimeOffset now)
    {
        foreach (var incident in incidents)
        {
            if (incident.IsOpen && incident.Alerts.Count > 0 && incident.Alerts.All(a => a.Status == AlertStatus.Resolved))
            {
                incident.Resolve(Actor, now);
                db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.StateChanged,
                    $"Resolved: all {incident.Alerts.Count} alert(s) resolved at the source"));
            }
        }
    }

    /// <summary>The exception and its root cause, which is usually the useful part (a database error).</summary>
    private static string Describe(Exception ex)
    {
        var root = ex.GetBaseException();
        return root == ex ? $"{ex.GetType().Name}: {ex.Message}" : $"{ex.GetType().Name}: {ex.Message} Cause: {root.GetType().Name}: {root.Message}";
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
