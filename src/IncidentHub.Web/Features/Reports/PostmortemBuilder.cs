using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Reports;

/// <summary>Gathers a <see cref="PostmortemReport"/> from the incident, its alerts, timeline, observations and diagnoses.</summary>
public sealed class PostmortemBuilder(ServiceCatalog catalog, TimeProvider clock)
{
    /// <summary>Alert label and annotation keys that name affected customers.</summary>
    private static readonly string[] CustomerKeys = ["customers_affected", "affected_customers", "customers", "customer", "tenant", "tenants", "account"];

    public async Task<PostmortemReport?> BuildAsync(AppDbContext db, Guid incidentId, IReadOnlyList<string>? actionItems, int revision, CancellationToken ct)
    {
        // Alerts are read as totals and distinct values (from a bounded scan), never all loaded: a storm's incident holds millions.
        var incident = await db.Incidents.AsNoTracking()
            .Include(i => i.Timeline.OrderBy(t => t.At).ThenBy(t => t.Id))
            .AsSplitQuery()
            .SingleOrDefaultAsync(i => i.Id == incidentId, ct);
        if (incident is null)
        {
            return null;
        }

        var diagnosis = await db.Diagnoses.AsNoTracking().Where(d => d.IncidentId == incidentId).OrderByDescending(d => d.Id).FirstOrDefaultAsync(ct);
        var observations = await db.Observations.AsNoTracking().Where(o => o.IncidentId == incidentId).OrderBy(o => o.Id).ToListAsync(ct);

        var phases = new PhaseTimes(incident.TriggeredAt, incident.AcknowledgedAt, incident.InvestigatingAt, incident.AwaitingApprovalAt,
            incident.MitigatingAt, incident.MonitoringAt, incident.ResolvedAt, incident.EscalatedAt, incident.SuppressedAt);
        var rootCause = RootCause(diagnosis, observations);
        var alerts = await db.Alerts.AsNoTracking().Where(a => a.IncidentId == incidentId).GroupBy(a => 1)
            .Select(g => new { Count = g.Count(), Notifications = g.Sum(a => a.Count), Flapping = g.Count(a => a.Flapping) })
            .SingleOrDefaultAsync(ct);
        var flapping = alerts?.Flapping ?? 0;
        var actions = WhatWasDone.FromTimeline(incident.Timeline);
        var pullRequests = new List<PullRequestRow>();
        var (well, badly) = PostmortemFindings.Derive(incident.Severity, phases, incident.TriagedAt, rootCause, flapping, actions.Count);

        var end = incident.ResolvedAt ?? incident.EscalatedAt;
        var alertServices = await db.Database.SqlQuery<string?>($"""
            SELECT DISTINCT coalesce("Labels"->>'service', "Labels"->>'job') AS "Value"
            FROM (SELECT "Labels" FROM alerts WHERE "IncidentId" = {incidentId} LIMIT {IncidentAlertSample.ClaimsScanned}) AS scanned
            """).ToListAsync(ct);
        var services = alertServices
            .Append(incident.Service)
            .Where(s => !string.IsNullOrWhiteSpace(s))
            .Select(s => s!)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
        var customerValues = await db.Database.SqlQuery<string>($"""
            SELECT DISTINCT trim(e.value) AS "Value"
            FROM (SELECT "Labels", "Annotations" FROM alerts WHERE "IncidentId" = {incidentId} LIMIT {IncidentAlertSample.ClaimsScanned}) AS a,
              jsonb_each_text(a."Labels" || a."Annotations") e
            WHERE lower(e.key) = ANY({CustomerKeys}) AND trim(e.value) <> ''
            ORDER BY 1 LIMIT 100
            """).ToListAsync(ct);
        var customers = customerValues.Distinct(StringComparer.OrdinalIgnoreCase).Take(20).ToList();
        var impact = new PostmortemImpact(
            end is { } e ? e - incident.TriggeredAt : clock.GetUtcNow() - incident.TriggeredAt,
            end is null,
            incident.Severity,
            services,
            alerts?.Count ?? 0,
            alerts?.Notifications ?? 0,
            flapping,
            customers);

        var owner = catalog.Find(incident.Service);
        var items = actionItems ?? PostmortemFindings.DefaultActionItems(incident.Service, phases, incident.Severity, rootCause);
        var reference = $"INC-{incident.Number}";
        var summary = Summarise(reference, incident.Title, incident.Service, incident.Severity, incident.State, impact, rootCause);

        return new PostmortemReport(
            reference, incident.Number, incident.Title, incident.Service, owner?.OwnerEmail ?? owner?.Owner, incident.Severity, incident.State, summary, impact,
            Phases(phases, incident.TriagedAt),
            incident.Timeline.Take(300).Select(t => new TimelineRow(t.At, t.Actor, t.Kind.ToString(), t.Text, t.Id)).ToList(),
            rootCause, actions, pullRequests, well, badly, items,
            Chart(observations, incident.TriggeredAt, end),
            revision, clock.GetUtcNow(), PostmortemNarrative.Newest(incident.Timeline));
    }

