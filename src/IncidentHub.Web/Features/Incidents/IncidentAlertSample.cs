using IncidentHub.Analysis.Ingestion;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>
/// What the agents read of an incident's alerts: its first alerts, one alert per severity it claims, and
/// totals. An alert storm's incident holds hundreds of thousands of alerts; loading them all took a
/// triage more than a minute and a gigabyte, and held the storm's CPU. The rest repeat what these say.
/// </summary>
public sealed record IncidentAlertSample(IReadOnlyList<Alert> Alerts, int Total, int Firing, DateTimeOffset? EarliestStart)
{
    /// <summary>Alerts read in order of arrival; more are counted but not read.</summary>
    public const int FirstAlerts = 200;

    public bool IsPartial => Alerts.Count < Total;

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

        var first = await db.Alerts.AsNoTracking()
            .Where(a => a.IncidentId == incidentId)
            .OrderBy(a => a.FirstSeenAt).ThenBy(a => a.Id)
            .Take(FirstAlerts)
            .ToListAsync(ct);
        if (first.Count == totals.Total)
        {
            return new IncidentAlertSample(first, totals.Total, totals.Firing, totals.EarliestStart);
        }

        // Triage takes the worst severity any alert claims: one alert per claimed value, wherever it arrived.
        var claims = await db.Database.SqlQuery<Guid>($"""
            SELECT DISTINCT ON (coalesce("Labels"->>'severity', "Labels"->>'priority', "Labels"->>'level')) "Id" AS "Value"
            FROM alerts WHERE "IncidentId" = {incidentId}
            ORDER BY coalesce("Labels"->>'severity', "Labels"->>'priority', "Labels"->>'level'), "FirstSeenAt"
            """).ToListAsync(ct);
        var missing = claims.Except(first.Select(a => a.Id)).ToList();
        if (missing.Count > 0)
        {
            first.AddRange(await db.Alerts.AsNoTracking().Where(a => missing.Contains(a.Id)).ToListAsync(ct));
        }

        return new IncidentAlertSample(first, totals.Total, totals.Firing, totals.EarliestStart);
    }
}
