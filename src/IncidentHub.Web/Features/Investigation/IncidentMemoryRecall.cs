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
    Task<IReadOnlyList<PastIncident>> RecallAsync(MemoryQuery query, CancellationToken ct);
}

/// <summary>The default: no memory configured, so nothing is recalled.</summary>
public sealed class NoIncidentMemoryRecall : IIncidentMemoryRecall
{
    public Task<IReadOnlyList<PastIncident>> RecallAsync(MemoryQuery query, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<PastIncident>>([]);
}
