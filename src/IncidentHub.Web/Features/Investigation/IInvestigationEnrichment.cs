using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Triage;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>
/// Optional enrichment after the deterministic answers (the AI agents, when a model is configured). It runs
/// inside the jobs, after triage is committed and before the investigation's answer is marked final; it never
/// throws and never changes the deterministic result. Without a model, nothing is registered and nothing runs.
/// </summary>
public interface IInvestigationEnrichment
{
    Task AfterTriageAsync(Guid incidentId, TriageResult result, CancellationToken ct);

    Task AfterDiagnosisAsync(EvidenceRun run, Diagnosis diagnosis, CancellationToken ct);
}

internal sealed class NoInvestigationEnrichment : IInvestigationEnrichment
{
    public Task AfterTriageAsync(Guid incidentId, TriageResult result, CancellationToken ct) => Task.CompletedTask;

    public Task AfterDiagnosisAsync(EvidenceRun run, Diagnosis diagnosis, CancellationToken ct) => Task.CompletedTask;
}
