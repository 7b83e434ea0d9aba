using IncidentHub.Analysis.Remediation;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Remediation;
using IncidentHub.Web.Features.Remediation.Playbooks;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Tests.Features.Remediation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.E2E.Tests;

/// <summary>
/// A rollback that runs but does not bring recovery: its health postcondition fails, so it is rolled back (a second
/// signed call with its own idempotency key), the owner is emailed, and the investigation reopens.
/// </summary>
[Collection(RemediationCollection.Name)]
public sealed class VerificationFailureTests(RemediationSystem system)
{
    [Fact]
    public async Task AFailedPostcondition_RollsTheActionBack_EmailsTheOwner_AndReopensTheInvestigation()
    {
        var app = system.App;
        var marker = Guid.NewGuid().ToString("N")[..8];
        using (var scope = app.Services.CreateScope())
        {
            // One playbook whose rollback is checked against a health URL that stays down.
            // Scoped to checkout, so the other tests of this app (quota-service) never see it.
            await scope.ServiceProvider.GetRequiredService<PlaybookStore>().SaveAsync(new Playbook($"zz verify {marker}", ["bad-deploy-code"], ["checkout"], ["Deploy"], false,
            [
                new(ToolRegistry.Rollback, "Roll {service} back to {previous_version} (checked)", "{service}",
                    new Dictionary<string, string> { ["service"] = "{service}", ["to_version"] = "{previous_version}", ["check"] = marker },
                    "roll forward to {current_version}", null, new(PostconditionKind.Health, system.DownHealthUrl.ToString(), "2xx", 0, 1), ["Deploy"]),
            ]), IncidentHubFactory.Admin, CancellationToken.None);
        }

        var incident = await RemediationScenario.BadDeployAsync(app, service: "checkout");
        var action = (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Arguments.GetValueOrDefault("check") == marker);
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<RemediationService>().ApproveAsync(incident.Number, action.Id, action.Hash, IncidentHubFactory.Admin);
        }

        await Eventually.HoldsAsync(() => RemediationScenario.PlanViewAsync(app, incident.Number), p => p.Actions.Single(a => a.Id == action.Id).State == "succeeded",
            TimeSpan.FromSeconds(60), "the rollback's run");
        var verifiedAt = DateTimeOffset.UtcNow;
        using (var scope = app.Services.CreateScope())
        {
            // The job Hangfire schedules after the postcondition's window, run now rather than waited for.
            await scope.ServiceProvider.GetRequiredService<VerifyJob>().RunAsync(action.Id, CancellationToken.None);
        }

        var after = (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Id == action.Id);
        Assert.False(after.Verified);
        Assert.Contains("503", after.Verification, StringComparison.Ordinal);
        Assert.Equal("rolled back", after.State);
        Assert.Equal([action.Id.ToString(), $"{action.Id}:rollback"], system.Runbooks.Executed.Where(r => r.Body.Contains(marker, StringComparison.Ordinal)).Select(r => r.IdempotencyKey));

        await using var db = DiagnosisSeed.Db(app);
        var timeline = await db.Timeline.Where(t => t.IncidentId == incident.IncidentId).Select(t => new { t.Kind, t.Text }).ToListAsync();
        Assert.Contains(timeline, t => t.Kind == TimelineKind.Verification && t.Text.StartsWith("Verification failed:", StringComparison.Ordinal));
        Assert.Contains(timeline, t => t.Kind == TimelineKind.Action && t.Text.StartsWith("Rolled back:", StringComparison.Ordinal));
        Assert.Contains(timeline, t => t.Text.StartsWith("Investigating again", StringComparison.Ordinal));
        var mail = await db.Outbox.SingleAsync(m => m.Key == $"verify-failed:{action.Id}");
        Assert.Contains("payments-oncall@example.com", mail.To);
        Assert.True(await db.AuditEntries.AnyAsync(e => e.IncidentNumber == incident.Number && e.Action == "plan.action.rolled_back"));

        // The reopened investigation gives a new final diagnosis after the failed check (and a new plan follows it).
        await Eventually.HoldsAsync(() => db.Diagnoses.AsNoTracking().AnyAsync(d => d.IncidentId == incident.IncidentId && d.IsFinal && d.At > verifiedAt),
            ok => ok, TimeSpan.FromSeconds(90), "the reopened investigation's final diagnosis");
    }
}
