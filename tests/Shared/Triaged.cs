using IncidentHub.Web.Features.Incidents;

namespace IncidentHub.Tests.Shared;

/// <summary>
/// Waits for triage by its own timeline entry, never for the Investigating state: the investigation
/// triage starts may already have moved the incident on (Escalated) or refined its severity and service.
/// </summary>
public static class Triaged
{
    public static Task<IncidentDetail> WaitAsync(Func<Task<IncidentDetail>> incident) =>
        Eventually.HoldsAsync(incident, d => d.Timeline.Any(t => t.Kind == TimelineKind.Triage), what: "triage's timeline entry");

    /// <summary>Triage's own entry; its details hold what triage decided ("severity", "service", "confidence").</summary>
    public static TimelineEntryView Entry(IncidentDetail incident) => Assert.Single(incident.Timeline, t => t.Kind == TimelineKind.Triage);
}
