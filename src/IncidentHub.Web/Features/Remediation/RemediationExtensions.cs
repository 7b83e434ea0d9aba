using Hangfire;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Remediation.Components;
using IncidentHub.Web.Features.Remediation.Executors;
using IncidentHub.Web.Features.Remediation.Playbooks;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Jobs;

namespace IncidentHub.Web.Features.Remediation;

public static class RemediationExtensions
{
    public static WebApplicationBuilder AddRemediation(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RemediationOptions>().BindConfiguration(RemediationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PlaybookSeedOptions>().BindConfiguration(PlaybookSeedOptions.SectionName);
        services.AddSingleton<PlaybookStore>();
        services.AddScoped<PlanContextReader>();
        services.AddScoped<RemediationService>();
        services.AddScoped<PlanJob>();
        services.AddScoped<PlanSweepJob>();
        services.AddScoped<ApprovalTimeoutJob>();
        services.AddRemediationExecutors();
        services.AddScoped<ActionRunner>();
        services.AddScoped<ExecuteJob>();
        services.AddScoped<VerifyJob>();
        services.AddScoped<RemediationSweepJob>();
        services.AddScoped<ExpireSilencesJob>();
        services.AddDatabaseSeeder<PlaybookSeeder>();

        // A plan follows the final diagnosis; the sweeps catch a lost enqueue and decide what nobody decided in time.
        services.AddIncidentStep<PlanJob>(IncidentStage.Diagnosed, id => job => job.RunAsync(id, CancellationToken.None));
        services.AddIncidentStep<PlanJob>(IncidentStage.CodeAnalysed, id => job => job.RunAsync(id, CancellationToken.None));
        services.AddIncidentStep<ExpireSilencesJob>(IncidentStage.ResolvedByPerson, id => job => job.RunAsync(id, CancellationToken.None));
        services.AddIncidentStep<ExpireSilencesJob>(IncidentStage.ResolvedByAlerts, id => job => job.RunAsync(id, CancellationToken.None));
        services.AddRecurringJob<PlanSweepJob>(PlanSweepJob.RecurringId, job => job.RunAsync(null, CancellationToken.None), Cron.Minutely());
        services.AddRecurringJob<ApprovalTimeoutJob>(ApprovalTimeoutJob.RecurringId, job => job.RunAsync(CancellationToken.None), Cron.Minutely());
        services.AddRecurringJob<RemediationSweepJob>(RemediationSweepJob.RecurringId, job => job.RunAsync(CancellationToken.None), Cron.Minutely());

        services.AddIncidentPanel<PlanPanel>(IncidentPanelPlace.AboveTimeline);
        return builder;
    }

    public static IEndpointRouteBuilder MapRemediation(this IEndpointRouteBuilder app) => app.MapRemediationApi();
}
