using Hangfire;
using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Remediation;

public sealed record ActionView(
    Guid Id,
    int Revision,
    int Order,
    string Title,
    string Playbook,
    string Tool,
    string Target,
    IReadOnlyDictionary<string, string> Arguments,
    IReadOnlyDictionary<string, string> ArgumentOrigins,
    string Tier,
    IReadOnlyList<string> TierReasons,
    IReadOnlyList<string> Why,
    string Rollback,
    string? Precondition,
    string? Postcondition,
    string Hash,
    bool NeedsApproval,
    string GateReason,
    string State,
    DateTimeOffset? ExpiresAt,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? RejectReason,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Result,
    bool? Verified,
    string? Verification);

/// <summary>The incident's current plan, and the decided actions of earlier revisions.</summary>
public sealed record PlanView(string Incident, string Status, int? Revision, string? Basis, DateTimeOffset? CreatedAt, IReadOnlyList<string> LeftOut,
    IReadOnlyList<ActionView> Actions, IReadOnlyList<ActionView> Earlier);

public static class PlanStatus
{
    /// <summary>No final diagnosis yet, or the plan job has not run.</summary>
    public const string Pending = "pending";

    public const string Ready = "ready";
}

/// <summary>Reads plans and records people's decisions on their actions: approval bound to the action's hash, rejection with a reason.</summary>
public sealed class RemediationService(IDbContextFactory<AppDbContext> dbFactory, IIncidentNotifier notifier, IAuditLog audit, IBackgroundJobClient jobs, TimeProvider clock)
{
    public async Task<PlanView?> GetAsync(int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var incidentId = await db.Incidents.AsNoTracking().Where(i => i.Number == number).Select(i => (Guid?)i.Id).SingleOrDefaultAsync(ct);
        if (incidentId is null)
        {
            return null;
        }

        var plans = await db.Plans.AsNoTracking().Include(p => p.Actions).Where(p => p.IncidentId == incidentId).OrderBy(p => p.Revision).ToListAsync(ct);
        var current = plans.LastOrDefault(p => p.Current);
        var reference = $"INC-{number}";
        if (current is null)
        {
            return new PlanView(reference, PlanStatus.Pending, null, null, null, [], [], []);
        }

        var earlier = plans.Where(p => p != current)
            .SelectMany(p => p.Actions.Where(a => a.State is not (ActionState.Superseded)).Select(a => ToView(a, p.Revision)))
            .OrderByDescending(a => a.DecidedAt ?? DateTimeOffset.MinValue)
            .ToList();
        return new PlanView(reference, PlanStatus.Ready, current.Revision, current.Basis, current.CreatedAt, current.LeftOut,
            current.Actions.OrderBy(a => a.Order).Select(a => ToView(a, current.Revision)).ToList(), earlier);
    }

    /// <summary>
    /// Approves the action if <paramref name="hash"/> is the hash of the action as it is stored; a stale or forged hash is
    /// a 409 and nothing is approved. The approval records the approver, the time and that hash; execution checks it again.
    /// </summary>
    public async Task<ActionView> ApproveAsync(int number, Guid actionId, string hash, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "approve plan actions");
        var by = actor.Name;
        var (action, revision) = await DecideAsync(number, actionId, by, ct, (action, at) =>
        {
            if (!string.Equals(hash, action.Hash, StringComparison.Ordinal) || !string.Equals(action.CurrentHash(), action.Hash, StringComparison.Ordinal))
            {
                throw new StaleActionHashException(action.Title);
            }

            action.Approve(by, hash, at);
            return TimelineEntry.Create(action.IncidentId, at, by, TimelineKind.Approval,
                $"Approved by {by}: {action.Title} ({action.Tier.ToString().ToUpperInvariant()})", action.TimelineDetails());
        });
        jobs.Enqueue<ExecuteJob>(job => job.RunAsync(action.Id, CancellationToken.None));
        return ToView(action, revision);
    }

    /// <summary>Rejects the action with a reason; a new plan revision is made without it.</summary>
    public async Task<ActionView> RejectAsync(int number, Guid actionId, string reason, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "reject plan actions");
        var by = actor.Name;
        var (action, revision) = await DecideAsync(number, actionId, by, ct, (action, at) =>
        {
            action.Reject(by, reason.Trim(), at);
            return TimelineEntry.Create(action.IncidentId, at, by, TimelineKind.Approval,
                $"Rejected by {by}: {action.Title} ({action.Tier.ToString().ToUpperInvariant()}). Reason: {reason.Trim()}", action.TimelineDetails());
        });
        var incidentId = action.IncidentId;
        jobs.Enqueue<PlanJob>(job => job.RunAsync(incidentId, CancellationToken.None));
        return ToView(action, revision);
    }

    private async Task<(PlanAction Action, int Revision)> DecideAsync(int number, Guid actionId, string by, CancellationToken ct,
        Func<PlanAction, DateTimeOffset, TimelineEntry> decide)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await db.PlanActions
            .Join(db.Incidents.Where(i => i.Number == number), a => a.IncidentId, i => i.Id, (a, i) => a)
            .Join(db.Plans, a => a.PlanId, p => p.Id, (a, p) => new { Action = a, p.Revision })
            .SingleOrDefaultAsync(x => x.Action.Id == actionId, ct)
            ?? throw new NotFoundException($"INC-{number} has no plan action {actionId}.", "Plan action not found");
        var now = clock.GetUtcNow();
        if (found.Action.State == ActionState.Proposed && found.Action.ExpiresAt <= now)
        {
            throw new ActionStateException($"The action '{found.Action.Title}' expired at {found.Action.ExpiresAt:HH:mm} UTC; the incident was escalated.");
        }

        db.Timeline.Add(decide(found.Action, now));
        audit.Add(db, new AuditRecord(AuditActor.Person(by), $"plan.action.{found.Action.State.ToString().ToLowerInvariant()}",
            $"INC-{number} action '{found.Action.Title}'", new { state = "proposed" },
            new { state = ToName(found.Action.State), found.Action.Tool, found.Action.Target, found.Action.Arguments, found.Action.Hash, reason = found.Action.RejectReason },
            number));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ActionStateException($"The action '{found.Action.Title}' was decided or changed at the same moment; reload the plan.");
        }

        await notifier.PublishAsync([found.Action.IncidentId], ct);
        return (found.Action, found.Revision);
    }

    internal static ActionView ToView(PlanAction a, int revision) =>
        new(a.Id, revision, a.Order, a.Title, a.Playbook, a.Tool, a.Target, a.Arguments, a.ArgumentOrigins, a.Tier.ToString().ToUpperInvariant(), a.TierReasons,
            a.Why, a.Rollback, a.Precondition, a.Postcondition?.ToString(), a.Hash, a.NeedsApproval, a.GateReason, ToName(a.State), a.ExpiresAt,
            a.DecidedBy, a.DecidedAt, a.RejectReason, a.StartedAt, a.FinishedAt, a.Result, a.Verified, a.Verification);

    /// <summary>The state as the plan shows it: "proposed", "rolled back".</summary>
    public static string ToName(ActionState state) => state == ActionState.RolledBack ? "rolled back" : state.ToString().ToLowerInvariant();
}

public sealed class StaleActionHashException(string title)
    : ConflictException($"The hash does not match the action '{title}' as it is now: reload the plan and approve what it shows.", "Stale action hash");
