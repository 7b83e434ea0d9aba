using IncidentHub.Analysis.Incidents;

namespace IncidentHub.Analysis.Diagnosis;

// The contract between the investigation (src/IncidentHub.Web/Features/Investigation: connectors,
// storage, jobs, UI) and the pure diagnosis engine (this folder). Connectors fetch raw data; the
// extraction step (LogMiner, StackTraceExtractor, OnsetDetector, InjectionDetector) turns it into
// facts; the web layer stores each fact as an Observation and passes it back here wrapped in
// Cited<T> with that observation's id, so every claim the engine makes can name its proof.

/// <summary>A fact together with the id of the stored observation that proves it.</summary>
public sealed record Cited<T>(string EvidenceId, T Fact);

/// <summary>The fixed hypothesis categories. <see cref="CategoryNames"/> gives the wire names.</summary>
public enum HypothesisCategory
{
    BadDeployCode,
    ConfigChange,
    CapacityExhaustion,
    DependencyFailure,
    CertificateExpiry,
    DataSchema,
    NetworkDns,
    TrafficSpike,
    NoisyFalseAlarm,
}

public static class CategoryNames
{
    private static readonly Dictionary<HypothesisCategory, string> Names = new()
    {
        [HypothesisCategory.BadDeployCode] = "bad-deploy-code",
        [HypothesisCategory.ConfigChange] = "config-change",
        [HypothesisCategory.CapacityExhaustion] = "capacity/resource-exhaustion",
        [HypothesisCategory.DependencyFailure] = "dependency-failure",
        [HypothesisCategory.CertificateExpiry] = "certificate/expiry",
        [HypothesisCategory.DataSchema] = "data/schema",
        [HypothesisCategory.NetworkDns] = "network/dns",
        [HypothesisCategory.TrafficSpike] = "traffic-spike",
        [HypothesisCategory.NoisyFalseAlarm] = "noisy-false-alarm",
    };

    public static string ToName(this HypothesisCategory category) => Names[category];

    public static HypothesisCategory? Parse(string? name) =>
        Names.FirstOrDefault(p => string.Equals(p.Value, name, StringComparison.OrdinalIgnoreCase)) is { Value: not null } hit ? hit.Key : null;
}

// ---- raw inputs (what connectors fetch) ----------------------------------------------------

/// <summary>One log line as read; <paramref name="At"/> is parsed from the line when it has a timestamp.</summary>
public sealed record LogLine(string Source, long LineNumber, DateTimeOffset? At, string Text);

/// <summary>What a metric series measures, from the catalog's metric queries or the series name.</summary>
public enum MetricRole
{
    ErrorRatio,
    Latency,
    Saturation,
    Traffic,
    Other,
}

public sealed record MetricPoint(DateTimeOffset At, double Value);

public sealed record MetricSeries(string Name, string Query, MetricRole Role, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<MetricPoint> Points);

public sealed record DeployEvent(string Service, string Version, string? Commit, DateTimeOffset At, string? Status = null, string? Kind = null);

public sealed record CommitInfo(string Sha, string Author, DateTimeOffset At, string Subject, IReadOnlyList<string> Files, IReadOnlyList<string> Tags);

/// <summary>git blame of one line: which commit last touched it.</summary>
public sealed record BlameLine(string File, int Line, string Sha, string Text);

/// <summary>The patch of one commit (git show), as stored in a Diff observation.</summary>
public sealed record CommitDiff(string Sha, string Patch);

public sealed record HealthResult(string Url, int? StatusCode, double ElapsedMs, string? Error, DateTimeOffset At);

/// <summary>A resolved past incident recalled from memory.</summary>
public sealed record PastIncident(
    string Reference,
    string? Service,
    HypothesisCategory? Category,
    string? RootCause,
    string? Fix,
    bool FixVerified,
    double Similarity,
    IReadOnlyList<string> SharedFeatures);

// ---- extracted facts -------------------------------------------------------------------------

