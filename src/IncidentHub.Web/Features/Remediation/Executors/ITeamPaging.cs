namespace IncidentHub.Web.Features.Remediation.Executors;

/// <summary>
/// Paging through whoever knows who is on call (the OnCall feature implements it, so Remediation does not depend on it).
/// Returns null when no team owns the service: the page.owner action then emails the catalog's owner_email, as before.
/// </summary>
public interface ITeamPaging
{
    Task<ActionOutcome?> PageAsync(Guid incidentId, string? service, CancellationToken ct);
}
