using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Jobs;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace IncidentHub.Web.Features.Analytics;

public static class AnalyticsExtensions
{
    public static WebApplicationBuilder AddAnalytics(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<AnalyticsQueries>();
        services.AddSingleton<AnalyticsService>();
        services.AddTransient<AnalyticsRollupJob>();

        // Closed weeks changed by a save, or by intake's bulk alert writes, are marked stale in the same transaction.
        services.AddSingleton<RollupInvalidator>();
        services.AddSingleton<IInterceptor>(sp => sp.GetRequiredService<RollupInvalidator>());
        services.AddSingleton<IBulkAlertWriteObserver>(sp => sp.GetRequiredService<RollupInvalidator>());
        services.AddRecurringJob<AnalyticsRollupJob>(AnalyticsRollupJob.RecurringId, job => job.RunAsync(CancellationToken.None), "*/10 * * * *");
        return builder;
    }

    public static IEndpointRouteBuilder MapAnalytics(this IEndpointRouteBuilder app) => app.MapAnalyticsApi();
}
