using Hangfire;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using IncidentHub.Web.Infrastructure.Audit;

namespace IncidentHub.Web.Features.Remediation;

/// <summary>
/// Runs one approved action. Idempotent by action id: the claim (Approved -> Running) is one optimistic write, so
/// two runs at once start it once; a run after a crash finds it Running and runs it again through executors that
/// adopt what the first run made. Refuses when the action no longer hashes to what was approved, or when the
/// service's hourly budget of non-READ actions is spent.
/// </summary>
public sealed class ExecuteJob(
    AppDbContext db,
    ActionRunner runner,
    IOptions<RemediationOptions> options,
    IIncidentNotifier notifier,
    IAuditLog audit,
    IBackgroundJobClient jobs,
    TimeProvider clock,
    ILogger<ExecuteJob> logger,
    IncidentPipeline pipeline)
{
    public const string Actor = "remediation-agent";

    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(Guid actionId, CancellationToken ct)
    {
        // The claim also writes the incident (Mitigating), which other jobs touch too (a plan amended with a code fix,
        // a new alert): losing that race re-reads and claims again; losing it to another run of this action ends here,
        // because the re-read finds the action Running.
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            try
            {
                await RunOnceAsync(actionId, ct);
                return;
            }
            catch (ClaimLostException) when (attempt < 5)
            {
                logger.LogDebug("Claim of action {ActionId} lost a write race; attempt {Attempt}", actionId, attempt + 1);
            }
        }
    }

    private sealed class ClaimLostException : Exception;

    private async Task RunOnceAsync(Guid actionId, CancellationToken ct)
    {
        var action = await db.PlanActions.SingleOrDefaultAsync(a => a.Id == actionId, ct);
        if (action is null || action.State is not (ActionState.Approved or ActionState.Running))
        {
            logger.LogDebug("Action {ActionId} not run: missing, not approved, or already done", actionId);
            return;
        }

        var now = clock.GetUtcNow();
        if (action.State == ActionState.Running && action.StartedAt > now - options.Value.RunAgainAfter)
        {
            // Another run claimed it moments ago and may still be calling the executor: only a run that has been
            // silent past RunAgainAfterSeconds is taken for dead.
            logger.LogDebug("Action {ActionId} is being run by another run since {StartedAt}", actionId, action.StartedAt);
            return;
        }

        var incident = await db.Incidents.SingleAsync(i => i.Id == action.IncidentId, ct);
        var reference = $"INC-{incident.Number}";
        if (!string.Equals(action.CurrentHash(), action.ApprovedHash, StringComparison.Ordinal))
        {
            await FinishAsync(action, incident, new ActionOutcome(false,
                $"refused: the action no longer matches what was approved (hash {action.CurrentHash()[..12]}, approved {action.ApprovedHash?[..Math.Min(12, action.ApprovedHash.Length)] ?? "none"})"), ct);
            return;
        }

        if (action.State == ActionState.Approved && action.Tier != ActionTier.Read)
        {
            var since = now.AddHours(-1);
            var ran = await db.PlanActions
                .Where(a => a.Id != action.Id && a.Tier != ActionTier.Read && a.StartedAt >= since)
                .Join(db.Incidents.Where(i => i.Service == incident.Service), a => a.IncidentId, i => i.Id, (a, i) => a)
                .CountAsync(ct);
            var budget = Guardrails.Budget(action.Tier, ran, options.Value.Policy());
            if (budget.Decision == GateDecision.Refused)
            {
                await FinishAsync(action, incident, new ActionOutcome(false, $"refused by the hourly limit: {budget.Reason}"), ct);
                return;
            }
        }

        var again = action.State == ActionState.Running;
        action.Start(now);
        if (action.Tier != ActionTier.Read && incident.State != IncidentState.Mitigating && IncidentStateMachine.CanMove(incident.State, IncidentState.Mitigating))
        {
            incident.StartMitigating(now);
        }

        db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.Action,
            $"{(again ? "Running again (the last run did not finish)" : "Running")}: {action.Title} (approved by {action.DecidedBy} at {action.DecidedAt:HH:mm:ss} UTC)",
            action.TimelineDetails()));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another run claimed it, or something else changed the incident at this moment: decide again on fresh rows.
            throw new ClaimLostException();
        }

        await notifier.PublishAsync([incident.Id], ct);
        ActionOutcome outcome;
        try
        {
            outcome = await runner.RunAsync(action, reference, incident.Service, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            outcome = new ActionOutcome(false, $"the executor failed: {ex.GetType().Name}: {ex.Message}");
        }

        await FinishAsync(action, incident, outcome, ct);
    }

    private async Task FinishAsync(PlanAction action, Incident incident, ActionOutcome outcome, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (claimedState, claims) = (action.State, action.Attempts);
        try
        {
            // Other jobs write the incident while the executor runs (a new alert, an amended plan, a finished
            // investigation): a conflicting save reads both rows again and records the outcome on them, so a finished
            // action is never left Running for the sweep to run a second time.
            await OptimisticConcurrency.RetryAsync(5, async attempt =>
            {
                if (attempt > 1)
                {
                    db.ChangeTracker.Clear();
                    action = await db.PlanActions.SingleAsync(a => a.Id == action.Id, ct);
                    incident = await db.Incidents.SingleAsync(i => i.Id == incident.Id, ct);
                    if (action.State != claimedState || action.Attempts != claims)
                    {
                        logger.LogWarning("Action {ActionId} changed while its outcome was saved; this run's outcome is not recorded", action.Id);
                        return false;
                    }
                }

                Record(action, incident, outcome, now);
                await db.SaveChangesAsync(ct);
                return true;
            }, attempt => logger.LogDebug("Outcome of action {ActionId} conflicted with another write; attempt {Attempt}", action.Id, attempt));
        }
        finally
        {
            await notifier.PublishAsync([incident.Id], ct);
        }

        if (!outcome.Succeeded)
        {
            pipeline.ActionFailed(incident.Id);
        }

        if (outcome.Succeeded && action.Postcondition is { } post)
        {
            var id = action.Id;
            jobs.Schedule<VerifyJob>(job => job.RunAsync(id, CancellationToken.None), post.Window);
        }
    }

    private void Record(PlanAction action, Incident incident, ActionOutcome outcome, DateTimeOffset now)
    {
        if (outcome.ExternalRef is { } made)
        {
            action.Made(made);
        }

        if (action.State == ActionState.Running)
        {
            action.Finish(outcome.Succeeded, outcome.Result, now);
        }
        else
        {
            action.Refuse(outcome.Result, now);
        }

        db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.Action,
            $"{(outcome.Succeeded ? "Succeeded" : "Failed")}: {action.Title}. {outcome.Result}", action.TimelineDetails()));
        incident.Touch(now);
        audit.Add(db, new AuditRecord(AuditActor.Agent(Actor), action.StartedAt is null ? "plan.action.refused" : "plan.action.executed",
            $"INC-{incident.Number} action '{action.Title}'", new { state = "approved", approvedBy = action.DecidedBy, approvedHash = action.ApprovedHash },
            new { state = RemediationService.ToName(action.State), action.Tool, action.Target, action.Arguments, action.Result, action.ExternalRef },
            incident.Number));
    }
}

