using IncidentHub.Web.Features.Incidents;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace IncidentHub.Web.Features.Analytics;

/// <summary>
/// Keeps the closed-week rollup honest without work on the write path: when a SaveChanges adds, changes or
/// removes an incident of a closed week (or one of its alerts), a <see cref="StaleWeek"/> mark joins the same
/// save, so it commits (or not) with the change. The queries read marked weeks from the raw rows until
/// <see cref="AnalyticsRollupJob"/> rolls them again. Writes to the current week, which is never rolled (an
/// alert storm's), add nothing. Registered for every context the app creates; writers that bypass the change
/// tracker (bulk COPY) must add the marks themselves.
/// </summary>
public sealed class RollupInvalidator(TimeProvider clock) : SaveChangesInterceptor, IBulkAlertWriteObserver
{
    /// <summary>Incident columns no figure reads: a change to only these leaves the rollup valid.</summary>
    private static readonly HashSet<string> IgnoredIncidentProperties = [nameof(Incident.UpdatedAt), nameof(Incident.Version)];

    /// <summary>Alert columns the figures read (alert noise, the detect phase) and the link to the incident.</summary>
    private static readonly HashSet<string> AlertProperties = [nameof(Alert.IncidentId), nameof(Alert.StartsAt), nameof(Alert.Count), nameof(Alert.Flapping)];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is { } context)
        {
            MarkAsync(context, sync: true, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context)
        {
            await MarkAsync(context, sync: false, cancellationToken);
        }

        return result;
    }

    private async ValueTask MarkAsync(DbContext context, bool sync, CancellationToken ct)
    {
        if (context.ChangeTracker.AutoDetectChangesEnabled)
        {
            context.ChangeTracker.DetectChanges();
        }

        var weeks = new HashSet<DateTimeOffset>();
        var alertIncidents = new HashSet<Guid>();
        foreach (var entry in context.ChangeTracker.Entries())
        {
            switch (entry.Entity)
            {
                case Incident incident when Changed(entry, p => !IgnoredIncidentProperties.Contains(p)):
                    weeks.Add(AnalyticsWeeks.Monday(incident.TriggeredAt));
                    break;
                case Alert alert when Changed(entry, AlertProperties.Contains):
                    if (alert.IncidentId is { } id)
                    {
                        alertIncidents.Add(id);
                    }

                    // An alert moved to another incident changes the figures of the one it left too.
                    if (entry.State != EntityState.Added && entry.Property(nameof(Alert.IncidentId)).OriginalValue is Guid left)
                    {
                        alertIncidents.Add(left);
                    }

                    break;
            }
        }

        if (alertIncidents.Count > 0)
        {
            var tracked = context.ChangeTracker.Entries<Incident>().Select(e => e.Entity).Where(i => alertIncidents.Contains(i.Id)).ToList();
            weeks.UnionWith(tracked.Select(i => AnalyticsWeeks.Monday(i.TriggeredAt)));
            var unknown = alertIncidents.Except(tracked.Select(i => i.Id)).ToList();
            if (unknown.Count > 0)
            {
                var query = context.Set<Incident>().AsNoTracking().Where(i => unknown.Contains(i.Id)).Select(i => i.TriggeredAt);
                weeks.UnionWith((sync ? query.ToList() : await query.ToListAsync(ct)).Select(AnalyticsWeeks.Monday));
            }
        }

        MarkClosedWeeks(context, weeks, clock.GetUtcNow());
    }

    public void AlertsWritten(DbContext db, IReadOnlyCollection<DateTimeOffset> incidentsTriggeredAt, DateTimeOffset now) =>
        MarkClosedWeeks(db, incidentsTriggeredAt, now);

    /// <summary>
    /// Adds a stale mark to the context for each closed week among <paramref name="incidentsTriggeredAt"/> (any
    /// moment of the week), to be saved with the change. For writers that change incidents' alerts without the
    /// change tracker (through <see cref="IBulkAlertWriteObserver"/>).
    /// </summary>
    public static void MarkClosedWeeks(DbContext context, IEnumerable<DateTimeOffset> incidentsTriggeredAt, DateTimeOffset now)
    {
        foreach (var week in incidentsTriggeredAt.Select(AnalyticsWeeks.Monday).Distinct().Where(w => AnalyticsWeeks.IsClosed(w, now)))
        {
            context.Add(StaleWeek.Mark(week, now));
        }
    }

    private static bool Changed(EntityEntry entry, Func<string, bool> relevant) =>
        entry.State is EntityState.Added or EntityState.Deleted
        || (entry.State == EntityState.Modified && entry.Properties.Any(p => p.IsModified && relevant(p.Metadata.Name)));
}
