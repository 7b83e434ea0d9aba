using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Features.Incidents;

namespace IncidentHub.Web.Features.Remediation;

/// <summary>One revision of an incident's plan: built after the diagnosis, and again after each rejection.</summary>
public sealed class RemediationPlan
{
    private RemediationPlan()
    {
    }

    public Guid Id { get; private set; }
    public Guid IncidentId { get; private set; }

    /// <summary>1 for the first plan of the incident, then one more per re-plan.</summary>
    public int Revision { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The final diagnosis it was built from.</summary>
    public long? DiagnosisId { get; private set; }

    /// <summary>What the plan was built for, in a line ("bad-deploy-code at 0.82, P1, checkout").</summary>
    public string Basis { get; private set; } = "";

    /// <summary>Playbook actions the plan left out, each with why (a missing value, a rejection, an unknown diagnosis).</summary>
    public List<string> LeftOut { get; private set; } = [];

    /// <summary>The patch hash of the tested code fix the plan was built with, if any: a new fix makes a new revision.</summary>
    public string? CodeFix { get; private set; }

    /// <summary>False once a later revision replaced it.</summary>
    public bool Current { get; private set; }

    public List<PlanAction> Actions { get; private set; } = [];

    public static RemediationPlan Create(Guid incidentId, int revision, long? diagnosisId, string basis, IReadOnlyList<string> leftOut, DateTimeOffset at, string? codeFix = null) =>
        new()
        {
            Id = Guid.CreateVersion7(),
            IncidentId = incidentId,
            Revision = revision,
            CreatedAt = at,
            DiagnosisId = diagnosisId,
            CodeFix = codeFix,
            Basis = basis,
            LeftOut = [.. leftOut],
            Current = true,
        };

    public void Supersede() => Current = false;

    /// <summary>The code fix changed under the same diagnosis: its actions join this revision, and what is left out is said again.</summary>
    public void Amend(string? codeFix, IReadOnlyList<string> leftOut)
    {
        CodeFix = codeFix;
        LeftOut = [.. leftOut];
    }
}

/// <summary>Where an action is in its life. Only the transitions on <see cref="PlanAction"/> move it.</summary>
public enum ActionState
{
    Proposed,
    Approved,
    Rejected,
    Running,
    Succeeded,
    Failed,
    RolledBack,
    Expired,

    /// <summary>A later plan replaced the one it belonged to before anyone decided.</summary>
    Superseded,
}

/// <summary>One typed action of a plan: what runs (tool, target, arguments), why, how to undo it and how to check it worked.</summary>
public sealed class PlanAction
{
    private PlanAction()
    {
    }

    public Guid Id { get; private set; }
    public Guid PlanId { get; private set; }
    public Guid IncidentId { get; private set; }
    public int Order { get; private set; }
    public string Playbook { get; private set; } = "";
    public string Title { get; private set; } = "";
    public string Tool { get; private set; } = "";
    public string Target { get; private set; } = "";
    public Dictionary<string, string> Arguments { get; private set; } = [];

    /// <summary>Where each argument's value came from (ValueOrigin names).</summary>
    public Dictionary<string, string> ArgumentOrigins { get; private set; } = [];

    public ActionTier Tier { get; private set; }

    /// <summary>Why the tier is above the tool's own, or the proposer's claim that was overruled.</summary>
    public List<string> TierReasons { get; private set; } = [];

    /// <summary>Evidence ids (obs-N) that justify it.</summary>
    public List<string> Why { get; private set; } = [];

    public string Rollback { get; private set; } = "";
    public string? Precondition { get; private set; }
    public Postcondition? Postcondition { get; private set; }

    /// <summary>SHA-256 of tool, target and arguments (<see cref="Guardrails.Hash"/>): what an approval binds to.</summary>
    public string Hash { get; private set; } = "";

    public bool NeedsApproval { get; private set; }

    /// <summary>Why it runs automatically or needs a person.</summary>
    public string GateReason { get; private set; } = "";

