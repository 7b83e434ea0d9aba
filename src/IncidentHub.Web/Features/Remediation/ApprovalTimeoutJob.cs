using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using IncidentHub.Web.Infrastructure.Audit;

namespace IncidentHub.Web.Features.Remediation;

/// <summary>
/// Every minute: actions nobody decided in time (P0 15 min, others 2 h by default) expire; their incident
/// escalates, and the owner and escalation contact are emailed through the outbox (once per action).
/// </summary>
public sealed class ApprovalTimeoutJob(
    AppDbContext db,
    ServiceCatalog catalog,
    OutboxService outbox,
    IIncidentNotifier notifier,
    IAuditLog audit,
    IOptions<IncidentHubOptions> hub,
    TimeProvider clock,
    ILogger<ApprovalTimeoutJob> logger,
    IncidentPipeline pipeline)
{
    public const string RecurringId = "approval-timeouts";
    public const string Actor = "approval-timer";

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = await db.PlanActions.Where(a => a.State == ActionState.Proposed && a.ExpiresAt <= now)
            .OrderBy(a => a.ExpiresAt).Take(200).ToListAsync(ct);
        var expired = 0;
        foreach (var incidentId in due.Select(a => a.IncidentId).Distinct())
        {
            try
            {
                // A job that changed the incident at this moment (its plan amended, its investigation finished) makes the
                // save conflict: read again and expire what is still waiting. A person's decision in between wins.
                expired += await OptimisticConcurrency.RetryAsync(db, 5, async _ =>
                {
                    var waiting = await db.PlanActions.Where(a => a.IncidentId == incidentId && a.State == ActionState.Proposed && a.ExpiresAt <= now)
                        .ToListAsync(ct);
                    return waiting.Count == 0 ? 0 : await ExpireAsync(incidentId, waiting, now, ct);
                });
            }
            catch (DbUpdateConcurrencyException)
            {
                logger.LogDebug("Expiring actions of {IncidentId} kept conflicting; the next run sees what is left", incidentId);
                db.ChangeTracker.Clear();
            }
        }

        return expired;
    }

    private async Task<int> ExpireAsync(Guid incidentId, List<PlanAction> actions, DateTimeOffset now, CancellationToken ct)
    {
        var incident = await db.Incidents.SingleAsync(i => i.Id == incidentId, ct);
        var service = catalog.Find(incident.Service);
        var to = new[] { service?.OwnerEmail, service?.EscalationEmail }.OfType<string>().Where(e => e.Length > 0).Distinct().ToList();
        foreach (var action in actions)
        {
            action.Expire(now);
            audit.Add(db, new AuditRecord(AuditActor.Agent(Actor), "plan.action.expired", $"INC-{incident.Number} action '{action.Title}'",
                new { state = "proposed", expiresAt = action.ExpiresAt }, new { state = "expired" }, incident.Number));
        }

        var told = to.Count > 0 ? $"emailed {string.Join(", ", to)}" : $"nobody emailed: the catalog has no owner_email or escalation_email for {incident.Service ?? "this incident's service"}";
        foreach (var action in actions)
        {
            // One entry per action, with its details, so the post-mortem lists each expired action.
            db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.Approval,
                $"Approval timed out for '{action.Title}' ({action.Tier.ToString().ToUpperInvariant()}) after {(now - action.CreatedAt).TotalMinutes:0} min; {told}.",
                new Dictionary<string, string>
                {
                    [ActionDetailKeys.Action] = action.Id.ToString(),
                    [ActionDetailKeys.Title] = action.Title,
                    [ActionDetailKeys.Tool] = action.Tool,
                    [ActionDetailKeys.Tier] = action.Tier.ToString().ToUpperInvariant(),
                    [ActionDetailKeys.State] = RemediationService.ToName(action.State),
                }));
        }

        if (incident.State != IncidentState.Escalated && IncidentStateMachine.CanMove(incident.State, IncidentState.Escalated))
        {
            incident.Escalate(now);
            db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.StateChanged, "Escalated: a plan action waited too long for approval."));
        }

        await db.SaveChangesAsync(ct);
        await notifier.PublishAsync([incidentId], ct);
        pipeline.ApprovalTimedOut(incidentId);
        if (to.Count > 0)
        {
            var link = $"{hub.Value.PublicBaseUrl.TrimEnd('/')}/incidents/{incident.Number}";
            var body = $"""
                INC-{incident.Number} {incident.Title} ({incident.Severity}, {incident.Service ?? "no service"}) was escalated:
                these plan actions waited for approval until they expired:

                {string.Join("\n", actions.Select(a => $"- {a.Title} [{a.Tier.ToString().ToUpperInvariant()}] proposed {a.CreatedAt:u}"))}

                Open the incident: {link}
                """;
            await outbox.EnqueueAsync($"approval-timeout:{incidentId}:{string.Join(",", actions.Select(a => a.Id).Order())}", incidentId, to,
                $"[{incident.Severity}] INC-{incident.Number} escalated: approval timed out", body, null, null, null, null, ct);
        }

        return actions.Count;
    }
}
