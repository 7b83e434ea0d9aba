using IncidentHub.Analysis.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>
/// What the agents read of an incident's alerts: up to 200 of them, one alert per severity claimed among the
/// first 20,000, and totals. An alert storm's incident holds hundreds of thousands of alerts; loading them all took a
/// triage more than a minute and a gigabyte, and held the storm's CPU. The rest repeat what these say.
/// </summary>
public sealed record IncidentAlertSample(IReadOnlyList<Alert> Alerts, int Total, int Firing, DateTimeOffset? EarliestStart)
{
    /// <summary>Alerts read; more are counted but not read.</summary>
    public const int FirstAlerts = 200;

    /// <summary>Alerts scanned for the severities they claim.</summary>
    public const int ClaimsScanned = 20_000;

    public static async Task<IncidentAlertSample> ReadAsync(AppDbContext db, Guid incidentId, CancellationToken ct)
    {
        var totals = await db.Alerts.AsNoTracking()
            .Where(a => a.IncidentId == incidentId)
            .GroupBy(a => 1)
            .Select(g => new { Total = g.Count(), Firing = g.Count(a => a.Status == AlertStatus.Firing), EarliestStart = g.Min(a => (DateTimeOffset?)a.StartsAt) })
            .SingleOrDefaultAsync(ct);
        if (totals is null)
        {
            return new IncidentAlertSample([], 0, 0, null);
        }

        // In index order, not sorted: sorting a storm's millions of alerts to pick 200 costs a full scan.
        var first = await db.Alerts.AsNoTracking()
            .Where(a => a.IncidentId == incidentId)
            .Take(FirstAlerts)
            .ToListAsync(ct);
        if (first.Count == totals.Total)
        {
            return new IncidentAlertSample(first, totals.Total, totals.Firing, totals.EarliestStart);
        }

        // Triage takes the worst severity any alert claims: one alert per claimed value among the first ClaimsScanned
        // alerts the index yields (bounded: a storm's incident holds millions, and this runs while it may still rage).
        var claims = await db.Database.SqlQuery<Guid>($"""
            SELECT DISTINCT ON (claim) "Id" AS "Value" FROM (
              SELECT "Id", coalesce("Labels"->>'severity', "Labels"->>'priority', "Labels"->>'level') AS claim
              FROM alerts WHERE "IncidentId" = {incidentId} LIMIT {ClaimsScanned}) AS scanned
            ORDER BY claim
            """).ToListAsync(ct);
        var missing = claims.Except(first.Select(a => a.Id)).ToList();
        if (missing.Count > 0)
        {
            first.AddRange(await db.Alerts.AsNoTracking().Where(a => missing.Contains(a.Id)).ToListAsync(ct));
        }

        return new IncidentAlertSample(first, totals.Total, totals.Firing, totals.EarliestStart);
    }
}
