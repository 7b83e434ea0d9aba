using Hangfire;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Features.OnCall.Components;
using IncidentHub.Web.Infrastructure.Jobs;

namespace IncidentHub.Web.Features.OnCall;

public static class OnCallExtensions
{
    public static WebApplicationBuilder AddOnCall(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SlackOptions>().BindConfiguration(SlackOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<TeamService>();
        services.AddScoped<EscalationJob>();
        services.AddScoped<NoticeJob>();
        services.AddScoped<IncidentHub.Web.Features.Remediation.Executors.ITeamPaging, OnCallTeamPaging>();

        // What is sent and when (README): each stage of the pipeline that a person should hear about.
        services.AddIncidentStep<NoticeJob>(IncidentStage.Diagnosed, id => job => job.RunAsync(id, NoticeKind.DiagnosisReady, CancellationToken.None));
        services.AddIncidentStep<NoticeJob>(IncidentStage.ApprovalNeeded, id => job => job.RunAsync(id, NoticeKind.ApprovalNeeded, CancellationToken.None));
        services.AddIncidentStep<NoticeJob>(IncidentStage.ApprovalTimedOut, id => job => job.RunAsync(id, NoticeKind.ApprovalTimedOut, CancellationToken.None));
        services.AddIncidentStep<NoticeJob>(IncidentStage.ActionFailed, id => job => job.RunAsync(id, NoticeKind.ActionFailed, CancellationToken.None));
        services.AddIncidentStep<NoticeJob>(IncidentStage.MitigationFailed, id => job => job.RunAsync(id, NoticeKind.VerificationFailed, CancellationToken.None));
        services.AddIncidentStep<NoticeJob>(IncidentStage.Acknowledged, id => job => job.RunAsync(id, NoticeKind.Acknowledged, CancellationToken.None));
        services.AddIncidentStep<NoticeJob>(IncidentStage.ResolvedByPerson, id => job => job.RunAsync(id, NoticeKind.Resolved, CancellationToken.None));
        services.AddIncidentStep<NoticeJob>(IncidentStage.ResolvedByAlerts, id => job => job.RunAsync(id, NoticeKind.Resolved, CancellationToken.None));
        services.AddIncidentStep<NoticeJob>(IncidentStage.EscalatedByPerson, id => job => job.RunAsync(id, NoticeKind.Escalated, CancellationToken.None));
        services.AddIncidentStep<NoticeJob>(IncidentStage.Reopened, id => job => job.RunAsync(id, NoticeKind.Reopened, CancellationToken.None));
        services.AddIncidentStep<NoticeJob>(IncidentStage.PostmortemReady, id => job => job.RunAsync(id, NoticeKind.PostmortemReady, CancellationToken.None));
        services.AddRecurringJob<EscalationJob>(EscalationJob.RecurringId, job => job.RunAsync(CancellationToken.None), Cron.Minutely());

        services.AddIncidentPanel<OnCallPanel>(IncidentPanelPlace.AboveTimeline);
        return builder;
    }

    public static IEndpointRouteBuilder MapOnCall(this IEndpointRouteBuilder app)
    {
        app.MapOnCallApi();
        app.MapSlackInteractions();
        return app;
    }
}
