using Hangfire;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Features.Remediation;
using IncidentHub.Web.Infrastructure;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.OnCall;

/// <summary>
/// Tells the owning team's channels what happened to an incident, and starts paging (README "What is sent and when").
/// Each message has an outbox key made of the incident and the thing it is about (an action, a diagnosis, a
/// post-mortem revision), so a job run twice, or a storm of alerts on one incident, sends each message once.
/// </summary>
public sealed class NoticeJob(
    AppDbContext db,
    TeamService teams,
    ChannelService channels,
    EscalationJob escalation,
    IOptions<IncidentHubOptions> hub,
    TimeProvider clock,
    ILogger<NoticeJob> logger)
{
    public const string Actor = "on-call";

    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [10, 60, 300])]
    public async Task RunAsync(Guid incidentId, NoticeKind kind, CancellationToken ct)
    {
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == incidentId, ct);
        if (incident is null)
        {
            return;
        }

        var team = await teams.ForServiceAsync(db, incident.Service, ct);
        var about = About(incident);
        var to = Routes(team, incident.Severity, kind);
        if (kind is NoticeKind.Acknowledged or NoticeKind.Resolved && team is not null && await db.Escalations.AnyAsync(e => e.IncidentId == incidentId, ct))
        {
            // PagerDuty was triggered when paging started, whatever the severity routes say: it must hear the end too.
            var all = team.Routes.Select(r => r.ChannelId).ToList();
            var pagerDuty = await db.NotificationChannels.AsNoTracking().Where(c => c.Kind == ChannelKind.PagerDuty && all.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
            to = [.. to.Union(pagerDuty)];
        }
        switch (kind)
        {
            case NoticeKind.DiagnosisReady:
                await DiagnosedAsync(incident, team, about, to, ct);
                break;
            case NoticeKind.ApprovalNeeded:
                foreach (var a in await ActionsAsync(incidentId, a => a.State == ActionState.Proposed && a.NeedsApproval, ct))
                {
                    await channels.SendAsync($"approval:{a.Id:N}", new Notice(kind, about, $"Approval needed: {a.Title} ({Tier(a)})",
                        $"{a.GateReason} Expires {a.ExpiresAt:HH:mm} UTC.",
                        [
                            new("Approve", null, SlackActions.Approve, SlackActions.Value(incident.Number, a.Id, a.Hash), "primary"),
                            new("Reject", null, SlackActions.Reject, SlackActions.Value(incident.Number, a.Id, a.Hash), "danger"),
                            new("Open approval", about.Url + "#plan", "open_approval"),
                        ]), to, ct);
                }

                break;
            case NoticeKind.ApprovalTimedOut:
                foreach (var a in await ActionsAsync(incidentId, a => a.State == ActionState.Expired, ct))
                {
                    await channels.SendAsync($"approval-timeout:{a.Id:N}", new Notice(kind, about, $"Approval timed out: {a.Title} ({Tier(a)}); escalated",
                        null, [Open(about)]), to, ct);
                }

                break;
            case NoticeKind.ActionFailed:
                foreach (var a in await ActionsAsync(incidentId, a => a.State == ActionState.Failed, ct))
                {
                    await channels.SendAsync($"action-failed:{a.Id:N}", new Notice(kind, about, $"Action failed: {a.Title} ({Tier(a)})", a.Result, [Open(about)]), to, ct);
                }

                break;
            case NoticeKind.VerificationFailed:
                foreach (var a in await ActionsAsync(incidentId, a => a.Verified == false, ct))
                {
                    await channels.SendAsync($"verify-failed:{a.Id:N}", new Notice(kind, about, $"Verification failed after {a.Title}", a.Verification, [Open(about)]),
                        to, ct);
                }

                break;
            case NoticeKind.Acknowledged:
                await escalation.StopAsync(incidentId, $"acknowledged by {incident.AcknowledgedBy}", ct);
                await channels.SendAsync($"ack:{incidentId:N}", new Notice(kind, about, $"Acknowledged by {incident.AcknowledgedBy}", null, [Open(about)]), to, ct);
                break;
            case NoticeKind.Resolved:
                await escalation.StopAsync(incidentId, $"resolved by {incident.ResolvedBy ?? "its alerts"}", ct);
                await channels.SendAsync($"resolved:{incidentId:N}", new Notice(kind, about, $"Resolved by {incident.ResolvedBy ?? "its alerts"}", null, [Open(about)]),
                    to, ct);
                break;
            case NoticeKind.PostmortemReady:
                var revision = await db.Postmortems.Where(p => p.IncidentId == incidentId).Select(p => (int?)p.Revision).SingleOrDefaultAsync(ct);
                if (revision is not null)
                {
                    await channels.SendAsync($"postmortem:{incidentId:N}:r{revision}", new Notice(kind, about, "Post-mortem ready", null,
                        [new("Read the post-mortem", $"{about.Url}/postmortem", "open_postmortem"), Open(about)]), to, ct);
                }

                break;
            case NoticeKind.Escalated:
                // A person asked for more hands: the channels hear it, and paging starts now if it had not (it was not
                // due, or the engine said not to page); paging already under way pages its next level now.
                var escalatedBy = await db.Timeline.AsNoTracking().Where(t => t.IncidentId == incidentId && t.Kind == TimelineKind.StateChanged && t.Text.StartsWith("Escalated by"))
                    .OrderByDescending(t => t.At).Select(t => t.Text).FirstOrDefaultAsync(ct);
                await channels.SendAsync($"escalated:{incidentId:N}:{incident.EscalatedAt:O}", new Notice(kind, about, escalatedBy ?? "Escalated by hand", null, [Open(about)]), to, ct);
                if (team is not null && incident.AcknowledgedAt is null)
                {
                    if (!await db.Escalations.AnyAsync(e => e.IncidentId == incidentId, ct))
                    {
                        await escalation.StartAsync(incidentId, team.Id, ct);
                    }
                    else if (incident.EscalatedAt is { } requestedAt)
                    {
                        await escalation.SkipAheadAsync(incidentId, requestedAt, ct);
                    }
                }

                break;
            case NoticeKind.Reopened:
                await channels.SendAsync($"reopened:{incidentId:N}:{incident.ReopenedAt:O}", new Notice(kind, about, "Reopened: investigating again", null, [Open(about)]), to, ct);
                break;
            default:
                logger.LogWarning("Notice {Kind} is not sent by the pipeline", kind);
                break;
        }
    }

    /// <summary>
    /// The first final diagnosis opens the incident's thread and pages per policy: only when the engine says it would
    /// page (a noisy false alarm does not) and the severity is within the team's PageUpTo, or the cause is unknown (the
    /// engine's "escalate to a human": its severity then rests on missing evidence, not on measured impact). Later diagnoses reply.
    /// </summary>
    private async Task DiagnosedAsync(Incident incident, Team? team, NoticeIncident about, IReadOnlyList<Guid> to, CancellationToken ct)
    {
        var finals = await db.Diagnoses.AsNoTracking().Where(d => d.IncidentId == incident.Id && d.IsFinal).OrderByDescending(d => d.Id).ToListAsync(ct);
        if (finals.Count == 0)
        {
            return;
        }

        var latest = finals[0];
        var diagnosis = latest.Read();
        var line = InvestigateJob.DiagnosisLine(diagnosis);
        if (finals.Count > 1)
        {
            await channels.SendAsync($"diagnosis:{latest.Id}", new Notice(NoticeKind.DiagnosisReady, about, "New diagnosis", line, [Open(about)]), to, ct);
            return;
        }

        string headline;
        string? mention = null;
        if (!diagnosis.WouldPage)
        {
            headline = $"Opened; not paged: {diagnosis.PageReason}";
        }
        else if (!incident.IsOpen || incident.AcknowledgedAt is not null)
        {
            headline = "Opened; already acknowledged or resolved, nobody paged";
        }
        else if (team is null)
        {
            headline = await escalation.PageOwnerAsync(incident, about, line, ct);
        }
        else if (incident.Severity > team.PageUpTo && !diagnosis.Unknown)
        {
            // An unknown cause has no measured severity (the engine found no impact because it found little at all): it pages.
            headline = $"Opened; {incident.Severity} does not page {team.Name} (pages {team.PageUpTo} and worse)";
        }
        else
        {
            var paged = await escalation.StartAsync(incident.Id, team.Id, ct);
            mention = paged?.SlackUserId;
            headline = paged is null ? $"Opened; {team.Name} has nobody on call to page" : $"Opened; paging {paged.Name} (on call for {team.Name})";
        }

        await channels.SendAsync($"opened:{incident.Id:N}", new Notice(NoticeKind.Opened, about, headline, line, [Open(about)], mention), to, ct);
    }

    private async Task<List<PlanAction>> ActionsAsync(Guid incidentId, System.Linq.Expressions.Expression<Func<PlanAction, bool>> which, CancellationToken ct) =>
        await db.PlanActions.AsNoTracking().Where(a => a.IncidentId == incidentId).Where(which).OrderBy(a => a.CreatedAt).Take(20).ToListAsync(ct);

    /// <summary>The team's channels for this severity; none for P3 in quiet hours (resolution still goes out).</summary>
    internal IReadOnlyList<Guid> Routes(Team? team, Severity severity, NoticeKind kind)
    {
        if (team is null)
        {
            return [];
        }

        if (severity == Severity.P3 && kind != NoticeKind.Resolved && team.IsQuiet(clock.GetUtcNow()))
        {
            logger.LogInformation("{Kind} for a P3 of {Team} held back: quiet hours", kind, team.Slug);
            return [];
        }

        return team.Routes.Where(r => severity <= r.UpTo).Select(r => r.ChannelId).ToList();
    }

    public NoticeIncident About(Incident incident) =>
        new(incident.Id, incident.Number, incident.Title, incident.Severity, incident.Service, $"{hub.Value.PublicBaseUrl.TrimEnd('/')}/incidents/{incident.Number}");

    private static NoticeButton Open(NoticeIncident about) => new("Open incident", about.Url, "open_incident");

    private static string Tier(PlanAction a) => a.Tier.ToString().ToUpperInvariant();
}
