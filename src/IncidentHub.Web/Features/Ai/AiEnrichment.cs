using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Triage;
using IncidentHub.Web.Features.Investigation;

namespace IncidentHub.Web.Features.Ai;

/// <summary>The agents, hooked into TriageJob and InvestigateJob when a provider is configured (see AddAi).</summary>
public sealed class AiEnrichment(TriageAgent triage, InvestigationAgent investigation, ILogger<AiEnrichment> logger) : IInvestigationEnrichment
{
    public Task AfterTriageAsync(Guid incidentId, TriageResult result, CancellationToken ct) =>
        GuardAsync(() => triage.RunAsync(incidentId, result, ct), incidentId, ct);

    public Task AfterDiagnosisAsync(EvidenceRun run, Diagnosis diagnosis, CancellationToken ct) =>
        GuardAsync(() => investigation.RunAsync(run, diagnosis, ct), run.IncidentId, ct);

    // AiSession already turns model failures into timeline lines; this keeps anything else (a database hiccup
    // while writing them) from failing the job whose deterministic answer is already committed.
    private async Task GuardAsync(Func<Task> agent, Guid incidentId, CancellationToken ct)
    {
        try
        {
            await agent();
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "AI enrichment of {IncidentId} failed; the deterministic answer stands", incidentId);
        }
    }
}
