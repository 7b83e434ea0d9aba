using Hangfire;
using Hangfire.Common;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using IncidentHub.Web.Infrastructure.Observability;
using Microsoft.AspNetCore.Authorization;

namespace IncidentHub.Web.Infrastructure.Jobs;

/// <summary>Hangfire on PostgreSQL: durable per-incident agent work; the server runs only in worker roles.</summary>
public static class JobsExtensions
{
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder, string connectionString, IncidentHubOptions options)
    {
        builder.Services.AddSingleton<StormGate>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StormGate>());
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = TimeSpan.FromSeconds(1),
            EnableLongPolling = true,
        };

        // The storage is this app's own singleton: Hangfire's default registration returns the process-wide JobStorage.Current
        // when first resolved, so two apps starting at once in one process (the test suite's fixtures) could swap databases.
        builder.Services.AddSingleton<JobStorage>(_ => new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions, null), storageOptions));
        builder.Services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(sp.GetRequiredService<JobStorage>())
            .UseLogProvider(new DisposalSafeLogProvider(sp.GetRequiredService<ILoggerFactory>())));

        if (options.RunsWorker)
        {
            // Twice the workers: a job that ever blocked on work queued behind it still finds a free thread.
            builder.Services.AddSingleton(sp => new AgentTaskScheduler(options.WorkerCount * 2, sp.GetRequiredService<ILogger<AgentTaskScheduler>>()));
            builder.Services.AddHangfireServer((sp, server) =>
            {
                server.WorkerCount = options.WorkerCount;
                // This app's own activator: Hangfire's default is the process-wide one, which another (stopped) app may have set.
                server.Activator = new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>());
                // Running jobs see their cancellation at once and get this long to stop; within the host's stop budget.
                server.StopTimeout = TimeSpan.Zero;
                server.ShutdownTimeout = options.JobShutdownTimeout;
                // The agents' code runs at a lower OS priority than the webhooks' (docs/decisions/015).
                server.TaskScheduler = sp.GetRequiredService<AgentTaskScheduler>();

                server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
                // This server's jobs (not every server's in the process: the filter list is per server) pass the storm gate.
                server.FilterProvider = new JobFilterProviderCollection(JobFilterProviders.Providers,
                    new JobFilterCollection
                    {
                        new StormGateFilter(sp.GetRequiredService<StormGate>(), sp.GetRequiredService<ILogger<StormGateFilter>>()),
                        sp.GetRequiredService<JobObservationFilter>(),
                    });
            });

            // Features add their recurring jobs (AddRecurringJob); a worker registers them with Hangfire as it starts.
            builder.Services.AddHostedService<RecurringJobsRegistrar>();
        }

        return builder;
    }

    /// <summary>The Hangfire dashboard at /jobs, for the users <paramref name="policy"/> allows (checked by endpoint authorization).</summary>
    public static IEndpointRouteBuilder MapJobsDashboard(this IEndpointRouteBuilder app, string policy)
    {
        app.MapHangfireDashboard("/jobs", new DashboardOptions
        {
            Authorization = [],
            AsyncAuthorization = [new PolicyFilter(policy)],
            DashboardTitle = "IncidentHub jobs",
            AppPath = "/",
        }).RequireAuthorization(policy);
        return app;
    }

    /// <summary>Authorization is done by the endpoint policy above; Hangfire's own check evaluates the same policy again.</summary>
    private sealed class PolicyFilter(string policy) : IDashboardAsyncAuthorizationFilter
    {
        public async Task<bool> AuthorizeAsync(DashboardContext context)
        {
            var http = context.GetHttpContext();
            var result = await http.RequestServices.GetRequiredService<IAuthorizationService>().AuthorizeAsync(http.User, policy);
            return result.Succeeded;
        }
    }
}