    public ActionState State { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>When a proposed action that needs approval expires and the incident escalates.</summary>
    public DateTimeOffset? ExpiresAt { get; private set; }

    public string? DecidedBy { get; private set; }
    public DateTimeOffset? DecidedAt { get; private set; }

    /// <summary>The hash the approver saw; execution refuses when the action no longer hashes to it.</summary>
    public string? ApprovedHash { get; private set; }

    public string? RejectReason { get; private set; }
    public int Attempts { get; private set; }

    /// <summary>When the latest run claimed it: a Running action is run again only when this is long past.</summary>
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>What the executor answered (status, body excerpt), or why it did not run.</summary>
    public string? Result { get; private set; }

    /// <summary>What the action made outside (an Alertmanager silence id), to undo or adopt it.</summary>
    public string? ExternalRef { get; private set; }

    public bool? Verified { get; private set; }
    public string? Verification { get; private set; }
    public DateTimeOffset? VerifiedAt { get; private set; }
    public uint Version { get; private set; }

    public static PlanAction Create(Guid planId, Guid incidentId, int order, PlannedAction planned, Gate gate, DateTimeOffset at, DateTimeOffset? expiresAt) =>
        new()
        {
            Id = Guid.CreateVersion7(),
            PlanId = planId,
            IncidentId = incidentId,
            Order = order,
            Playbook = planned.Playbook,
            Title = planned.Action.Title ?? planned.Action.Tool,
            Tool = planned.Action.Tool,
            Target = planned.Action.Target,
            Arguments = new Dictionary<string, string>(planned.Action.Arguments),
            ArgumentOrigins = planned.Action.ArgumentOrigins.ToDictionary(o => o.Key, o => o.Value.ToString()),
            Tier = planned.Classification.Tier,
            TierReasons = [.. planned.Classification.Reasons],
            Why = [.. planned.Action.Why],
            Rollback = planned.Action.Rollback,
            Precondition = planned.Action.Precondition,
            Postcondition = planned.Action.Postcondition,
            Hash = planned.Hash,
            NeedsApproval = gate.Decision != GateDecision.RunsAutomatically,
            GateReason = gate.Reason,
            State = gate.Decision == GateDecision.RunsAutomatically ? ActionState.Approved : ActionState.Proposed,
            DecidedBy = gate.Decision == GateDecision.RunsAutomatically ? "policy" : null,
            DecidedAt = gate.Decision == GateDecision.RunsAutomatically ? at : null,
            ApprovedHash = gate.Decision == GateDecision.RunsAutomatically ? planned.Hash : null,
            CreatedAt = at,
            ExpiresAt = gate.Decision == GateDecision.RunsAutomatically ? null : expiresAt,
        };

    /// <summary>
    /// What every timeline entry about this action carries (read back by the post-mortem's "What was done"):
    /// each fact once it is known.
    /// </summary>
    public Dictionary<string, string> TimelineDetails()
    {
        var details = new Dictionary<string, string>
        {
            [ActionDetailKeys.Action] = Id.ToString(),
            [ActionDetailKeys.Title] = Title,
            [ActionDetailKeys.Tool] = Tool,
            [ActionDetailKeys.Target] = Target,
            [ActionDetailKeys.Tier] = Tier.ToString().ToUpperInvariant(),
            [ActionDetailKeys.Hash] = Hash,
            [ActionDetailKeys.State] = RemediationService.ToName(State),
            [ActionDetailKeys.ApprovedBy] = State == ActionState.Rejected ? "" : DecidedBy ?? "",
            [ActionDetailKeys.ApprovedAt] = State == ActionState.Rejected ? "" : DecidedAt?.ToString("O") ?? "",
            [ActionDetailKeys.Postcondition] = Postcondition?.ToString() ?? "",
        };
        if (RejectReason is { } reason)
        {
            details[ActionDetailKeys.RejectReason] = reason;
        }

        if (StartedAt is { } started)
        {
            details[ActionDetailKeys.StartedAt] = started.ToString("O");
        }

        if (FinishedAt is { } finished && State is not (ActionState.Running or ActionState.Approved))
        {
            details[ActionDetailKeys.FinishedAt] = finished.ToString("O");
        }

        if (Result is { } result && State is not ActionState.Running)
        {
            details[ActionDetailKeys.Result] = result;
        }

        return details;
    }

    /// <summary>The hash of what would run now (tool, target, arguments as stored).</summary>
    public string CurrentHash() => Guardrails.Hash(Tool, Target, Arguments);

    public void Approve(string by, string hash, DateTimeOffset at)
    {
        Ensure(ActionState.Proposed, "approved");
        State = ActionState.Approved;
        DecidedBy = by;
        DecidedAt = at;
        ApprovedHash = hash;
    }

    public void Reject(string by, string reason, DateTimeOffset at)
    {
        Ensure(ActionState.Proposed, "rejected");
        State = ActionState.Rejected;
        DecidedBy = by;
        DecidedAt = at;
        RejectReason = reason;
    }

    public void Expire(DateTimeOffset at)
    {
        Ensure(ActionState.Proposed, "expired");
        State = ActionState.Expired;
        FinishedAt = at;
    }

    public void Supersede()
    {
        Ensure(ActionState.Proposed, "superseded");
        State = ActionState.Superseded;
    }

    public void Start(DateTimeOffset at)
    {
        if (State is not (ActionState.Approved or ActionState.Running))
        {
            throw new InvalidOperationException($"Action {Id} is {State}; only an approved action starts.");
        }

        State = ActionState.Running;
        StartedAt = at;
        Attempts++;
    }

    public void Made(string externalRef) => ExternalRef = externalRef;

    public void Finish(bool succeeded, string result, DateTimeOffset at)
    {
        State = succeeded ? ActionState.Succeeded : ActionState.Failed;
        Result = result;
        FinishedAt = at;
    }

    public void Refuse(string why, DateTimeOffset at)
    {
        State = ActionState.Failed;
        Result = why;
        FinishedAt = at;
    }

    public void RecordVerification(bool verified, string detail, DateTimeOffset at)
    {
        Verified = verified;
        Verification = detail;
        VerifiedAt = at;
    }

    public void RolledBack(string result, DateTimeOffset at)
    {
        State = ActionState.RolledBack;
        Result = $"{Result} | rolled back: {result}";
        FinishedAt = at;
    }

    private void Ensure(ActionState expected, string verb)
    {
        if (State != expected)
        {
            throw new ActionStateException($"The action '{Title}' is {State.ToString().ToLowerInvariant()}; only a proposed action can be {verb}.");
        }
    }
}

public sealed class ActionStateException(string message) : Infrastructure.Errors.ConflictException(message, "Action already decided");
