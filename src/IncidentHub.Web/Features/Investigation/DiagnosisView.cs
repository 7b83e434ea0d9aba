using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Web.Features.Investigation;

// What the diagnosis API and the incident page show; camelCase JSON, categories by wire name.

public static class DiagnosisStatus
{
    public const string Pending = "pending";
    public const string Ready = "ready";
}

public sealed record TriageView(string Severity, string? Service, double Confidence, string BlastRadius, string Reason, IReadOnlyList<string> EvidenceIds);

public sealed record HypothesisView(string Category, double Score, string Statement, IReadOnlyList<string> EvidenceIds, IReadOnlyList<string> Features, bool Discarded, string? DiscardReason);

public sealed record SuspectView(string? Commit, string? File, int? Line, string? Version, string Reason, IReadOnlyList<string> EvidenceIds);

/// <summary>A log line that reads like an instruction; shown as data, never acted on.</summary>
public sealed record FlaggedInjectionView(string EvidenceId, string Source, long? Line, string Text, string Reason);

public sealed record EvidenceRef(string Id, string Kind, string Source, string Summary);

public sealed record DiagnosisView(
    string Incident,
    string Status,
    DateTimeOffset? At,
    int? Attempt,
    double? SecondsSinceAlert,
    TriageView? Triage,
    string? Category,
    bool? Unknown,
    double? Confidence,
    string? Summary,
    IReadOnlyList<HypothesisView> Hypotheses,
    SuspectView? Suspect,
    bool? WouldPage,
    string? PageReason,
    IReadOnlyList<FlaggedInjectionView> FlaggedInjections,
    IReadOnlyList<EvidenceRef> Evidence,
    IReadOnlyList<MemoryMatch> SeenBefore,
    bool Final = false,
    double? FirstSecondsSinceAlert = null);

/// <summary>One observation with its data (parsed JSON), for the evidence API and page.</summary>
public sealed record EvidenceDetail(string Id, string Incident, string Kind, string Source, string Summary, DateTimeOffset At, int Attempt, System.Text.Json.JsonElement Data);
