using System.Diagnostics;
using Hangfire.Server;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Infrastructure.Observability;

/// <summary>
/// Around every job this server runs: its duration into <c>incidenthub.job.duration</c>, and a log scope naming the
/// job and, when its first argument is an incident's id (or a plan action's), the incident's id and number, so every
/// line a job writes about an incident can be found by INC number. Hangfire calls both methods on the job's thread
/// around the synchronous run, so the scope covers exactly the job.
/// </summary>
public sealed class JobObservationFilter(IncidentHubMetrics metrics, IDbContextFactory<AppDbContext> dbFactory, ILogger<JobObservationFilter> logger) : IServerFilter
{
    private const string StartedKey = "incidenthub.started";
    private const string ScopeKey = "incidenthub.scope";

    public void OnPerforming(PerformingContext context)
    {
        context.Items[StartedKey] = Stopwatch.GetTimestamp();
        var scope = new Dictionary<string, object?>
        {
            ["JobId"] = context.BackgroundJob.Id,
            ["Job"] = context.BackgroundJob.Job.Type.Name,
        };
        if (context.BackgroundJob.Job.Args.FirstOrDefault() is Guid id && IncidentOf(id) is { } incident)
        {
            scope["IncidentId"] = incident.Id;
            scope["IncidentNumber"] = incident.Number;
        }

        context.Items[ScopeKey] = logger.BeginScope(scope);
    }

    public void OnPerformed(PerformedContext context)
    {
        if (context.Items.TryGetValue(ScopeKey, out var scope))
        {
            (scope as IDisposable)?.Dispose();
        }

        if (context.Items.TryGetValue(StartedKey, out var value) && value is long started)
        {
            metrics.JobRan(context.BackgroundJob.Job.Type.Name, context.Exception is null || context.ExceptionHandled, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>The incident <paramref name="id"/> names, itself or through a plan action; null for other ids or when PostgreSQL does not answer.</summary>
    private (Guid Id, int Number)? IncidentOf(Guid id)
    {
        try
        {
            using var db = dbFactory.CreateDbContext();
            var incidentId = db.Incidents.Any(i => i.Id == id)
                ? id
                : db.PlanActions.Where(a => a.Id == id).Select(a => (Guid?)a.IncidentId).FirstOrDefault();
            return incidentId is { } found && db.Incidents.Where(i => i.Id == found).Select(i => (int?)i.Number).FirstOrDefault() is { } number
                ? (found, number)
                : null;
        }
        catch (Exception ex) when (Errors.DatabaseUnavailableException.From(ex) is not null)
        {
            // The job will meet the same outage and say so; its lines then carry the job id only.
            logger.LogDebug("No incident scope for job argument {Id}: {Reason}", id, ex.Message);
            return null;
        }
    }
}
