namespace IncidentHub.Web.Infrastructure.Jobs;

/// <summary>
/// How far back a recovery sweep (triage, investigation) may look for work whose job was lost. Hangfire on
/// PostgreSQL hands out queued jobs in the order they were created, so by the time a sweep job runs, every job
/// created before it has been handed to a worker. A job created after it may still be waiting in the queue.
/// During a storm's backlog that is many minutes of incidents, and re-enqueueing them only doubled the backlog with
/// jobs that find nothing to do. So a sweep looks only at work older than its own job, less a margin for the
/// moment between committing an incident and enqueueing its job.
/// </summary>
public static class SweepHorizon
{
    /// <summary>Longest expected gap between an incident's commit and its job's enqueue.</summary>
    public static readonly TimeSpan EnqueueMargin = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The cutoff: work older than <paramref name="minimumAge"/> now, and older than the sweep's own job by the margin.
    /// </summary>
    /// <param name="sweepQueuedAt">When the sweep's own job was created; null when it was not run from the queue.</param>
    public static DateTimeOffset Before(DateTimeOffset now, TimeSpan minimumAge, DateTimeOffset? sweepQueuedAt)
    {
        var byAge = now - minimumAge;
        return sweepQueuedAt is { } queued && queued - EnqueueMargin < byAge ? queued - EnqueueMargin : byAge;
    }

    /// <summary>The creation time of the job being performed (Hangfire stores it in UTC).</summary>
    public static DateTimeOffset? QueuedAt(Hangfire.Server.PerformContext? context) =>
        context?.BackgroundJob.CreatedAt is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : null;
}
