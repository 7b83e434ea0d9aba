using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Remediation.Executors;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Remediation;

/// <summary>
/// When an incident resolves, the silences its actions made in Alertmanager are expired, so a recurrence pages
/// again. Safe to run twice: Alertmanager treats an expired silence as done, and the timeline is written once.
/// </summary>
public sealed class ExpireSilencesJob(AppDbContext db, AlertmanagerSilences silences, IIncidentNotifier notifier, TimeProvider clock, ILogger<ExpireSilencesJob> logger)
{
    public const string Actor = "remediation-agent";
    private const string Done = "expired when the incident resolved";

    public async Task RunAsync(Guid incidentId, CancellationToken ct)
    {
        var made = await db.PlanActions
            .Where(a => a.IncidentId == incidentId && a.Tool == ToolRegistry.Silence && a.ExternalRef != null && a.State == ActionState.Succeeded)
            .ToListAsync(ct);
        foreach (var action in made.Where(a => a.Result is null || !a.Result.Contains(Done, StringComparison.Ordinal)))
        {
            string text;
            try
            {
                await silences.ExpireAsync(action.ExternalRef!, ct);
                action.Finish(true, $"{action.Result} | silence {action.ExternalRef} {Done}", clock.GetUtcNow());
                text = $"Silence {action.ExternalRef} expired: the incident resolved, so its alerts notify again.";
            }
            catch (AlertmanagerException ex)
            {
                logger.LogWarning(ex, "Could not expire silence {SilenceId} of {IncidentId}", action.ExternalRef, incidentId);
                text = $"Could not expire silence {action.ExternalRef} after the incident resolved: {ex.Message}. It ends by itself at its end time.";
            }

            db.Timeline.Add(TimelineEntry.Create(incidentId, clock.GetUtcNow(), Actor, TimelineKind.Action, text, action.TimelineDetails()));
            await db.SaveChangesAsync(ct);
        }

        if (made.Count > 0)
        {
            await notifier.PublishAsync([incidentId], ct);
        }
    }
}
