using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>What the investigation knows when it asks memory for similar past incidents.</summary>
public sealed record MemoryQuery(
    Guid IncidentId,
    string? Service,
    string Title,
    IReadOnlyDictionary<string, string> AlertLabels,
    IReadOnlyList<string> ErrorTemplates,
    IReadOnlyList<string> ExceptionTypes,
    IReadOnlyList<string> Files);

/// <summary>
/// Recall of resolved past incidents like this one. The Memory feature implements it; until it is
/// registered, <see cref="NoIncidentMemoryRecall"/> answers "nothing remembered".
/// </summary>
public interface IIncidentMemoryRecall
{
    /// <summary>Past incidents like what this investigation attempt found, as facts for the engine.</summary>
    Task<IReadOnlyList<PastIncident>> RecallAsync(MemoryQuery query, CancellationToken ct);

    /// <summary>Past incidents like this one as it is stored now ("seen before" on the incident page).</summary>
    Task<IReadOnlyList<MemoryMatch>> SeenBeforeAsync(Guid incidentId, CancellationToken ct);
}

/// <summary>The default: no memory configured, so nothing is recalled.</summary>
public sealed class NoIncidentMemoryRecall : IIncidentMemoryRecall
{
    public Task<IReadOnlyList<PastIncident>> RecallAsync(MemoryQuery query, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<PastIncident>>([]);

    public Task<IReadOnlyList<MemoryMatch>> SeenBeforeAsync(Guid incidentId, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<MemoryMatch>>([]);
}

/// <summary>A past incident recalled for a new one, with why it looks alike.</summary>
public sealed record MemoryMatch(
    Guid IncidentId,
    int Number,
    string Reference,
    string Title,
    string? Service,
    string? Category,
    string? RootCause,
    string? Fix,
    bool? FixVerified,
    DateTimeOffset ResolvedAt,
    double Similarity,
    double TextRank,
    double FingerprintOverlap,
    IReadOnlyList<string> SharedFeatures)
{
    /// <summary>The engine contract's shape (IncidentHub.Analysis.Diagnosis.PastIncident).</summary>
    public PastIncident ToPastIncident() =>
        new(Reference, Service, CategoryNames.Parse(Category), RootCause, Fix, FixVerified == true, Similarity, SharedFeatures);
}
