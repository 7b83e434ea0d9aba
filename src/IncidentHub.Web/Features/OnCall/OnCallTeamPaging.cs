using IncidentHub.Web.Features.Remediation;
using IncidentHub.Web.Features.Remediation.Executors;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.OnCall;

/// <summary>
/// The plan's page.owner action for a service a team owns: paging follows the team's escalation policy (started once,
/// whoever starts it first: the opening notice or this action), never a second, separate page.
/// </summary>
public sealed class OnCallTeamPaging(AppDbContext db, TeamService teams, EscalationJob escalation) : ITeamPaging
{
    public async Task<ActionOutcome?> PageAsync(Guid incidentId, string? service, CancellationToken ct)
    {
        var team = await teams.ForServiceAsync(db, service, ct);
        if (team is null)
        {
            return null;
        }

        var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Id == incidentId, ct);
        if (incident.AcknowledgedAt is not null)
        {
            return new ActionOutcome(true, $"not paged: {incident.AcknowledgedBy} acknowledged it already ({team.Name})");
        }

        if (await db.Escalations.AsNoTracking().AnyAsync(e => e.IncidentId == incidentId, ct))
        {
            return new ActionOutcome(true, $"{team.Name} is already being paged by its escalation policy (see the on-call panel)");
        }

        var person = await escalation.StartAsync(incidentId, team.Id, ct);
        return person is null
            ? new ActionOutcome(false, $"nobody is on call for {team.Name} now; its escalation policy continues with the next level when due")
            : new ActionOutcome(true, $"paged {person.Name}, on call for {team.Name} (its escalation policy continues until acknowledged)");
    }
}
