using Hangfire;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Reports.Components;
using IncidentHub.Web.Infrastructure.Jobs;
using IncidentHub.Web.Features.Reports.Email;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Reports;

public static class ReportsExtensions
{
    public static WebApplicationBuilder AddReports(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ReportsOptions>().BindConfiguration(ReportsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>();
        services.AddHealthChecks()
            .AddCheck<ChromiumHealthCheck>("chromium", tags: [Infrastructure.HealthTags.Ready])
            .AddCheck<SmtpHealthCheck>("smtp", tags: [Infrastructure.HealthTags.Ready]);
        services.AddSingleton<PdfPrinter>();
        services.AddSingleton<SmtpMailer>();
        services.AddScoped<PostmortemBuilder>();
        services.TryAddScoped<IPostmortemNarrator, NoPostmortemNarrator>();
        services.AddScoped<PostmortemRenderer>();
        services.AddScoped<PostmortemService>();
        services.AddScoped<OutboxService>();

        // A person's resolve writes the post-mortem at once; those resolved by their alerts or escalated are
        // written by the sweep, at most 100 a minute, so a storm's resolution does not flood the printer.
        services.AddIncidentStep<PostmortemJob>(IncidentStage.ResolvedByPerson, id => job => job.RunAsync(id, CancellationToken.None));
        services.AddRecurringJob<PostmortemSweepJob>(PostmortemSweepJob.RecurringId, job => job.RunAsync(CancellationToken.None), Cron.Minutely());
        services.AddRecurringJob<OutboxSweepJob>(OutboxSweepJob.RecurringId, job => job.RunAsync(CancellationToken.None), Cron.Minutely());

        services.AddIncidentPanel<PostmortemPanel>(IncidentPanelPlace.BelowTimeline);
        return builder;
    }

    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app) => app.MapReportsApi();
}
