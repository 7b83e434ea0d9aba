using IncidentHub.Analysis.OnCall;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Infrastructure;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.OnCall;

/// <summary>
/// Pages people per the owning team's escalation policy (<see cref="EscalationPlan"/>): level 1 the person on call,
/// level 2 after N minutes unacknowledged the secondary or the lead, level 3 the escalation contact, then again from
/// level 1 until the rounds are spent. Runs every minute over the incidents being paged, on <see cref="TimeProvider"/>
/// (tests move a fake clock). An acknowledgement or resolution stops it. Each page is an outbox message with the key
/// of its step, so two runs at once page once.
/// </summary>
public sealed class EscalationJob(
    AppDbContext db,
    ChannelService channels,
    ServiceCatalog catalog,
    IIncidentNotifier notifier,
    IOptions<IncidentHubOptions> hub,
    TimeProvider clock,
    ILogger<EscalationJob> logger)
{
    public const string RecurringId = "escalation";
    public const string Actor = NoticeJob.Actor;

    public async Task RunAsync(CancellationToken ct)
    {
        var active = await db.Escalations.AsNoTracking().Where(e => e.StoppedAt == null).OrderBy(e => e.StartedAt).Select(e => e.IncidentId).Take(500).ToListAsync(ct);
        foreach (var id in active)
        {
            await AdvanceAsync(id, ct);
        }
    }

    /// <summary>Starts paging the incident (once) and pages level 1 now; returns who that is, or null when nobody is on call.</summary>
    public async Task<TeamMember?> StartAsync(Guid incidentId, Guid teamId, CancellationToken ct)
    {
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO escalations (\"IncidentId\", \"TeamId\", \"StartedAt\", \"StepsSent\") VALUES ({incidentId}, {teamId}, {clock.GetUtcNow()}, 0) ON CONFLICT DO NOTHING",
            ct);
        await AdvanceAsync(incidentId, ct);
        var team = await db.Teams.AsNoTracking().Include(t => t.Members).Include(t => t.Overrides).SingleAsync(t => t.Id == teamId, ct);
        return Person(team, EscalationTarget.OnCall);
    }

    /// <summary>Stops paging; the next run sends nothing more.</summary>
    public async Task StopAsync(Guid incidentId, string reason, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var stopped = await db.Escalations.Where(e => e.IncidentId == incidentId && e.StoppedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.StoppedAt, now).SetProperty(e => e.StopReason, reason), ct);
        if (stopped > 0)
        {
            db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.Paged, $"Paging stopped: {reason}"));
            await db.SaveChangesAsync(ct);
            await notifier.PublishAsync([incidentId], ct);
        }
    }

    /// <summary>
    /// A person escalated by hand while paging is under way: the next level is paged now instead of after its delay
    /// (the whole schedule moves earlier by the time that was left, so later levels keep their spacing). False when
    /// paging has stopped, every level was already paged, or someone was paged since <paramref name="requestedAt"/>
    /// (the request was answered: a retried job does not skip a second level).
    /// </summary>
    public async Task<bool> SkipAheadAsync(Guid incidentId, DateTimeOffset requestedAt, CancellationToken ct)
    {
        if (await db.Timeline.AnyAsync(t => t.IncidentId == incidentId && t.Kind == TimelineKind.Paged && t.At >= requestedAt, ct))
        {
            return false;
        }

        var escalation = await db.Escalations.AsNoTracking().SingleOrDefaultAsync(e => e.IncidentId == incidentId, ct);
        var team = escalation is null ? null : await db.Teams.AsNoTracking().Include(t => t.Members).SingleOrDefaultAsync(t => t.Id == escalation.TeamId, ct);
        if (escalation is null || escalation.StoppedAt is not null || team is null)
        {
            return false;
        }

        var now = clock.GetUtcNow();
        var next = EscalationPlan.NextAfter(team.Policy(), escalation.StartedAt, now);
        if (next is null)
        {
            return false;
        }

        var earlier = escalation.StartedAt - (next.DueAt - now);
        // Only from the start this run read: two escalations by hand at once skip one level, not two.
        var moved = await db.Escalations.Where(e => e.IncidentId == incidentId && e.StartedAt == escalation.StartedAt && e.StoppedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.StartedAt, earlier), ct);
        if (moved == 0)
        {
            return false;
        }

        await AdvanceAsync(incidentId, ct);
        return true;
    }

    /// <summary>Sends every step of the policy that is due and not yet sent.</summary>
    public async Task AdvanceAsync(Guid incidentId, CancellationToken ct)
    {
        var escalation = await db.Escalations.AsNoTracking().SingleOrDefaultAsync(e => e.IncidentId == incidentId, ct);
        if (escalation is null || escalation.StoppedAt is not null)
        {
            return;
        }

        var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Id == incidentId, ct);
        if (incident.AcknowledgedAt is not null || !incident.IsOpen)
        {
            // The acknowledgement's own notice (the pipeline) tells the channels and PagerDuty; this only stops paging.
            await StopAsync(incidentId, incident.AcknowledgedAt is not null ? $"acknowledged by {incident.AcknowledgedBy}" : "resolved", ct);
            return;
        }

        var team = await db.Teams.AsNoTracking().Include(t => t.Members).Include(t => t.Routes).Include(t => t.Overrides).AsSplitQuery()
            .SingleOrDefaultAsync(t => t.Id == escalation.TeamId, ct);
        if (team is null)
        {
            await StopAsync(incidentId, "the team was removed", ct);
            return;
        }

        var now = clock.GetUtcNow();
        var policy = team.Policy();
        var due = EscalationPlan.Due(policy, escalation.StartedAt, incident.AcknowledgedAt, now);
        var about = new NoticeIncident(incident.Id, incident.Number, incident.Title, incident.Severity, incident.Service,
            $"{hub.Value.PublicBaseUrl.TrimEnd('/')}/incidents/{incident.Number}");
        var routes = team.Routes.Where(r => incident.Severity <= r.UpTo).Select(r => r.ChannelId).ToList();
        var lines = new List<string>();
        foreach (var step in due.Skip(escalation.StepsSent))
        {
            lines.Add(await PageAsync(team, step, about, routes, ct));
        }

        // Never backwards: a run with an older clock (or a slower one) sees fewer steps due than were sent.
        var sent = Math.Max(due.Count, escalation.StepsSent);
        var exhausted = EscalationPlan.NextAfter(policy, escalation.StartedAt, now) is null;
        if (sent == escalation.StepsSent && !exhausted)
        {
            return;
        }

        var won = await db.Escalations.Where(e => e.IncidentId == incidentId && e.StepsSent == escalation.StepsSent && e.StoppedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.StepsSent, sent)
                .SetProperty(e => e.StoppedAt, e => exhausted && sent > 0 ? now : e.StoppedAt)
                .SetProperty(e => e.StopReason, e => exhausted && sent > 0 ? "every level was paged and nobody acknowledged" : e.StopReason), ct);
        if (won > 0 && lines.Count > 0)
        {
            foreach (var line in lines)
            {
                db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.Paged, line));
            }

            await db.SaveChangesAsync(ct);
            await notifier.PublishAsync([incidentId], ct);
        }
    }

    /// <summary>One step: email the person, @-mention them in the team's channels (level 1's mention is in the opening message), trigger PagerDuty once.</summary>
    private async Task<string> PageAsync(Team team, EscalationStep step, NoticeIncident about, List<Guid> routes, CancellationToken ct)
    {
        var member = Person(team, step.Target);
        var who = member?.Name ?? (step.Target == EscalationTarget.Contact ? team.EscalationContact : null);
        var email = member?.Email ?? (step.Target == EscalationTarget.Contact ? team.EscalationContact : null);
        var round = step.Round > 0 ? $", round {step.Round + 1}" : "";
        if (who is null)
        {
            logger.LogWarning("{Reference}: level {Level} of {Team} has nobody to page ({Target})", about.Reference, step.Level, team.Slug, step.Target);
            return $"Level {step.Level}{round}: {team.Name} has nobody as {Describe(step.Target)}; nobody paged.";
        }

        var notice = new Notice(NoticeKind.Paged, about, $"Paging {who} ({Describe(step.Target)}, level {step.Level}{round}): not acknowledged yet", null,
            [new("Open incident", about.Url, "open_incident")], member?.SlackUserId, who);
        var key = $"page:{about.Id:N}:{step.Key}";
        var how = new List<string>();
        if (email is not null)
        {
            await channels.EmailAsync(key, notice, [email], ct);
            how.Add($"email to {email}");
        }

        var first = step is { Round: 0, Level: 1 };
        // PagerDuty: every PagerDuty channel of the team, once (paging was decided; PagerDuty's own policy takes it from there).
        // Chat: the channels routed for this severity, from level 2 on (level 1's mention is in the opening message).
        var all = team.Routes.Select(r => r.ChannelId).ToList();
        var targets = await db.NotificationChannels.AsNoTracking()
            .Where(c => first ? c.Kind == ChannelKind.PagerDuty && all.Contains(c.Id) : c.Kind != ChannelKind.PagerDuty && routes.Contains(c.Id))
            .Select(c => new { c.Id, c.Name }).ToListAsync(ct);
        if (targets.Count > 0)
        {
            await channels.SendAsync(key, notice, targets.Select(c => c.Id), ct);
            how.Add(string.Join(", ", targets.Select(c => c.Name)));
        }

        return $"Paged {who} ({Describe(step.Target)}, level {step.Level}{round}){(how.Count > 0 ? " by " + string.Join(" and ", how) : ": no email or channel to reach them")}.";
    }

    /// <summary>No team claims the service: email the catalog's owner_email once (the behaviour before teams existed).</summary>
    public async Task<string> PageOwnerAsync(Incident incident, NoticeIncident about, string line, CancellationToken ct)
    {
        var owner = catalog.Find(incident.Service)?.OwnerEmail;
        if (string.IsNullOrWhiteSpace(owner))
        {
            return $"Opened; no team owns {incident.Service ?? "its service"} and the catalog names no owner_email: nobody paged";
        }

        await channels.EmailAsync(ChannelService.OwnerPage(incident.Id), new Notice(NoticeKind.Paged, about, "Paging the service owner", line, [new("Open incident", about.Url, "open_incident")]),
            [owner], ct);
        db.Timeline.Add(TimelineEntry.Create(incident.Id, clock.GetUtcNow(), Actor, TimelineKind.Paged, $"Paged the owner {owner} by email (no team owns {incident.Service})."));
        await db.SaveChangesAsync(ct);
        return $"Opened; paging the owner {owner}";
    }

    private TeamMember? Person(Team team, EscalationTarget target)
    {
        var schedule = team.Schedule();
        var now = clock.GetUtcNow();
        string? name = target switch
        {
            EscalationTarget.OnCall => OnCallSchedule.At(schedule, now)?.Person,
            EscalationTarget.Secondary => OnCallSchedule.Next(schedule, now)?.Person is { } next && next != OnCallSchedule.At(schedule, now)?.Person
                ? next
                : team.Members.FirstOrDefault(m => m.IsLead)?.Name,
            EscalationTarget.Lead => team.Members.FirstOrDefault(m => m.IsLead)?.Name,
            _ => null,
        };
        return name is null ? null : team.Members.FirstOrDefault(m => m.Name == name);
    }

    private static string Describe(EscalationTarget target) => target switch
    {
        EscalationTarget.OnCall => "on call",
        EscalationTarget.Secondary => "secondary",
        EscalationTarget.Lead => "team lead",
        _ => "escalation contact",
    };
}
