namespace IncidentHub.Web.Features.Incidents;

/// <summary>
/// The <see cref="TimelineEntry.Details"/> keys of the entries remediation writes about one plan action (kinds Approval,
/// Action, Verification). Declared here so that remediation writes them and the post-mortem reads them without either
/// knowing the other.
/// </summary>
public static class ActionDetailKeys
{
    /// <summary>The action's id: every entry about one action carries it.</summary>
    public const string Action = "action";

    public const string Title = "title";
    public const string Tool = "tool";
    public const string Target = "target";

    /// <summary>READ, REVERSIBLE or DESTRUCTIVE.</summary>
    public const string Tier = "tier";

    public const string Hash = "hash";

    /// <summary>The action's state after the entry: "approved", "rejected", "expired", "running", "succeeded", "failed", "rolled back".</summary>
    public const string State = "state";

    /// <summary>A person's email, or "policy" for an action that ran automatically.</summary>
    public const string ApprovedBy = "approved_by";

    public const string ApprovedAt = "approved_at";
    public const string RejectReason = "reason";
    public const string StartedAt = "started_at";
    public const string FinishedAt = "finished_at";

    /// <summary>What the executor answered, or why it did not run.</summary>
    public const string Result = "result";

    /// <summary>The check after the action (empty when it is verified by hand).</summary>
    public const string Postcondition = "postcondition";

    /// <summary>Verified, NotVerified or CouldNotCheck.</summary>
    public const string Verified = "verified";

    /// <summary>What the check measured.</summary>
    public const string Verification = "verification";

    public const string Policy = "policy";
}
