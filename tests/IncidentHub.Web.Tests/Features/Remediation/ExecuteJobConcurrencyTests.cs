using Hangfire;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Remediation;
using IncidentHub.Web.Features.Remediation.Executors;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.Remediation;

/// <summary>
/// ExecuteJob is idempotent by action id: two runs of one approved action at once, and a third while the first is
/// still in its runbook call, start it once. The runs are the real job over the real database; only the runbook
/// executor is wired to a loopback receiver (the shared app has no runbook URL).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ExecuteJobConcurrencyTests(IncidentHubFactory app)
{
    private const string Secret = "concurrency-test-secret";

    [Fact]
    public async Task TwoRunsAtOnce_AndOneDuringTheCall_StartTheActionOnce()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret, RunbookReceiver.Hold);
        await using var executors = ExecutorServices.Build(new Dictionary<string, string?>
        {
            ["Remediation:Runbooks:runbook.rollback:Url"] = receiver.Url.ToString(),
            ["Remediation:Runbooks:runbook.rollback:Secret"] = Secret,
            ["Remediation:RunbookAllowedHosts:0"] = receiver.Url.Host,
            ["Remediation:RunbookTimeoutSeconds"] = "60",
        });
        var incident = await RemediationScenario.BadDeployAsync(app);
        var rollback = (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Tool == "runbook.rollback");

        // Approved as the service does it, without its enqueue: the shared app's worker must not run it.
        await using (var db = DiagnosisSeed.Db(app))
        {
            var action = await db.PlanActions.SingleAsync(a => a.Id == rollback.Id);
            action.Approve(IncidentHubFactory.AdminEmail, rollback.Hash, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
        }

        var first = Task.WhenAll(RunAsync(executors, rollback.Id), RunAsync(executors, rollback.Id));
        var held = await receiver.Holding.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(rollback.Id.ToString(), held.IdempotencyKey);

        // One of the two returned at once (its claim lost); a third run while the call is open leaves it alone.
        await RunAsync(executors, rollback.Id);
        Assert.Equal(ActionState.Running, (await ActionAsync(rollback.Id)).State);
        receiver.Release();
        await first.WaitAsync(TimeSpan.FromSeconds(30));

        var done = await ActionAsync(rollback.Id);
        Assert.Equal(ActionState.Succeeded, done.State);
        Assert.Equal(1, done.Attempts);
        Assert.Single(receiver.Requests);
        Assert.Equal(rollback.Id.ToString(), Assert.Single(receiver.Executed).IdempotencyKey);
        await using var check = DiagnosisSeed.Db(app);
        var runs = await check.Timeline.Where(t => t.IncidentId == incident.IncidentId && t.Kind == TimelineKind.Action).Select(t => t.Text).ToListAsync();
        Assert.Single(runs, t => t.StartsWith("Running", StringComparison.Ordinal));
        Assert.Single(runs, t => t.StartsWith("Succeeded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IncidentWrittenByAnotherJobDuringTheCall_OutcomeStillRecorded_NotLeftRunning()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret, RunbookReceiver.Hold);
        await using var executors = ExecutorServices.Build(new Dictionary<string, string?>
        {
            ["Remediation:Runbooks:runbook.rollback:Url"] = receiver.Url.ToString(),
            ["Remediation:Runbooks:runbook.rollback:Secret"] = Secret,
            ["Remediation:RunbookAllowedHosts:0"] = receiver.Url.Host,
            ["Remediation:RunbookTimeoutSeconds"] = "60",
        });
        var incident = await RemediationScenario.BadDeployAsync(app);
        var rollback = (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Tool == "runbook.rollback");
        await using (var db = DiagnosisSeed.Db(app))
        {
            var action = await db.PlanActions.SingleAsync(a => a.Id == rollback.Id);
            action.Approve(IncidentHubFactory.AdminEmail, rollback.Hash, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
        }

        var run = RunAsync(executors, rollback.Id);
        await receiver.Holding.WaitAsync(TimeSpan.FromSeconds(30));

        // While the runbook call is open, another job writes the incident (as a new alert or an amended plan does).
        await using (var other = DiagnosisSeed.Db(app))
        {
            var row = await other.Incidents.SingleAsync(i => i.Id == incident.IncidentId);
            row.Touch(DateTimeOffset.UtcNow);
            await other.SaveChangesAsync();
        }

        receiver.Release();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        var done = await ActionAsync(rollback.Id);
        Assert.Equal(ActionState.Succeeded, done.State);
        Assert.Single(receiver.Requests);
        await using var check = DiagnosisSeed.Db(app);
        var runs = await check.Timeline.Where(t => t.IncidentId == incident.IncidentId && t.Kind == TimelineKind.Action).Select(t => t.Text).ToListAsync();
        Assert.Single(runs, t => t.StartsWith("Succeeded", StringComparison.Ordinal));
    }

    private async Task RunAsync(ServiceProvider executors, Guid actionId)
    {
        using var scope = app.Services.CreateScope();
        var services = scope.ServiceProvider;
        var clock = TimeProvider.System;
        var runner = new ActionRunner(executors.GetRequiredService<AlertmanagerSilences>(), executors.GetRequiredService<RunbookWebhooks>(),
            executors.GetRequiredService<PostconditionVerifier>(), services.GetRequiredService<OutboxService>(),
            services.GetRequiredService<IncidentHub.Web.Features.CodeFix.CodeFixPublisher>(), services.GetRequiredService<ServiceCatalog>(), clock);
        var job = new ExecuteJob(services.GetRequiredService<AppDbContext>(), runner, services.GetRequiredService<IOptions<RemediationOptions>>(),
            services.GetRequiredService<IIncidentNotifier>(), services.GetRequiredService<IAuditLog>(), services.GetRequiredService<IBackgroundJobClient>(), clock,
            services.GetRequiredService<ILogger<ExecuteJob>>(), services.GetRequiredService<IncidentHub.Web.Features.Incidents.IncidentPipeline>());
        await job.RunAsync(actionId, CancellationToken.None);
    }

    private async Task<PlanAction> ActionAsync(Guid id)
    {
        await using var db = DiagnosisSeed.Db(app);
        return await db.PlanActions.AsNoTracking().SingleAsync(a => a.Id == id);
    }
}
