using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Remediation.Executors;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using IncidentHub.Web.Infrastructure.Audit;

namespace IncidentHub.Web.Features.Remediation;

/// <summary>
/// After an action's window, checks its postcondition against Prometheus or the health URL. Holds: the incident
/// moves to Monitoring (it resolves when its alerts do). Fails: a REVERSIBLE action is rolled back, the owner is
/// emailed, and the investigation reopens. Code decides; the verdict is the measured samples, never a model's word.
/// </summary>
public sealed class VerifyJob(
    AppDbContext db,
    PostconditionVerifier verifier,
    ActionRunner runner,
    ServiceCatalog catalog,
    OutboxService outbox,
    IncidentPipeline pipeline,
    IIncidentNotifier notifier,
    IAuditLog audit,
    TimeProvider clock)
{
    public const string Actor = "verifier";

    public async Task RunAsync(Guid actionId, CancellationToken ct)
    {
        var action = await db.PlanActions.SingleOrDefaultAsync(a => a.Id == actionId, ct);
        if (action?.Postcondition is not { } post || action.Verified is not null || action.State != ActionState.Succeeded)
        {
            return;
        }

        var result = await verifier.VerifyAsync(post, clock.GetUtcNow(), ct);
        var now = clock.GetUtcNow();
        ActionOutcome? rollback = null;
        Incident? incident = null;

        // Other jobs write the incident while the check runs (a new alert, another action finishing): a conflicting save
        // reads the rows again and records the verdict on them; the check and a rollback are not made a second time.
        var recorded = await OptimisticConcurrency.RetryAsync(db, 5, async _ =>
        {
            action = await db.PlanActions.SingleAsync(a => a.Id == actionId, ct);
            if (action.Verified is not null || action.State != ActionState.Succeeded)
            {
                return false;
            }

            incident = await db.Incidents.SingleAsync(i => i.Id == action.IncidentId, ct);
            if (result.Outcome == VerificationOutcome.NotVerified && action.Tier == ActionTier.Reversible)
            {
                rollback ??= await runner.RollBackAsync(action, $"INC-{incident.Number}", ct);
            }

            await RecordAsync(action, incident, post, result, rollback, now, ct);
            await db.SaveChangesAsync(ct);
            return true;
        });
        if (!recorded || incident is null)
        {
            return;
        }

        await notifier.PublishAsync([incident.Id], ct);
        if (result.Outcome == VerificationOutcome.NotVerified)
        {
            var reference = $"INC-{incident.Number}";
            var service = catalog.Find(incident.Service);
            if (service?.OwnerEmail is { Length: > 0 } owner)
            {
                await outbox.EnqueueAsync($"verify-failed:{action!.Id}", incident.Id, [owner], $"[{incident.Severity}] {reference}: {action.Title} did not bring recovery",
                    $"{reference} {incident.Title}: after '{action.Title}' the postcondition {post} did not hold ({result.Reason}). The investigation reopened.",
                    null, null, null, null, ct);
            }

            pipeline.MitigationFailed(incident.Id);
        }
    }

    private async Task RecordAsync(PlanAction action, Incident incident, Postcondition post, VerificationResult result, ActionOutcome? rollback, DateTimeOffset now, CancellationToken ct)
    {
        action.RecordVerification(result.Verified, result.Outcome == VerificationOutcome.CouldNotCheck ? $"could not check: {result.Reason}" : result.Reason, now);
        var details = action.TimelineDetails();
        details[ActionDetailKeys.Postcondition] = post.ToString();
        details[ActionDetailKeys.Verified] = result.Outcome.ToString();
        details[ActionDetailKeys.Verification] = result.Reason;
        if (result.Verified)
        {
            db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.Verification, $"Verified: {action.Title}. {post} held: {result.Reason}", details));
            var open = await db.PlanActions.AnyAsync(a => a.IncidentId == incident.Id && a.Id != action.Id
                && (a.State == ActionState.Approved || a.State == ActionState.Running || (a.State == ActionState.Succeeded && a.Postcondition != null && a.Verified == null)), ct);
            if (!open && incident.State == IncidentState.Mitigating)
            {
                incident.StartMonitoring(now);
                db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.StateChanged, "Monitoring: the actions' postconditions hold; it resolves when its alerts resolve."));
            }
        }
        else if (result.Outcome == VerificationOutcome.CouldNotCheck)
        {
            db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.Verification,
                $"Could not verify {action.Title}: {result.Reason}. Nothing is rolled back on a check that did not run; a person should look.", details));
        }
        else
        {
            db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.Verification, $"Verification failed: {action.Title}. {post} did not hold: {result.Reason}", details));
            if (rollback is { } rolled)
            {
                if (rolled.Succeeded)
                {
                    action.RolledBack(rolled.Result, now);
                }

                db.Timeline.Add(TimelineEntry.Create(incident.Id, now, ExecuteJob.Actor, TimelineKind.Action,
                    $"{(rolled.Succeeded ? "Rolled back" : "Rollback failed")}: {action.Title}. {rolled.Result}", action.TimelineDetails()));
            }

            if (incident.State != IncidentState.Investigating && IncidentStateMachine.CanMove(incident.State, IncidentState.Investigating))
            {
                incident.StartInvestigating(now);
                db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.StateChanged, "Investigating again: the action did not bring recovery."));
            }
        }

        incident.Touch(now);
        audit.Add(db, new AuditRecord(AuditActor.Agent(Actor), result.Verified ? "plan.action.verified" : "plan.action.verification_failed",
            $"INC-{incident.Number} action '{action.Title}'", null,
            new { postcondition = post.ToString(), outcome = result.Outcome.ToString(), result.Reason, result.WorstValue, state = RemediationService.ToName(action.State) },
            incident.Number));
        if (action.State == ActionState.RolledBack)
        {
            audit.Add(db, new AuditRecord(AuditActor.Agent(ExecuteJob.Actor), "plan.action.rolled_back", $"INC-{incident.Number} action '{action.Title}'",
                new { state = "succeeded" }, new { state = "rolled back", action.Result }, incident.Number));
        }
    }
}
