using System.Linq.Expressions;
using Hangfire;

namespace IncidentHub.Web.Infrastructure.Jobs;

/// <summary>A recurring job a feature owns, with a stable id.</summary>
public sealed record RecurringJobRegistration(string Id, Action<IRecurringJobManager> AddOrUpdate);

public static class RecurringJobs
{
    /// <summary>Runs <typeparamref name="TJob"/> on <paramref name="cron"/>; registered with Hangfire when a worker starts.</summary>
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string id, Expression<Func<TJob, Task>> run, string cron) =>
        services.AddSingleton(new RecurringJobRegistration(id, manager => manager.AddOrUpdate(id, run, cron)));
}

/// <summary>Registers every feature's recurring jobs when a worker starts (idempotent: same ids, latest schedule).</summary>
internal sealed class RecurringJobsRegistrar(IEnumerable<RecurringJobRegistration> jobs, IRecurringJobManager manager, ILogger<RecurringJobsRegistrar> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var job in jobs)
        {
            job.AddOrUpdate(manager);
        }

        logger.LogInformation("Recurring jobs registered: {Jobs}", string.Join(", ", jobs.Select(j => j.Id)));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
