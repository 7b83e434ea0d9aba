using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IncidentHub.Web.Features.Remediation.Executors;

public static class ExecutorsExtensions
{
    /// <summary>
    /// The clients that make actions happen and check them. The verifier reuses the investigation's
    /// <c>PrometheusConnector</c> and <c>HealthConnector</c>, which <c>AddInvestigation</c> registers.
    /// </summary>
    public static IServiceCollection AddRemediationExecutors(this IServiceCollection services)
    {
        services.AddOptions<RemediationExecutorOptions>()
            .BindConfiguration(RemediationExecutorOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(ToolRegistry.Default);

        services.AddHttpClient<AlertmanagerSilences>();
        // A redirect could take a signed call off the allowlist.
        services.AddHttpClient<RunbookWebhooks>().AddOutboundPolicy(followRedirects: false, checkHosts: false); // its own Remediation:RunbookAllowedHosts
        services.AddTransient<PostconditionVerifier>();
        return services;
    }
}
