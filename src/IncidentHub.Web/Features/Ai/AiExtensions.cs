using IncidentHub.Web.Features.Ai.Components;
using IncidentHub.Web.Features.CodeFix;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Reports;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Ai;

public static class AiExtensions
{
    /// <summary>
    /// The AI agents. With Ai:Provider=None (the default) only the settings page and the (empty) usage panel
    /// exist: no hook is registered, so the jobs call nothing and write nothing more.
    /// </summary>
    public static WebApplicationBuilder AddAi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOutbound();
        services.AddOptions<AiOptions>().BindConfiguration(AiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AiOptions>, AiOptionsValidator>();

        // Provider URLs pass the outbound policy like any other; the SDKs' own retries are off (the session's timeout bounds the whole talk).
        services.AddHttpClient(AiKernels.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan).AddOutboundPolicy(followRedirects: false);
        services.AddSingleton<AiKernels>();
        services.AddScoped<AiSession>();
        services.AddScoped<AiUsageQueries>();
        services.AddScoped<TriageAgent>();
        services.AddScoped<InvestigationAgent>();
        services.AddScoped<CodeFixAgent>();
        services.AddScoped<PostmortemWriter>();

        var provider = builder.Configuration.GetValue<AiProvider?>($"{AiOptions.SectionName}:Provider") ?? AiProvider.None;
        if (provider != AiProvider.None)
        {
            services.AddScoped<IInvestigationEnrichment, AiEnrichment>();
            if (builder.Configuration.GetValue<string>($"{AiOptions.SectionName}:Models:Code") is { Length: > 0 })
            {
                services.AddScoped<ICodeFixProposer>(sp => sp.GetRequiredService<CodeFixAgent>());
            }

            if (builder.Configuration.GetValue<string>($"{AiOptions.SectionName}:Models:Postmortem") is { Length: > 0 })
            {
                services.AddScoped<IPostmortemNarrator>(sp => sp.GetRequiredService<PostmortemWriter>());
            }
        }

        services.AddIncidentPanel<AiUsagePanel>(IncidentPanelPlace.BelowTimeline);
        return builder;
    }

    public static IEndpointRouteBuilder MapAi(this IEndpointRouteBuilder app) => app.MapAiApi();
}
