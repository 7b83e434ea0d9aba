using IncidentHub.Web.Infrastructure.Commands;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.AspNetCore.DataProtection;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Jobs;
using IncidentHub.Web.Infrastructure.Live;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace IncidentHub.Web.Infrastructure;

public static class InfrastructureExtensions
{
    public static WebApplicationBuilder AddInfrastructure(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<IncidentHubOptions>().BindConfiguration(IncidentHubOptions.SectionName).ValidateDataAnnotations()
            .Validate(o => o.JobShutdownTimeout < o.ShutdownTimeout, "IncidentHub:JobShutdownTimeout must be less than IncidentHub:ShutdownTimeout.")
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(IncidentHubOptions.SectionName).Get<IncidentHubOptions>() ?? new IncidentHubOptions();

        // One stop budget for every hosted service, stopped side by side: a service slow to stop cannot use up the
        // time Hangfire needs to hand its running jobs back (which it does within JobShutdownTimeout).
        services.Configure<HostOptions>(host =>
        {
            host.ShutdownTimeout = options.ShutdownTimeout;
            host.ServicesStopConcurrently = true;
        });

        var connectionString = builder.Configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Postgres is not set. scripts/run.sh sets it for a local run; otherwise set the environment variable ConnectionStrings__Postgres.");
        }

        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        // Features add their SaveChanges interceptors (analytics marks the closed weeks a write changes) as IInterceptor.
        services.AddDbContextFactory<AppDbContext>((sp, db) => db.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .AddInterceptors(sp.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>()));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());

        // Every web node must read the others' login cookies: keys live in the shared database, encrypted with a
        // certificate file every process of the deployment shares (KeyEncryptionOptions).
        services.AddDataProtection().PersistKeysToDbContext<AppDbContext>().SetApplicationName("IncidentHub")
            .ProtectKeysWithConfiguredCertificate(builder.Configuration);

        services.AddSingleton<IncidentNotifier>();
        services.AddSingleton<IIncidentNotifier>(sp => sp.GetRequiredService<IncidentNotifier>());
        services.AddHostedService<IncidentEventsDispatcher>();
        if (options.RunsWeb)
        {
            services.AddHostedService<IncidentEventsListener>();
        }

        builder.AddJobs(connectionString, options);

        // Enums travel by name in the JSON API ("P1", "Investigating"), as they are stored.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.AddProblemDetails();
        // DataAnnotations on request and [AsParameters] records: a 400 ValidationProblem before the handler runs.
        services.AddValidation();
        services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("postgres", tags: [HealthTags.Ready])
            .AddCheck<HangfireHealthCheck>("hangfire", tags: [HealthTags.Ready]);

        // scripts/run.sh runs this before it starts the server.
        services.AddAppCommand("migrate", "migrate: apply the migrations and every feature's seed data, then exit",
            (sp, _) => sp.InitializeDatabaseAsync());
        return builder;
    }

    /// <summary>With Database:MigrateOnStart (one-process deployments), migrates and seeds before serving.</summary>
    public static async Task MigrateOnStartAsync(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value.MigrateOnStart)
        {
            await app.Services.InitializeDatabaseAsync();
        }
    }

    /// <summary>Web and all-in-one processes serve people and senders; a worker runs Hangfire and answers /health only.</summary>
    public static bool ServesRequests(this WebApplication app) => IncidentHubOptions.ReadRole(app.Configuration) != ProcessRole.Worker;

    public static WebApplication UseInfrastructure(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // As before: 200 when PostgreSQL answers (scripts poll it; the Docker HEALTHCHECK uses /health/live).
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = check => check.Name == "postgres" }).AllowAnonymous();
        // Live: the process answers (no dependency checked, so a database outage does not get it restarted).
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        // Ready: every component, each with its status, as JSON.
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Ready),
            ResponseWriter = HealthTags.WriteComponentsAsync,
        }).AllowAnonymous();
        return app;
    }
}

public static class HealthTags
{
    /// <summary>Checks that /health/ready runs.</summary>
    public const string Ready = "ready";

    /// <summary>{"status":"Healthy","components":{"postgres":{"status":"Healthy","description":"..."},...}}</summary>
    public static Task WriteComponentsAsync(HttpContext http, HealthReport report) =>
        http.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            components = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
}

/// <summary>Hangfire's storage answers, and in a worker process this process's server is registered.</summary>
internal sealed class HangfireHealthCheck(Hangfire.JobStorage storage, Microsoft.Extensions.Options.IOptions<IncidentHubOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var servers = storage.GetMonitoringApi().Servers();
            var mine = servers.Any(s => s.Name.Contains($"{Environment.MachineName}:{Environment.ProcessId}", StringComparison.Ordinal));
            return Task.FromResult(options.Value.RunsWorker && !mine
                ? HealthCheckResult.Unhealthy($"Hangfire storage answers, but this worker's server is not registered ({servers.Count} other server(s)).")
                : HealthCheckResult.Healthy($"{servers.Count} Hangfire server(s)"));
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Hangfire storage is not reachable", ex));
        }
    }
}

internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (NpgsqlException ex)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is not reachable", ex);
        }
    }
}
