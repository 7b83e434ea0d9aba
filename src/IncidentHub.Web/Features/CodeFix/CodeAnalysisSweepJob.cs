using Hangfire;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Jobs;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.CodeFix;

/// <summary>
/// Every 5 minutes: starts the code analysis of open incidents whose final code- or config-caused diagnosis has none (the
/// enqueue was lost to a crash). The job itself decides whether there is a suspect to read.
/// </summary>
public sealed class CodeAnalysisSweepJob(AppDbContext db, IBackgroundJobClient jobs, TimeProvider clock)
{
    public const string RecurringId = "code-analysis-sweep";

    public static readonly TimeSpan MinimumAge = TimeSpan.FromMinutes(2);

    private static readonly string[] CodeCategories = ["bad-deploy-code", "config-change"];

    public Task RunAsync(Hangfire.Server.PerformContext? context, CancellationToken ct) => SweepAsync(SweepHorizon.QueuedAt(context), ct);

    public async Task<IReadOnlyList<Guid>> SweepAsync(DateTimeOffset? sweepQueuedAt, CancellationToken ct)
    {
        var before = SweepHorizon.Before(clock.GetUtcNow(), MinimumAge, sweepQueuedAt);
        var missing = await db.Diagnoses
            .Where(d => d.IsFinal && d.At < before && d.Category != null && CodeCategories.Contains(d.Category))
            .Where(d => db.Incidents.Any(i => i.Id == d.IncidentId && i.State != IncidentState.Resolved))
            .Where(d => !db.CodeAnalyses.Any(a => a.IncidentId == d.IncidentId && a.DiagnosisId == d.Id))
            .Where(d => !db.Diagnoses.Any(n => n.IncidentId == d.IncidentId && n.IsFinal && n.Id > d.Id))
            .OrderBy(d => d.At)
            .Select(d => d.IncidentId)
            .Take(100)
            .ToListAsync(ct);
        foreach (var id in missing)
        {
            jobs.Enqueue<CodeAnalysisJob>(job => job.RunAsync(id, CancellationToken.None));
        }

        return missing;
    }
}
