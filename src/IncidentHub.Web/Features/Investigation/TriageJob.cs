using Hangfire;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Triage;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Observability;
using IncidentHub.Web.Infrastructure.Jobs;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>
/// The first agent: deterministic triage (severity, service, confidence, reason) of a new
/// incident. Takes an id only; running it twice changes nothing the second time.
/// </summary>
public sealed class TriageJob(AppDbContext db, ServiceCatalog catalog, IIncidentNotifier notifier, IncidentPipeline pipeline, IncidentHubMetrics metrics, IInvestigationEnrichment enrichment, TimeProvider clock, ILogger<TriageJob> logger)
{
    public const string Actor = "triage-agent";

    // New alerts may touch the incident while triage runs (optimistic concurrency on xmin):
    // triage again from the fresh row rather than lose either change.
    public Task RunAsync(Guid incidentId, CancellationToken ct) =>
        OptimisticConcurrency.RetryAsync(db, 5, _ => TriageOnceAsync(incidentId, ct),
            next => logger.LogDebug("Triage of {IncidentId} raced with another change; attempt {Attempt}", incidentId, next));

    private async Task TriageOnceAsync(Guid incidentId, CancellationToken ct)
    {
        var incident = await db.Incidents.SingleOrDefaultAsync(i => i.Id == incidentId, ct);
        if (incident is null || incident.TriagedAt is not null || incident.State != IncidentState.Triggered)
        {
            logger.LogDebug("Triage of {IncidentId} skipped: missing, done, or no longer triggered", incidentId);
            return;
        }

        var alerts = await IncidentAlertSample.ReadAsync(db, incident.Id, ct);
        var input = new TriageInput(
            incident.Title,
            alerts.Alerts.Select(a => new AlertFacts(WithCatalogService(a.Labels), a.Annotations, a.Status == AlertStatus.Firing)).ToList(),
            catalog.Tiers) { FiringTotal = alerts.Firing };
        var result = TriageEngine.Triage(input);
        var now = clock.GetUtcNow();
        incident.ApplyTriage(result, now);

        var details = new Dictionary<string, string>
        {
            ["severity"] = result.Severity.ToString(),
            ["service"] = result.Service ?? "",
            ["confidence"] = result.Confidence.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture),
            ["signals"] = string.Join(" | ", result.Signals),
        };
        db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.Triage,
            $"Triage: {result.Severity}, service {result.Service ?? "unknown"}, confidence {result.Confidence:0.00}. {result.Reason}", details));
        db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.StateChanged, "Investigating"));
        await db.SaveChangesAsync(ct);
        await notifier.PublishAsync([incident.Id], ct);
        metrics.PhaseReached("triage", now - incident.TriggeredAt);

        pipeline.Triaged(incident.Id);
        await enrichment.AfterTriageAsync(incident.Id, result, ct);
    }

    /// <summary>
    /// The alert's labels with <c>service</c> set to the catalog entry they resolve to (a <c>match</c>
    /// rule or a service/app/job label naming an entry), so triage sees the catalog's name and tier.
    /// </summary>
    private Dictionary<string, string> WithCatalogService(Dictionary<string, string> labels)
    {
        if (catalog.FindForLabels(labels) is not { } service || labels.GetValueOrDefault("service") == service.Name)
        {
            return labels;
        }

        return new Dictionary<string, string>(labels) { ["service"] = service.Name };
    }
}

/// <summary>
/// Catches incidents whose triage was never enqueued (the process died between committing the
/// incident and enqueueing the job). Runs every minute; TriageJob is idempotent. It looks only at incidents
/// older than its own job (<see cref="SweepHorizon"/>): younger ones may still have their triage waiting in the queue.
/// </summary>
public sealed class TriageSweepJob(AppDbContext db, Hangfire.IBackgroundJobClient jobs, TimeProvider clock)
{
    public const string RecurringId = "triage-sweep";

    /// <summary>An incident is only swept once it is this old.</summary>
    public static readonly TimeSpan MinimumAge = TimeSpan.FromSeconds(30);

    public Task RunAsync(Hangfire.Server.PerformContext? context, CancellationToken ct) => SweepAsync(SweepHorizon.QueuedAt(context), ct);

    /// <summary>Enqueues triage for the untriaged incidents before the horizon; returns them.</summary>
    public async Task<IReadOnlyList<Guid>> SweepAsync(DateTimeOffset? sweepQueuedAt, CancellationToken ct)
    {
        var before = SweepHorizon.Before(clock.GetUtcNow(), MinimumAge, sweepQueuedAt);
        var stuck = await db.Incidents
            .Where(i => i.State == IncidentState.Triggered && i.TriagedAt == null && i.TriggeredAt < before)
            .OrderBy(i => i.TriggeredAt)
            .Select(i => i.Id)
            .Take(500)
            .ToListAsync(ct);
        foreach (var id in stuck)
        {
            jobs.Enqueue<TriageJob>(job => job.RunAsync(id, CancellationToken.None));
        }

        return stuck;
    }
}
