using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Analytics;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.History;

/// <summary>What one removal took away (what hangs off an incident in other features goes with it by the database's cascades).</summary>
public sealed record DemoDataRemoved(int Incidents, int Alerts, int TimelineEntries, int Integrations);

/// <summary>What a load wrote: 0 incidents when demo history was there already.</summary>
public sealed record DemoDataLoaded(int Incidents);

/// <summary>How many demo incidents the database holds.</summary>
public sealed record DemoDataStatus(int Incidents);

/// <summary>
/// The generated demo history as a whole: loaded only on request (<c>scripts/run.sh demo</c>), counted for the pages that
/// say "includes N demo incidents", and removed in one step, with everything that hangs off its incidents.
/// </summary>
public sealed class DemoData(IDbContextFactory<AppDbContext> dbFactory, IServiceScopeFactory scopes, AnalyticsRollupJob rollup, TimeProvider clock)
{
    public async Task<int> CountAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Incidents.CountAsync(i => i.Origin == IncidentOrigin.Demo, ct);
    }

    /// <summary>The six-month history <c>scripts/run.sh demo</c> loads; nothing when demo incidents exist already.</summary>
    public async Task<int> LoadAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<HistoryGenerator>().RunAsync(new HistoryGenerator.Options(IfEmpty: true), ct);
    }

    /// <summary>
    /// Deletes every demo incident with its alerts and timeline; the database's cascades take its observations, diagnoses,
    /// post-mortems and memory entries; then the generator's integration, once no incident is left on it. One transaction:
    /// all or nothing. Live and imported incidents are never touched.
    /// </summary>
    public async Task<DemoDataRemoved> RemoveAsync(AuditActor by, CancellationToken ct)
    {
        Permissions.Demand(by, Policies.Admin, "remove demo data");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var demo = db.Incidents.Where(i => i.Origin == IncidentOrigin.Demo);
        var triggered = await demo.Select(i => i.TriggeredAt).ToListAsync(ct);

        // The deletes below bypass the change tracker: the closed weeks they change are marked stale in the same transaction.
        RollupInvalidator.MarkClosedWeeks(db, triggered, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);

        var alerts = await db.Alerts.Where(a => demo.Any(i => i.Id == a.IncidentId)).ExecuteDeleteAsync(ct);
        var timeline = await db.Timeline.Where(t => demo.Any(i => i.Id == t.IncidentId)).ExecuteDeleteAsync(ct);
        var incidents = await demo.ExecuteDeleteAsync(ct);
        var integrations = await db.Integrations
            .Where(n => n.Name == HistoryGenerator.IntegrationName && !db.Incidents.Any(i => i.IntegrationId == n.Id))
            .ExecuteDeleteAsync(ct);
        await tx.CommitAsync(ct);

        if (incidents > 0)
        {
            await rollup.RunAsync(ct);
        }

        return new DemoDataRemoved(incidents, alerts, timeline, integrations);
    }
}
