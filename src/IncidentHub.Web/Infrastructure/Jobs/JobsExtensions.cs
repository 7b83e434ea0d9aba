using Hangfire;
using Hangfire.Common;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Memory;
using IncidentHub.Web.Features.Reports;
using IncidentHub.Web.Features.Reports.Email;

namespace IncidentHub.Web.Infrastructure.Jobs;

/// <summary>Hangfire on PostgreSQL: durable per-incident agent work; the server runs only in worker roles.</summary>
public static class JobsExtensions
{
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder, string connectionString, IncidentHubOptions options)
    {
        builder.Services.AddSingleton<StormGate>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StormGate>());
        builder.Services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                storage => storage.UseNpgsqlConnection(connectionString),
                new PostgreSqlStorageOptions
                {
                    SchemaName = "hangfire",
                    PrepareSchemaIfNecessary = true,
                    QueuePollInterval = TimeSpan.FromSeconds(1),
                    EnableLongPolling = true,
                }));

        if (options.RunsWorker)
        {
            // Twice the workers: a job that ever blocked on work queued behind it still finds a free thread.
            builder.Services.AddSingleton(sp => new AgentTaskScheduler(options.WorkerCount * 2, sp.GetRequiredService<ILogger<AgentTaskScheduler>>()));
            builder.Services.AddHangfireServer((sp, server) =>
            {
                server.WorkerCount = options.WorkerCount;
                // The agents' code runs at a lower OS priority than the webhooks' (docs/decisions/015).
                server.TaskScheduler = sp.GetRequiredService<AgentTaskScheduler>();

                server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
                // This server's jobs (not every server's in the process: the filter list is per server) pass the storm gate.
                server.FilterProvider = new JobFilterProviderCollection(JobFilterProviders.Providers,
                    new JobFilterCollection { new StormGateFilter(sp.GetRequiredService<StormGate>(), sp.GetRequiredService<ILogger<StormGateFilter>>()) });
            });
        }

        return builder;
    }

    /// <summary>Recurring jobs, registered in one place with stable ids.</summary>
    public static void RegisterRecurringJobs(IServiceProvider services)
    {
        var recurring = services.GetRequiredService<IRecurringJobManager>();
        // The sweeps read their own job's creation time from the PerformContext Hangfire passes in place of null.
        recurring.AddOrUpdate<TriageSweepJob>(TriageSweepJob.RecurringId, job => job.RunAsync(null, CancellationToken.None), Cron.Minutely());
        recurring.AddOrUpdate<InvestigateSweepJob>(InvestigateSweepJob.RecurringId, job => job.RunAsync(null, CancellationToken.None), Cron.Minutely());
        recurring.AddOrUpdate<MemorySweepJob>(MemorySweepJob.RecurringId, job => job.RunAsync(CancellationToken.None), "*/5 * * * *");
        recurring.AddOrUpdate<PostmortemSweepJob>(PostmortemSweepJob.RecurringId, job => job.RunAsync(CancellationToken.None), Cron.Minutely());
        recurring.AddOrUpdate<OutboxSweepJob>(OutboxSweepJob.RecurringId, job => job.RunAsync(CancellationToken.None), Cron.Minutely());
        recurring.AddOrUpdate<Features.Analytics.AnalyticsRollupJob>(Features.Analytics.AnalyticsRollupJob.RecurringId, job => job.RunAsync(CancellationToken.None), "*/10 * * * *");
    }

    /// <summary>The Hangfire dashboard at /jobs, for Admins only (checked by endpoint authorization).</summary>
    public static IEndpointRouteBuilder MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        app.MapHangfireDashboard("/jobs", new DashboardOptions
        {
            Authorization = [new EndpointAuthorizedFilter()],
            DashboardTitle = "IncidentHub jobs",
            AppPath = "/",
        }).RequireAuthorization(Policies.Admin);
        return app;
    }

    /// <summary>Authorization is done by the endpoint policy above; Hangfire's own check only confirms it ran.</summary>
    private sealed class EndpointAuthorizedFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(Roles.Admin);
    }
}
