using System.Diagnostics;
using System.Globalization;
using Hangfire;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Triage;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation.Connectors;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Observability;
using IncidentHub.Web.Infrastructure.Jobs;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>
/// The investigation agent: gathers evidence around the incident's first alert through the
/// connectors, stores every fact as an <see cref="Observation"/>, asks the diagnosis engine with
/// each fact cited, and stores a <see cref="DiagnosisRecord"/>. The first cited diagnosis is posted
/// as soon as it exists; while confidence stays low the window is widened (x2) within an attempt
/// and a time budget. Takes an id only; once a final diagnosis exists, running it again does nothing.
/// </summary>
public sealed class InvestigateJob(
    AppDbContext db,
    ServiceCatalog catalog,
    EvidenceCollector collector,
    IIncidentMemoryRecall memory,
    IIncidentNotifier notifier,
    IncidentPipeline pipeline,
    IncidentHubMetrics metrics,
    IInvestigationEnrichment enrichment,
    IOptions<InvestigationOptions> options,
    IOptions<DiagnosisOptions> diagnosisOptions,
    TimeProvider clock,
    ILogger<InvestigateJob> logger)
{
    public const string Actor = "investigation-agent";

    public async Task RunAsync(Guid incidentId, CancellationToken ct)
    {
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == incidentId, ct);
        if (incident is null || !incident.IsOpen)
        {
            logger.LogDebug("Investigation of {IncidentId} skipped: missing or resolved", incidentId);
            return;
        }

        // Done once a final diagnosis exists, unless a mitigation after it failed and the incident is investigating again.
        var finalAt = await db.Diagnoses.Where(d => d.IncidentId == incidentId && d.IsFinal).MaxAsync(d => (DateTimeOffset?)d.At, ct);
        if (finalAt is not null && !(incident.State == IncidentState.Investigating && incident.MitigatingAt > finalAt))
        {
            logger.LogDebug("Investigation of {IncidentId} skipped: it already has a final diagnosis", incidentId);
            return;
        }

        var o = options.Value;
        var started = Stopwatch.GetTimestamp();
        var alerts = await IncidentAlertSample.ReadAsync(db, incidentId, ct);
        var anchor = alerts.EarliestStart ?? incident.TriggeredAt;
        var service = catalog.Find(incident.Service);
        var namedInAlert = service is null ? NamedInAlert(incident.Service, incident.Title, alerts.Alerts) : null;
        if (namedInAlert is not null)
        {
            await TimelineAsync(incidentId, TimelineKind.Investigation,
                $"Service {incident.Service} is not in the catalog; the alert's own text names {namedInAlert.Name}, which is investigated instead.", ct);
            service = namedInAlert;
        }
        else if (await OwnerOfComponentAsync(service, alerts.Alerts, anchor, ct) is { } owner && catalog.Find(owner.Service) is { } worker
                 && !string.Equals(worker.Name, service?.Name, StringComparison.OrdinalIgnoreCase))
        {
            await TimelineAsync(incidentId, TimelineKind.Investigation,
                $"The alert is keyed by {owner.Component}, which the catalog does not list; {owner.Reason}, so {worker.Name} is investigated"
                + (service is null ? "." : $" instead of {service.Name}."), ct);
            service = worker;
        }

        var firstAttempt = (await db.Diagnoses.Where(d => d.IncidentId == incidentId).MaxAsync(d => (int?)d.Attempt, ct) ?? 0) + 1;
        var labels = alerts.Alerts.SelectMany(a => a.Labels).GroupBy(l => l.Key).ToDictionary(g => g.Key, g => g.First().Value);

        await TimelineAsync(incidentId, TimelineKind.Investigation,
            $"Investigation started: anchor {anchor:u} (earliest alert), window {o.WindowBeforeMinutes} min before to {o.WindowAfterMinutes} min after; "
            + (service is null ? $"service {incident.Service ?? "unknown"} is not in the catalog, so only deploys and memory are searched." : Describe(service)),
            ct);

        var run = new EvidenceRun(incidentId, anchor, service, firstAttempt);
        Diagnosis? last = null;
        DiagnosisRecord? lastRecord = null;
        var widenings = 0;
        var widenNow = false;
        for (var attempt = firstAttempt; attempt < firstAttempt + o.MaxAttempts; attempt++)
        {
            var widen = Math.Pow(2, widenings);
            var from = anchor.AddMinutes(-o.WindowBeforeMinutes * widen);
            var to = anchor.AddMinutes(o.WindowAfterMinutes * widen);
            run.Attempt = attempt;
            if (widenNow)
            {
                await TimelineAsync(incidentId, TimelineKind.Investigation,
                    $"Attempt {attempt - firstAttempt + 1}: confidence {last?.Confidence:0.00} is below {diagnosisOptions.Value.ConfidenceThreshold:0.00}; widening the window to {from:u} .. {to:u}.", ct);
            }

            await collector.CollectAsync(run, from, to, (kind, text) => TimelineAsync(incidentId, kind, text, ct), ct);

            var recalled = await RecallAsync(run, incident.Title, labels, ct);
            var input = run.ToInput(incident.Title, incident.Severity, labels, catalog, recalled);
            if (o.DumpInputsTo is { Length: > 0 } dump)
            {
                Directory.CreateDirectory(dump);
                await File.WriteAllTextAsync(Path.Combine(dump, $"{incident.Number}-{attempt}.json"), System.Text.Json.JsonSerializer.Serialize(input), ct);
            }

            last = DiagnosisEngine.Diagnose(input, diagnosisOptions.Value);
            lastRecord = await StoreDiagnosisAsync(incidentId, incident.TriggeredAt, attempt, last, ct);

            var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;

            // The failing calls go to another catalog service: read its logs and metrics too, in one more attempt.
            var culprit = last.Triage.Service is { } named && !string.Equals(named, service?.Name, StringComparison.OrdinalIgnoreCase)
                && run.Related.All(r => !string.Equals(r.Name, named, StringComparison.OrdinalIgnoreCase)) ? catalog.Find(named) : null;
            if (culprit is not null && attempt + 1 < firstAttempt + o.MaxAttempts && elapsed < o.TimeBudgetSeconds)
            {
                run.Related.Add(culprit);
                widenNow = false;
                await TimelineAsync(incidentId, TimelineKind.Investigation,
                    $"The failing calls go to {culprit.Name}; adding its logs and metrics to the evidence.", ct);
                continue;
            }

            if (!last.Unknown)
            {
                break;
            }

            if (elapsed >= o.TimeBudgetSeconds)
            {
                await TimelineAsync(incidentId, TimelineKind.Investigation, $"Time budget of {o.TimeBudgetSeconds:0} s spent; stopping with the answer so far.", ct);
                break;
            }

            widenings++;
            widenNow = true;
        }

        await enrichment.AfterDiagnosisAsync(run, last!, ct);
        await FinishAsync(incidentId, last!, lastRecord!, ct);
        pipeline.Diagnosed(incidentId);
    }

    /// <summary>
    /// An alert for a service the catalog does not list (a legacy job, a partner relay) often says what failed: the
    /// catalog service its title, annotations or other labels name as a whole token (the component it could not write
    /// to or reach). Null when the alert names none, or when the service is unknown only because no label named it.
    /// </summary>
    /// <summary>Labels that say who owns or routes the alert, never what failed (a team may share a service's name).</summary>
    private static readonly HashSet<string> OwnershipLabels = new(StringComparer.OrdinalIgnoreCase)
    {
        "team", "owner", "squad", "tribe", "env", "environment", "severity", "priority", "region", "zone", "namespace", "cluster",
        "alertname", "grafana_folder", "folder", "receiver", "escalation_policy",
    };

    private ServiceDefinition? NamedInAlert(string? alerted, string title, IReadOnlyList<Alert> alerts)
    {
        if (string.IsNullOrWhiteSpace(alerted))
        {
            return null;
        }

        var names = catalog.Services.Select(s => s.Name).Where(n => !string.Equals(n, alerted, StringComparison.OrdinalIgnoreCase)).ToList();
        var texts = alerts.SelectMany(a => a.Annotations.Values.Concat(a.Labels
                .Where(l => !OwnershipLabels.Contains(l.Key) && !string.Equals(l.Value, alerted, StringComparison.OrdinalIgnoreCase)).Select(l => l.Value)))
            .Prepend(title);
        return texts.Select(t => ServiceNameMatcher.Longest(names, t)).FirstOrDefault(n => n is not null) is { } found ? catalog.Find(found) : null;
    }

    /// <summary>Catalog services whose logs are searched for an alert's component, at most (a bound on the reads).</summary>
    private const int MaxComponentSearches = 300;

    /// <summary>
    /// An alert keyed by a component the catalog does not list (a topic, queue, consumer group, bucket; a service label
    /// naming no catalog entry): the catalog service whose own logs of the window fail on that component
    /// (<see cref="ComponentOwner"/>), as a responder finds the consumer stuck on a topic by searching the logs for its name.
    /// Not done when the alert names a catalog service in its service label (it said which service). Bounded: up to
    /// <see cref="MaxComponentSearches"/> services, each read by its connector's timeout, within the attempt's time budget.
    /// </summary>
    private async Task<ComponentOwnerMatch?> OwnerOfComponentAsync(ServiceDefinition? service, IReadOnlyList<Alert> alerts, DateTimeOffset anchor, CancellationToken ct)
    {
        bool Listed(string name) => catalog.Find(name) is not null || catalog.Find(TriageEngine.WithoutQualifier(name)) is not null;
        var components = alerts.SelectMany(a => ComponentOwner.ComponentsOf(a.Labels, Listed)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var explicitService = alerts.Any(a => a.Labels.Any(l => TriageEngine.ServiceLabelKeys.Contains(l.Key, StringComparer.OrdinalIgnoreCase) && Listed(l.Value.Trim())));
        // A pod or host name that carries the service's own name ("checkout-7f9c-x2k") was resolved by that name, not guessed;
        // a topic or queue named after a service ("payments.captured") is often the producer's, and its consumer is searched for.
        var namedAfterService = service is not null && components.All(c => ServiceNameMatcher.Occurs(c, service.Name))
            && !alerts.Any(a => ComponentOwner.HasComponentLabel(a.Labels));
        if (components.Count == 0 || explicitService || namedAfterService)
        {
            return null;
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(TimeSpan.FromSeconds(options.Value.TimeBudgetSeconds / 4));
        var from = anchor.AddMinutes(-30);
        var to = anchor.AddMinutes(10);
        var names = ComponentOwner.SearchNames(components);
        if (names.Count == 0)
        {
            return null;
        }

        // One service's lines at a time, kept as counts: a search over hundreds of services never holds all their logs.
        var tallies = new List<ComponentTally?>();
        try
        {
            foreach (var candidate in catalog.Services.Where(s => s.Logs.Count > 0).Take(MaxComponentSearches))
            {
                tallies.Add(ComponentOwner.Tally(candidate.Name, await collector.ReadLogTextAsync(candidate, from, to, budget.Token), names));
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            logger.LogInformation("Searching the catalog's logs for {Components} ran out of its time budget after {Count} services", string.Join(", ", components), tallies.Count);
        }

        return ComponentOwner.Rank(tallies);
    }

    private async Task<IReadOnlyList<Cited<PastIncident>>> RecallAsync(EvidenceRun run, string title, IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var query = new MemoryQuery(
            run.IncidentId,
            run.Service?.Name,
            title,
            labels,
            run.Templates.Where(t => t.Fact.LooksLikeError).Select(t => t.Fact.Template).Take(20).ToList(),
            run.StackTraces.Select(t => t.Fact.ExceptionType).Distinct().ToList(),
            run.Blame.Select(b => b.Fact.File).Distinct().ToList());
        var past = await Connector.BoundedAsync("memory", options.Value.ConnectorTimeout, c => memory.RecallAsync(query, c), ct);
        if (!past.Ok)
        {
            await collector.StoreUnavailableAsync(run, past.Source, past.Unavailable!, ct);
            return [];
        }

        var fresh = past.Value!.Where(p => run.Memory.All(m => m.Fact.Reference != p.Reference)).ToList();
        var stored = fresh.Select(p => Observation.Create(run.IncidentId, clock.GetUtcNow(), ObservationKind.Memory, "memory",
            $"Past incident {p.Reference} (similarity {p.Similarity:0.00}): {p.RootCause ?? "cause not recorded"}", p, run.Attempt)).ToList();
        db.Observations.AddRange(stored);
        await db.SaveChangesAsync(ct);
        run.Memory.AddRange(stored.Zip(fresh, (o, p) => new Cited<PastIncident>(o.EvidenceId, p)));
        if (fresh.Count > 0)
        {
            await TimelineAsync(run.IncidentId, TimelineKind.Evidence, $"Memory: {fresh.Count} similar past incident(s): {string.Join(", ", fresh.Select(p => p.Reference))}.", ct);
        }

        return run.Memory;
    }

    private async Task<DiagnosisRecord> StoreDiagnosisAsync(Guid incidentId, DateTimeOffset triggeredAt, int attempt, Diagnosis diagnosis, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var record = DiagnosisRecord.Create(incidentId, now, attempt, diagnosis, Math.Max(0, (now - triggeredAt).TotalSeconds));
        db.Diagnoses.Add(record);
        db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.Diagnosis, DiagnosisLine(diagnosis), new()
        {
            ["attempt"] = attempt.ToString(CultureInfo.InvariantCulture),
            ["category"] = diagnosis.Category?.ToName() ?? "unknown",
            ["confidence"] = diagnosis.Confidence.ToString("0.00", CultureInfo.InvariantCulture),
            ["evidence"] = string.Join(",", diagnosis.Hypotheses.Where(h => !h.Discarded).SelectMany(h => h.EvidenceIds).Distinct().Take(50)),
        }));
        await db.SaveChangesAsync(ct);
        await notifier.PublishAsync([incidentId], ct);
        if (attempt == 1)
        {
            metrics.PhaseReached("first_diagnosis", now - triggeredAt);
        }

        return record;
    }

    /// <summary>"Diagnosis: bad-deploy-code (confidence 0.82): summary; suspect abc1234 ingest/batches.py:21".</summary>
    public static string DiagnosisLine(Diagnosis d)
    {
        // The engine's summary already reads "category (confidence x): statement; suspect sha file:line".
        var name = d.Unknown || d.Category is null ? "Unknown" : d.Category.Value.ToName();
        if (d.Summary.StartsWith(name + " (confidence", StringComparison.Ordinal))
        {
            return $"Diagnosis: {char.ToLowerInvariant(d.Summary[0])}{d.Summary[1..]}";
        }

        var head = $"Diagnosis: {name.ToLowerInvariant()} (confidence {d.Confidence:0.00}): {d.Summary}";
        if (d.Suspect is { } s)
        {
            var where = s.File is null ? "" : s.Line is null ? $" {s.File}" : $" {s.File}:{s.Line}";
            var what = s.Commit is { Length: > 7 } c ? c[..7] : s.Commit ?? s.Version ?? "";
            head += $" suspect {what}{where}".TrimEnd();
        }

        return head;
    }

    private async Task FinishAsync(Guid incidentId, Diagnosis diagnosis, DiagnosisRecord record, CancellationToken ct)
    {
        await OptimisticConcurrency.RetryAsync(db, 5, async _ =>
        {
            var now = clock.GetUtcNow();
            await db.Diagnoses.Where(d => d.Id == record.Id).ExecuteUpdateAsync(s => s.SetProperty(d => d.IsFinal, true), ct);
            var incident = await db.Incidents.SingleAsync(i => i.Id == incidentId, ct);
            if (incident.ApplyRefinedTriage(diagnosis.Triage.Severity, diagnosis.Triage.Service, now))
            {
                db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.Investigation,
                    $"Refined triage: {diagnosis.Triage.Severity}, service {diagnosis.Triage.Service ?? incident.Service ?? "unknown"}. {diagnosis.Triage.Reason}"));
            }

            if (!diagnosis.WouldPage)
            {
                db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.Note, $"Would not page: {diagnosis.PageReason}"));
            }

            if (diagnosis.Unknown && IncidentStateMachine.CanMove(incident.State, IncidentState.Escalated))
            {
                incident.Escalate(now);
                db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.StateChanged,
                    $"Escalated: the investigation could not name a cause with enough confidence ({diagnosis.Confidence:0.00}); a person is needed."));
            }

            await db.SaveChangesAsync(ct);
        }, _ => logger.LogDebug("Finishing the investigation of {IncidentId} raced with another change; retrying", incidentId));

        await notifier.PublishAsync([incidentId], ct);
    }

    private async Task TimelineAsync(Guid incidentId, TimelineKind kind, string text, CancellationToken ct)
    {
        db.Timeline.Add(TimelineEntry.Create(incidentId, clock.GetUtcNow(), Actor, kind, text));
        await db.SaveChangesAsync(ct);
        await notifier.PublishAsync([incidentId], ct);
    }

    private static string Describe(ServiceDefinition s) =>
        $"sources: {s.Logs.Count} log, {s.Metrics.Count} metric, repository {(s.Repository?.Path ?? s.Repository?.GitHub ?? "none")}, {s.HealthUrls.Count} health URL(s).";
}

