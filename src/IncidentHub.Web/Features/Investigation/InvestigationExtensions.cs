using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Investigation.Connectors;
using IncidentHub.Web.Features.Investigation.Deploys;
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
        services.AddHttpClient<PrometheusConnector>();
        services.AddHttpClient<LokiConnector>();
        services.AddHttpClient<HealthConnector>().ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton<LogFileConnector>();
        services.AddSingleton<OpenMetricsFileConnector>();
        services.AddSingleton<GitConnector>();

        services.AddScoped<EvidenceCollector>();
        services.AddScoped<InvestigateJob>();
        services.AddScoped<InvestigateSweepJob>();
        services.TryAddScoped<IIncidentMemoryRecall, NoIncidentMemoryRecall>();
        return builder;
    }

    public static IEndpointRouteBuilder MapInvestigation(this IEndpointRouteBuilder app) => app.MapDeploysApi();
}
