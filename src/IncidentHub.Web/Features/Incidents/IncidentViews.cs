using IncidentHub.Analysis.Incidents;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>One row of the incident wall.</summary>
public sealed record IncidentSummary(
    Guid Id,
    int Number,
    string Reference,
    string Title,
    string? Service,
    Severity Severity,
    IncidentState State,
    DateTimeOffset TriggeredAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? ResolvedAt,
    int AlertCount,
    int FiringCount,
    long NotificationCount,
    DateTimeOffset UpdatedAt,
    int FlappingCount = 0,
    IncidentOrigin Origin = IncidentOrigin.Live)
{
    /// <summary>Whether a wall row shows the same for both (all but <see cref="UpdatedAt"/>, which the wall does not show).</summary>
    public bool LooksLike(IncidentSummary? other) => other is not null && this with { UpdatedAt = default } == other with { UpdatedAt = default };

    /// <summary>Whether two wall lists show the same rows in the same order.</summary>
    public static bool LookAlike(IReadOnlyList<IncidentSummary> a, IReadOnlyList<IncidentSummary> b) =>
        a.Count == b.Count && a.Select((row, i) => row.LooksLike(b[i])).All(same => same);
}

public sealed record AlertView(
    Guid Id, string Fingerprint, string Title, AlertStatus Status, IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations, DateTimeOffset StartsAt, DateTimeOffset? EndsAt, DateTimeOffset LastSeenAt,
    int Count, string? SourceUrl, bool Flapping = false, Guid? SilenceId = null);

public sealed record TimelineEntryView(long Id, DateTimeOffset At, string Actor, TimelineKind Kind, string Text, IReadOnlyDictionary<string, string> Details);

public sealed record PhaseTimes(
    DateTimeOffset TriggeredAt, DateTimeOffset? AcknowledgedAt, DateTimeOffset? InvestigatingAt, DateTimeOffset? AwaitingApprovalAt,
    DateTimeOffset? MitigatingAt, DateTimeOffset? MonitoringAt, DateTimeOffset? ResolvedAt, DateTimeOffset? EscalatedAt, DateTimeOffset? SuppressedAt);

public sealed record IncidentDetail(
    IncidentSummary Summary,
    string GroupKey,
    double? TriageConfidence,
    string? TriageReason,
    string? AcknowledgedBy,
    string? ResolvedBy,
    PhaseTimes Phases,
    IReadOnlyList<AlertView> Alerts,
    IReadOnlyList<TimelineEntryView> Timeline);
