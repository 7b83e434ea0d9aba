namespace IncidentHub.Analysis.Diagnosis;

/// <summary>The independent kinds of evidence; confidence grows with how many kinds agree.</summary>
public enum EvidenceKind
{
    Logs,
    Traces,
    Metrics,
    Changes,
    Health,
    Memory,
}

/// <summary>One piece of evidence for a hypothesis: its kind, strength in [0, 1], proof and a readable feature.</summary>
public sealed record Signal(EvidenceKind Kind, double Strength, string? EvidenceId, string Feature);
