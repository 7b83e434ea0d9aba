using Hangfire;
using IncidentHub.Web.Features.CodeFix.Components;
using IncidentHub.Web.Features.CodeFix.GitHub;
using IncidentHub.Web.Features.CodeFix.Sandbox;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IncidentHub.Web.Features.CodeFix;

public static class CodeFixExtensions
{
    public static WebApplicationBuilder AddCodeFix(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CodeFixOptions>().BindConfiguration(CodeFixOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddCodeFixSandbox(builder.Configuration);
        services.AddCodeFixGitHub(builder.Configuration);
        services.AddSingleton<Worktrees>();
        services.AddScoped<CodeFixService>();
        services.AddScoped<CodeAnalysisJob>();
        services.TryAddScoped<ICodeFixProposer, NoCodeFixProposer>();
        services.AddScoped<CodeFixPublisher>();
        services.AddScoped<PullRequestPollJob>();
        services.AddScoped<CodeAnalysisSweepJob>();
        services.AddScoped<GitHubDeliveries>();

        // The agent reads the code once the final diagnosis names a suspect; a plan revision follows its result (CodeAnalysed).
        services.AddIncidentStep<CodeAnalysisJob>(IncidentStage.Diagnosed, id => job => job.RunAsync(id, CancellationToken.None));
        services.AddRecurringJob<CodeAnalysisSweepJob>(CodeAnalysisSweepJob.RecurringId, job => job.RunAsync(null, CancellationToken.None), "*/5 * * * *");
        services.AddRecurringJob<PullRequestPollJob>(PullRequestPollJob.RecurringId, job => job.RunAsync(CancellationToken.None), "*/5 * * * *");
        services.AddRecurringJob<GitHubDeliveries>(GitHubDeliveries.RecurringId, job => job.SweepAsync(CancellationToken.None), "* * * * *");
        services.AddIncidentPanel<CodeAnalysisPanel>(IncidentPanelPlace.AboveTimeline);
        return builder;
    }

    public static IEndpointRouteBuilder MapCodeFix(this IEndpointRouteBuilder app) => app.MapCodeFixApi();
}
