using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;

namespace IncidentHub.Analysis.Remediation;

// The contract between the plan (src/IncidentHub.Web/Features/Remediation: playbooks, storage, approval,
// execution) and the pure guardrails here. Code, never a plan or a model, decides an action's tier and
// whether it may run without a person.

/// <summary>How much an action can hurt. Unknown tools are <see cref="Destructive"/>.</summary>
public enum ActionTier
{
    /// <summary>Reads or tells (a metric query, a health check, paging the owner): changes no system.</summary>
    Read,

    /// <summary>Changes a system in a way its stored rollback undoes (a silence, a rollback, a restart).</summary>
    Reversible,

    /// <summary>May lose data or capacity, or cannot be undone: always needs a person.</summary>
    Destructive,
}

/// <summary>Where a value in a proposed action came from, from the most to the least trusted.</summary>
public enum ValueOrigin
{
    /// <summary>The playbook itself (an Admin wrote it).</summary>
    Playbook,

    /// <summary>The service catalog (owner, runbook URLs).</summary>
    Catalog,

    /// <summary>A deploy record (POST /api/deploys) or the repository's tags.</summary>
    DeployRecord,

    /// <summary>The git repository (a commit sha from git log or blame).</summary>
    Repository,

    /// <summary>A label of the alert, as the monitoring system set it (alertname, service).</summary>
    AlertLabel,

    /// <summary>A responder, in the UI or the API.</summary>
    Person,

    /// <summary>A language model's suggestion.</summary>
    Model,

    /// <summary>Free text of a log line.</summary>
    LogText,

    /// <summary>Free text of an alert (title, summary, description annotations).</summary>
    AlertText,
}

/// <summary>
/// What must hold after the action for it to count as verified: every sample of a PromQL query over the
/// window compares to the threshold (e.g. error ratio &lt; 0.05 for 5 minutes), or a health URL answers 2xx.
/// </summary>
public sealed record Postcondition(PostconditionKind Kind, string Query, string Comparison, double Threshold, TimeSpan Window)
{
    public static Postcondition Metric(string promQl, string comparison, double threshold, TimeSpan window) =>
        new(PostconditionKind.Metric, promQl, comparison, threshold, window);

    public static Postcondition Health(string url, TimeSpan window) => new(PostconditionKind.Health, url, "2xx", 0, window);

    public override string ToString() => Kind == PostconditionKind.Metric
        ? $"{Query} {Comparison} {Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)} for {Window.TotalMinutes:0} min"
        : $"{Query} answers 2xx for {Window.TotalMinutes:0} min";
}

public enum PostconditionKind
{
    Metric,
    Health,
}

/// <summary>
/// One action as a plan proposes it. <paramref name="ClaimedTier"/> is what the proposer says; the tier that
/// counts comes from the registry and the arguments (<see cref="Guardrails.Classify"/>).
/// </summary>
public sealed record ProposedAction(
    string Tool,
    string Target,
    IReadOnlyDictionary<string, string> Arguments,
    IReadOnlyList<string> Why,
    string Rollback,
    string? Precondition,
    Postcondition? Postcondition,
    ValueOrigin ProposedBy,
    IReadOnlyDictionary<string, ValueOrigin> ArgumentOrigins,
    ActionTier? ClaimedTier = null,
    string? Title = null);

/// <summary>A tool the registry knows: its base tier and what its arguments mean.</summary>
public sealed record ToolSpec(string Name, ActionTier Tier, string Description, bool Idempotent, IReadOnlyList<string> RequiredArguments);

/// <summary>The tier an action gets, and every reason that raised it above the tool's own.</summary>
public sealed record Classification(ActionTier Tier, IReadOnlyList<string> Reasons);

/// <summary>What may run without a person: per severity, REVERSIBLE actions whose plan is at least this confident.</summary>
public sealed record AutoRunPolicy(IReadOnlyDictionary<Severity, double> ReversibleMinConfidence, int MaxExecutionsPerServicePerHour)
{
    /// <summary>The default: every REVERSIBLE action needs approval; 5 executed non-READ actions per service an hour.</summary>
    public static readonly AutoRunPolicy Default = new(new Dictionary<Severity, double>(), 5);
}

public enum GateDecision
{
    RunsAutomatically,
    NeedsApproval,
    Refused,
}

public sealed record Gate(GateDecision Decision, string Reason);

/// <summary>What a plan may be built from: only these typed facts, never free text from logs or alerts.</summary>
public sealed record PlanContext(
    string Incident,
    Severity Severity,
    string? Service,
    HypothesisCategory? Category,
    bool Unknown,
    double Confidence,
    IReadOnlyDictionary<string, PlanValue> Values,
    IReadOnlyList<string> EvidenceKinds,
    IReadOnlyDictionary<string, IReadOnlyList<string>> EvidenceByKind);

/// <summary>A value a playbook can use (<c>{previous_version}</c>), with where it came from.</summary>
public sealed record PlanValue(string Value, ValueOrigin Origin);