    private static string Summarise(string reference, string title, string? service, Severity severity, IncidentState state, PostmortemImpact impact, RootCauseSection rootCause)
    {
        var outcome = state switch
        {
            IncidentState.Resolved => $"was resolved after {Durations.Format(impact.Duration ?? TimeSpan.Zero)}",
            IncidentState.Escalated => $"was escalated after {Durations.Format(impact.Duration ?? TimeSpan.Zero)}",
            _ => $"has been open for {Durations.Format(impact.Duration ?? TimeSpan.Zero)}",
        };
        var cause = rootCause.Diagnosed ? $" Diagnosed cause: {rootCause.Category}." : " The root cause was not diagnosed.";
        return $"{reference} ({severity}) \"{title}\" on {service ?? "an unknown service"} {outcome}, with {impact.AlertCount} alert(s).{cause}";
    }

    /// <summary>Every phase that happened, in time order, with who drives it.</summary>
    public static IReadOnlyList<PhaseRow> Phases(PhaseTimes p, DateTimeOffset? triagedAt)
    {
        var rows = new List<(string Phase, DateTimeOffset? At, string Who)>
        {
            ("Triggered", p.TriggeredAt, "alert source"),
            ("Triaged", triagedAt, "triage agent"),
            ("Investigating", p.InvestigatingAt, "investigation agent"),
            ("Acknowledged", p.AcknowledgedAt, "responder"),
            ("Awaiting approval", p.AwaitingApprovalAt, "waiting for people"),
            ("Mitigating", p.MitigatingAt, "remediation"),
            ("Monitoring", p.MonitoringAt, "watching"),
            ("Escalated", p.EscalatedAt, "handed to people"),
            ("Suppressed", p.SuppressedAt, "noise"),
            ("Resolved", p.ResolvedAt, "closed"),
        };
        return rows.Where(r => r.At is not null)
            .OrderBy(r => r.At)
            .Select(r => new PhaseRow(r.Phase, r.At!.Value, r.At.Value - p.TriggeredAt, r.Who))
            .ToList();
    }

    private static RootCauseSection RootCause(DiagnosisRecord? record, List<Observation> observations)
    {
        if (record is null)
        {
            return RootCauseSection.NotDiagnosed;
        }

        var diagnosis = record.Read();
        var cited = diagnosis.Hypotheses.Where(h => !h.Discarded).SelectMany(h => h.EvidenceIds)
            .Concat(diagnosis.Suspect?.EvidenceIds ?? [])
            .Concat(diagnosis.Triage.EvidenceIds)
            .Distinct()
            .ToList();
        var byId = observations.ToDictionary(o => o.EvidenceId);
        var evidence = cited.Where(byId.ContainsKey).Select(id => byId[id])
            .Select(o => new EvidenceRow(o.EvidenceId, o.Kind.ToString(), o.Source, o.Summary)).ToList();
        var suspect = diagnosis.Suspect is { } s
            ? string.Join(", ", new[] { s.Commit is null ? null : $"commit {s.Commit[..Math.Min(10, s.Commit.Length)]}", s.File is null ? null : $"{s.File}{(s.Line is { } l ? $":{l}" : "")}", s.Version is null ? null : $"version {s.Version}" }.Where(x => x is not null)) + $": {s.Reason}"
            : null;
        var diagnosed = !diagnosis.Unknown && diagnosis.Category is not null;
        return new RootCauseSection(
            diagnosed,
            diagnosis.Category?.ToName(),
            diagnosis.Confidence,
            diagnosed ? diagnosis.Summary : $"Not diagnosed: {diagnosis.Summary}",
            suspect,
            record.At,
            evidence,
            diagnosis.Hypotheses.Where(h => h.Discarded).Select(h => $"{h.Category.ToName()}: {h.DiscardReason}").ToList());
    }

    /// <summary>The key metric: the newest error-ratio series if there is one, else the newest series.</summary>
    private static MetricChart? Chart(List<Observation> observations, DateTimeOffset triggeredAt, DateTimeOffset? end)
    {
        var series = observations.Where(o => o.Kind == ObservationKind.MetricSeries)
            .Select(o => o.Read<MetricSeries>())
            .Where(s => s is { Points.Count: >= 2 })
            .Select(s => s!)
            .ToList();
        var pick = series.LastOrDefault(s => s.Role == MetricRole.ErrorRatio) ?? series.LastOrDefault();
        return pick is null ? null : new MetricChart(pick.Name, pick.Query, pick.Role, pick.Points.OrderBy(p => p.At).ToList(), triggeredAt, end);
    }
}