/// <summary>
/// Catches triaged incidents whose investigation was never enqueued or never finished (the
/// process died). Runs every minute; InvestigateJob is idempotent once a final diagnosis exists. It looks only
/// at incidents triaged before its own job was queued (<see cref="SweepHorizon"/>): for later ones the
/// investigation may still be waiting in the queue.
/// </summary>
public sealed class InvestigateSweepJob(AppDbContext db, IBackgroundJobClient jobs, IOptions<InvestigationOptions> options, TimeProvider clock)
{
    public const string RecurringId = "investigate-sweep";

    public Task RunAsync(Hangfire.Server.PerformContext? context, CancellationToken ct) => SweepAsync(SweepHorizon.QueuedAt(context), ct);

    /// <summary>Enqueues an investigation for the stuck incidents before the horizon; returns them.</summary>
    public async Task<IReadOnlyList<Guid>> SweepAsync(DateTimeOffset? sweepQueuedAt, CancellationToken ct)
    {
        // Long enough that a running investigation is not started a second time beside itself.
        var before = SweepHorizon.Before(clock.GetUtcNow(), TimeSpan.FromSeconds(Math.Max(120, options.Value.TimeBudgetSeconds * 2)), sweepQueuedAt);
        var stuck = await db.Incidents
            .Where(i => i.State == IncidentState.Investigating && i.TriagedAt != null && i.TriagedAt < before)
            .Where(i => !db.Diagnoses.Any(d => d.IncidentId == i.Id && (d.IsFinal || d.At > before)))
            .OrderBy(i => i.TriagedAt)
            .Select(i => i.Id)
            .Take(100)
            .ToListAsync(ct);
        foreach (var id in stuck)
        {
            jobs.Enqueue<InvestigateJob>(job => job.RunAsync(id, CancellationToken.None));
        }

        return stuck;
    }
}
