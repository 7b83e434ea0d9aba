using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Investigation;

namespace IncidentHub.Web.Features.Memory;

/// <summary>
/// Memory as the investigation asks for it: the fingerprint of what this attempt found (service,
/// alert names, error templates, exception types, blamed files), recalled against resolved
/// incidents and handed to the engine as <see cref="PastIncident"/> facts.
/// </summary>
public sealed class InvestigationMemoryRecall(IncidentMemoryRecall recall) : IIncidentMemoryRecall
{
    public async Task<IReadOnlyList<PastIncident>> RecallAsync(MemoryQuery query, CancellationToken ct)
    {
        var alertNames = query.AlertLabels.TryGetValue("alertname", out var name) && !string.IsNullOrWhiteSpace(name) ? new[] { name } : [];
        var fingerprint = new IncidentFingerprint(0, query.Title, query.Service, alertNames, query.ErrorTemplates, query.ExceptionTypes,
            query.Files, Category: null, RootCause: null);
        var matches = await recall.RecallAsync(query.IncidentId, fingerprint, IncidentMemoryRecall.DefaultTake, ct);
        return matches.Select(m => m.ToPastIncident()).ToList();
    }
}
