using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Infrastructure.Jobs;

namespace IncidentHub.Web.Features.Memory;

public static class MemoryExtensions
{
    public static WebApplicationBuilder AddMemory(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<IncidentMemory>();
        services.AddSingleton<MemoryRecall>();
        services.AddSingleton<IIncidentMemoryRecall>(sp => sp.GetRequiredService<MemoryRecall>());
        services.AddScoped<RememberIncidentJob>();
        services.AddScoped<MemorySweepJob>();

        // Every resolved incident is remembered, however it resolved.
        services.AddIncidentStep<RememberIncidentJob>(IncidentStage.ResolvedByPerson, id => job => job.RunAsync(id, CancellationToken.None));
        services.AddIncidentStep<RememberIncidentJob>(IncidentStage.ResolvedByAlerts, id => job => job.RunAsync(id, CancellationToken.None));
        services.AddRecurringJob<MemorySweepJob>(MemorySweepJob.RecurringId, job => job.RunAsync(CancellationToken.None), "*/5 * * * *");
        return builder;
    }

    public static IEndpointRouteBuilder MapMemory(this IEndpointRouteBuilder app) => app.MapMemoryApi();
}
