using System.Linq.Expressions;
using Hangfire;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>A point in an incident's life after which other features' jobs start.</summary>
public enum IncidentStage
{
    /// <summary>Intake opened it (its alerts crossed the open threshold).</summary>
    Opened,

    /// <summary>Triage committed severity, service and confidence.</summary>
    Triaged,

    /// <summary>The investigation stored its final diagnosis.</summary>
    Diagnosed,

    /// <summary>The code-analysis agent stored its analysis and candidate fixes for the final diagnosis.</summary>
    CodeAnalysed,

    /// <summary>An executed action's postcondition did not hold: the cause needs another look.</summary>
    MitigationFailed,

    /// <summary>A person resolved it (UI, API or CLI).</summary>
    ResolvedByPerson,

    /// <summary>Its alerts all resolved at the source.</summary>
    ResolvedByAlerts,

    /// <summary>A person escalated it by hand.</summary>
    EscalatedByPerson,

    /// <summary>A person reopened it after it was resolved.</summary>
    Reopened,

    /// <summary>A person acknowledged it (paging stops).</summary>
    Acknowledged,

    /// <summary>A plan put actions before a person (approval needed).</summary>
    ApprovalNeeded,

    /// <summary>Actions waited too long for approval and expired.</summary>
    ApprovalTimedOut,

    /// <summary>An approved action failed or was refused when it ran.</summary>
    ActionFailed,

    /// <summary>Its post-mortem was written.</summary>
    PostmortemReady,
}

/// <summary>One job that starts after a stage: registered by the feature that owns the job.</summary>
public sealed record IncidentStep(IncidentStage After, string Name, Action<IBackgroundJobClient, Guid> Enqueue);

/// <summary>
/// The single door through which an incident's stage leads to the next jobs. Writers report the stage after
/// their commit; which jobs follow is registered by the features that own them (AddIncidentStep), so intake
/// does not know triage exists and each feature hooks in here, not into its neighbours.
/// Every step has a sweep that catches an enqueue lost to a crash or an unreachable database.
/// </summary>
public sealed class IncidentPipeline(IEnumerable<IncidentStep> steps, IBackgroundJobClient jobs, ILogger<IncidentPipeline> logger)
{
    private readonly ILookup<IncidentStage, IncidentStep> _steps = steps.ToLookup(s => s.After);

    public IEnumerable<IncidentStep> StepsAfter(IncidentStage stage) => _steps[stage];

    public void Opened(Guid incidentId) => Advance(IncidentStage.Opened, incidentId);

    public void Triaged(Guid incidentId) => Advance(IncidentStage.Triaged, incidentId);

    public void Diagnosed(Guid incidentId) => Advance(IncidentStage.Diagnosed, incidentId);

    public void CodeAnalysed(Guid incidentId) => Advance(IncidentStage.CodeAnalysed, incidentId);

    public void MitigationFailed(Guid incidentId) => Advance(IncidentStage.MitigationFailed, incidentId);

    public void Resolved(Guid incidentId, bool byPerson) =>
        Advance(byPerson ? IncidentStage.ResolvedByPerson : IncidentStage.ResolvedByAlerts, incidentId);

    public void EscalatedByPerson(Guid incidentId) => Advance(IncidentStage.EscalatedByPerson, incidentId);

    public void Reopened(Guid incidentId) => Advance(IncidentStage.Reopened, incidentId);

    public void Acknowledged(Guid incidentId) => Advance(IncidentStage.Acknowledged, incidentId);

    public void ApprovalNeeded(Guid incidentId) => Advance(IncidentStage.ApprovalNeeded, incidentId);

    public void ApprovalTimedOut(Guid incidentId) => Advance(IncidentStage.ApprovalTimedOut, incidentId);

    public void ActionFailed(Guid incidentId) => Advance(IncidentStage.ActionFailed, incidentId);

    public void PostmortemReady(Guid incidentId) => Advance(IncidentStage.PostmortemReady, incidentId);

    private void Advance(IncidentStage stage, Guid incidentId)
    {
        foreach (var step in _steps[stage])
        {
            try
            {
                step.Enqueue(jobs, incidentId);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not start {Step} after {Stage} of {IncidentId}; its sweep will", step.Name, stage, incidentId);
            }
        }
    }
}

public static class IncidentPipelineExtensions
{
    /// <summary>Starts <typeparamref name="TJob"/> after <paramref name="stage"/>: <c>id => job => job.RunAsync(id, CancellationToken.None)</c>.</summary>
    public static IServiceCollection AddIncidentStep<TJob>(this IServiceCollection services, IncidentStage stage, Func<Guid, Expression<Func<TJob, Task>>> run) =>
        services.AddSingleton(new IncidentStep(stage, typeof(TJob).Name, (jobs, id) => jobs.Enqueue(run(id))));
}