/// <summary>A log template with its counts in the baseline window and in the incident window.</summary>
public sealed record TemplateShift(
    string Source,
    string Template,
    int BaselineCount,
    int IncidentCount,
    DateTimeOffset? FirstSeen,
    IReadOnlyList<string> Examples,
    bool IsNew,
    double Surge,
    bool LooksLikeError);

public enum StackLanguage
{
    Python,
    Java,
    DotNet,
    Go,
    Node,
    Ruby,
    Php,
    Rust,
    Elixir,
    Kotlin,
    Scala,

    /// <summary>An unrecognised format: an error line with indented detail lines, repeated at least three times.</summary>
    Unknown,
}

public sealed record StackFrame(string? Function, string? File, int? Line, bool IsApplicationCode);

public sealed record StackTrace(
    string Source,
    StackLanguage Language,
    string ExceptionType,
    string Message,
    IReadOnlyList<StackFrame> Frames,
    int Count,
    DateTimeOffset? FirstSeen,
    long FirstLineNumber);

/// <summary>A frame mapped onto a repository file (path relative to the repository root).</summary>
public sealed record RepositoryFrame(string File, int Line, string? Function);

public sealed record MetricOnset(
    string SeriesName,
    MetricRole Role,
    DateTimeOffset At,
    double Before,
    double After,
    double Change,
    string Direction);

/// <summary>A log line that reads like an instruction to an operator or a model; data, never an action.</summary>
public sealed record SuspiciousLine(string Source, long LineNumber, string Text, string Reason);

// ---- the engine's input and output -----------------------------------------------------------

public sealed record DiagnosisInput(
    DateTimeOffset AlertAt,
    string Title,
    string? Service,
    int? ServiceTier,
    IReadOnlyList<string> Dependents,
    Severity AlertSeverity,
    IReadOnlyList<Cited<TemplateShift>> Templates,
    IReadOnlyList<Cited<StackTrace>> StackTraces,
    IReadOnlyList<Cited<MetricOnset>> Onsets,
    IReadOnlyList<Cited<MetricSeries>> Series,
    IReadOnlyList<Cited<DeployEvent>> Deploys,
    IReadOnlyList<Cited<CommitInfo>> Commits,
    IReadOnlyList<Cited<BlameLine>> Blame,
    IReadOnlyList<Cited<HealthResult>> Health,
    IReadOnlyList<Cited<PastIncident>> Memory,
    IReadOnlyList<Cited<SuspiciousLine>> Suspicious,
    IReadOnlyList<string> UnavailableSources,
    IReadOnlyDictionary<string, string> AlertLabels,
    IReadOnlyList<string>? KnownServices = null,
    IReadOnlyList<Cited<CommitDiff>>? Diffs = null);

/// <summary>One candidate cause. Discarded ones are kept with the reason.</summary>
public sealed record Hypothesis(
    HypothesisCategory Category,
    double Score,
    string Statement,
    IReadOnlyList<string> EvidenceIds,
    IReadOnlyList<string> Features,
    bool Discarded,
    string? DiscardReason);

public sealed record SuspectChange(string? Commit, string? File, int? Line, string? Version, string Reason, IReadOnlyList<string> EvidenceIds);

public sealed record RefinedTriage(Severity Severity, string? Service, double Confidence, string BlastRadius, string Reason, IReadOnlyList<string> EvidenceIds);

/// <summary>The engine's answer at one point in time.</summary>
public sealed record Diagnosis(
    RefinedTriage Triage,
    HypothesisCategory? Category,
    double Confidence,
    bool Unknown,
    string Summary,
    IReadOnlyList<Hypothesis> Hypotheses,
    SuspectChange? Suspect,
    bool WouldPage,
    string PageReason,
    IReadOnlyList<string> FlaggedInjectionEvidenceIds,
    IReadOnlyList<EvidenceNeed>? NeedsMoreEvidence = null);

/// <summary>
/// A source that would most help a low-confidence diagnosis (for the bounded investigation loop):
/// <paramref name="Source"/> is one of logs, traces, metrics, deploys, commits, blame, health, memory, window.
/// </summary>
public sealed record EvidenceNeed(string Source, string Reason);