/// <summary>
/// Every minute: starts approved actions whose run was lost, runs again those whose run died (Running for over
/// <see cref="RemediationOptions.RunAgainAfterSeconds"/>, 3 min: every executor call is bounded well below that), and
/// verifies those whose check was lost.
/// </summary>
public sealed class RemediationSweepJob(AppDbContext db, IBackgroundJobClient jobs, IOptions<RemediationOptions> options, TimeProvider clock)
{
    public const string RecurringId = "remediation-sweep";

    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var lost = now.AddMinutes(-1);
        var dead = now - options.Value.RunAgainAfter;
        var toRun = await db.PlanActions
            .Where(a => (a.State == ActionState.Approved && a.DecidedAt < lost) || (a.State == ActionState.Running && a.StartedAt < dead))
            .OrderBy(a => a.Id).Select(a => a.Id).Take(100).ToListAsync(ct);
        foreach (var id in toRun)
        {
            jobs.Enqueue<ExecuteJob>(job => job.RunAsync(id, CancellationToken.None));
        }

        var toVerify = await db.PlanActions
            .Where(a => a.State == ActionState.Succeeded && a.Postcondition != null && a.Verified == null && a.FinishedAt < now.AddMinutes(-3))
            .OrderBy(a => a.FinishedAt).Select(a => new { a.Id, a.FinishedAt, a.Postcondition }).Take(100).ToListAsync(ct);
        foreach (var a in toVerify.Where(a => a.FinishedAt + a.Postcondition!.Window < lost))
        {
            var id = a.Id;
            jobs.Enqueue<VerifyJob>(job => job.RunAsync(id, CancellationToken.None));
        }
    }
}
