using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;

namespace IncidentHub.Web.Features.Reports;

/// <summary>
/// Everything a post-mortem shows, gathered once and rendered three ways (HTML/PDF, Markdown,
/// the UI). The actions come from the timeline entries remediation wrote (decision, run, result,
/// verification of each); pull requests stay empty until code changes record them.
/// </summary>
public sealed record PostmortemReport(
    string Reference,
    int Number,
    string Title,
    string? Service,
    string? ServiceOwner,
    Severity Severity,
    IncidentState State,
    string Summary,
    PostmortemImpact Impact,
    IReadOnlyList<PhaseRow> Phases,
    IReadOnlyList<TimelineRow> Timeline,
    RootCauseSection RootCause,
    IReadOnlyList<ActionRow> Actions,
    IReadOnlyList<PullRequestRow> PullRequests,
    IReadOnlyList<string> WentWell,
    IReadOnlyList<string> WentBadly,
    IReadOnlyList<string> ActionItems,
    MetricChart? Chart,
    int Revision,
    DateTimeOffset GeneratedAt,
    PostmortemNarrative? Narrative = null);

public sealed record PostmortemImpact(
    TimeSpan? Duration,
    bool Ongoing,
    Severity Severity,
    IReadOnlyList<string> Services,
    int AlertCount,
    int NotificationCount,
    int FlappingAlerts,
    IReadOnlyList<string> CustomersAffected);

/// <summary>One phase of the incident: when it began, how long after the trigger, and who drives it.</summary>
public sealed record PhaseRow(string Phase, DateTimeOffset At, TimeSpan SinceTrigger, string Who);

public sealed record TimelineRow(DateTimeOffset At, string Actor, string Kind, string Text, long Id = 0)
{
    /// <summary>How the post-mortem writer cites this line.</summary>
    public string CiteId => $"tl-{Id}";
}

public sealed record EvidenceRow(string Id, string Kind, string Source, string Summary);

public sealed record RootCauseSection(
    bool Diagnosed,
    string? Category,
    double? Confidence,
    string Summary,
    string? Suspect,
    DateTimeOffset? DiagnosedAt,
    IReadOnlyList<EvidenceRow> Evidence,
    IReadOnlyList<string> DiscardedHypotheses)
{
    public static RootCauseSection NotDiagnosed { get; } = new(false, null, null, "Not diagnosed: no diagnosis was recorded for this incident.", null, null, [], []);
}

/// <summary>
/// One plan action and what became of it, read from the incident's timeline: <paramref name="Decision"/> is
/// "approved by ana@example.com", "policy" (ran automatically), "rejected by ana@example.com: reason" or "expired";
/// <paramref name="Result"/> is "succeeded: ..." / "failed: ..." once it ran; <paramref name="Verification"/> says
/// what its postcondition check found, or why there was none. <paramref name="At"/> is its first recorded moment.
/// </summary>
public sealed record ActionRow(
    DateTimeOffset At,
    string Title,
    string Tool,
    string Tier,
    string Decision,
    DateTimeOffset? DecidedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Result,
    string Verification);

public sealed record PullRequestRow(string Title, string Url, string? State);

public sealed record MetricChart(string Name, string Query, MetricRole Role, IReadOnlyList<MetricPoint> Points, DateTimeOffset TriggeredAt, DateTimeOffset? ResolvedAt);
