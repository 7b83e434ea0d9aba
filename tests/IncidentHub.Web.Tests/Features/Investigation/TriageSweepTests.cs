using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Investigation;

/// <summary>
/// The triage sweep recovers a triage lost in a crash, but does not enqueue a second triage for an incident whose
/// first may still be waiting in a storm's backlog (queued after the sweep's own job).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class TriageSweepTests(IncidentHubFactory app)
{
    [Fact]
    public async Task TheSweep_TakesIncidentsOlderThanItsOwnJob_NotThoseWhoseTriageMayStillBeQueuedBehindIt()
    {
        var name = $"sweep-{Guid.NewGuid():N}";
        var integration = await app.CreateIntegrationIdAsync(SourceKind.Generic, name);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();

        // Uncommitted, so the app's own minutely sweep never sees these; the sweep below shares the transaction.
        // The enqueued triage jobs find nothing (the rows are rolled back) and do nothing.
        await using var transaction = await db.Database.BeginTransactionAsync();
        var sweepQueuedAt = new DateTimeOffset(2001, 1, 2, 0, 0, 0, TimeSpan.Zero);
        var lost = Incident.Open(integration, $"{name}-lost", "Triage lost in a crash", null, Severity.P3, sweepQueuedAt.AddDays(-1));
        var waiting = Incident.Open(integration, $"{name}-waiting", "Triage still queued", null, Severity.P3, sweepQueuedAt.AddMinutes(10));
        db.Incidents.AddRange(lost, waiting);
        await db.SaveChangesAsync();
        var sweep = ActivatorUtilities.CreateInstance<TriageSweepJob>(scope.ServiceProvider);

        // Queued in a backlog: only the incident older than the sweep's job (less the margin) is taken.
        var fromTheQueue = await sweep.SweepAsync(sweepQueuedAt, CancellationToken.None);
        Assert.Contains(lost.Id, fromTheQueue);
        Assert.DoesNotContain(waiting.Id, fromTheQueue);

        // Run by hand (no place in the queue): everything untriaged for longer than the minimum age.
        var byHand = await sweep.SweepAsync(null, CancellationToken.None);
        Assert.Contains(lost.Id, byHand);
        Assert.Contains(waiting.Id, byHand);

        await transaction.RollbackAsync();
    }

    [Fact]
    public void TheHorizon_IsTheEarlierOfTheMinimumAgeAndTheSweepsOwnJobLessTheMargin()
    {
        var now = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        var age = TimeSpan.FromSeconds(30);

        Assert.Equal(now - age, SweepHorizon.Before(now, age, null));
        Assert.Equal(now - age, SweepHorizon.Before(now, age, now));
        var queuedInABacklog = now.AddMinutes(-7);
        Assert.Equal(queuedInABacklog - SweepHorizon.EnqueueMargin, SweepHorizon.Before(now, age, queuedInABacklog));
    }
}
