using Hangfire;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation.Components;
using IncidentHub.Web.Features.Investigation.Connectors;
using IncidentHub.Web.Features.Investigation.Deploys;
using IncidentHub.Web.Infrastructure.Jobs;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IncidentHub.Web.Features.Investigation;

public static class InvestigationExtensions
{
    public static WebApplicationBuilder AddInvestigation(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<InvestigationOptions>().BindConfiguration(InvestigationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DiagnosisOptions>().BindConfiguration(DiagnosisOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Connectors: read-only; each call is also bounded by Investigation:ConnectorTimeoutSeconds.
        // Catalog URLs are input from outside: every request passes the outbound policy (hosts, addresses, redirects).
        services.AddHttpClient<PrometheusConnector>().AddOutboundPolicy();
        services.AddHttpClient<LokiConnector>().AddOutboundPolicy();
        services.AddHttpClient<HealthConnector>().AddOutboundPolicy(followRedirects: false, checkHosts: false); // its own Investigation:HealthCheckAllowedHosts
        services.AddSingleton<LogFileConnector>();
        services.AddSingleton<OpenMetricsFileConnector>();
        services.AddSingleton<GitConnector>();

        services.AddScoped<EvidenceCollector>();
        services.AddScoped<InvestigateJob>();
        services.AddScoped<InvestigateSweepJob>();
        services.AddScoped<DiagnosisService>();
        services.TryAddScoped<IIncidentMemoryRecall, NoIncidentMemoryRecall>();
        services.TryAddScoped<IInvestigationEnrichment, NoInvestigationEnrichment>();

        // Triage starts when an incident opens, the investigation when triage is committed.
        services.AddIncidentStep<TriageJob>(IncidentStage.Opened, id => job => job.RunAsync(id, CancellationToken.None));
        services.AddIncidentStep<InvestigateJob>(IncidentStage.Triaged, id => job => job.RunAsync(id, CancellationToken.None));
        services.AddIncidentStep<InvestigateJob>(IncidentStage.MitigationFailed, id => job => job.RunAsync(id, CancellationToken.None));

        // The sweeps read their own job's creation time from the PerformContext Hangfire passes in place of null.
        services.AddRecurringJob<TriageSweepJob>(TriageSweepJob.RecurringId, job => job.RunAsync(null, CancellationToken.None), Cron.Minutely());
        services.AddRecurringJob<InvestigateSweepJob>(InvestigateSweepJob.RecurringId, job => job.RunAsync(null, CancellationToken.None), Cron.Minutely());

        services.AddIncidentPanel<DiagnosisPanel>(IncidentPanelPlace.AboveTimeline);
        return builder;
    }

    public static IEndpointRouteBuilder MapInvestigation(this IEndpointRouteBuilder app) => app.MapDeploysApi().MapInvestigationApi();
}
