using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Reports;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Reports;

/// <summary>
/// The post-mortem job dies right after its PDF is stored (before anything else runs): the email was stored in the
/// same commit, and the outbox sweep sends it; running the job again sends no second one.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class PostmortemCrashTests(IncidentHubFactory app)
{
    [Fact]
    public async Task ProcessDiesAfterThePdfIsStored_TheEmailIsStillSentOnce_ByTheOutboxSweep()
    {
        // Resolved three hours ago: neither the pipeline nor the post-mortem sweep (two hours back) runs it; this test does.
        var title = $"Crash after PDF {Guid.NewGuid():N}"[..32];
        var incidentId = await ResolvedIncidentAsync(title, DateTimeOffset.UtcNow.AddHours(-3));

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var dying = new DiesOnPublish(scope.ServiceProvider.GetRequiredService<IIncidentNotifier>());
            var job = ActivatorUtilities.CreateInstance<PostmortemJob>(scope.ServiceProvider, dying);
            await Assert.ThrowsAsync<ProcessDiedException>(() => job.RunAsync(incidentId, CancellationToken.None));
        }

        await using (var db = await NewDbAsync())
        {
            Assert.NotNull((await db.Postmortems.AsNoTracking().SingleAsync(p => p.IncidentId == incidentId)).Pdf);
            var stored = await db.Outbox.AsNoTracking().SingleAsync(m => m.Key == PostmortemJob.OutboxKey(incidentId, 1));
            Assert.Equal(OutboxStatus.Queued, stored.Status);
        }

        // After the restart: the outbox sweep finds it Queued past Email:RequeueQueuedAfterMinutes and enqueues its send.
        var later = new ShiftedClock();
        later.Advance(TimeSpan.FromMinutes(6));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await ActivatorUtilities.CreateInstance<OutboxSweepJob>(scope.ServiceProvider, (TimeProvider)later).RunAsync(CancellationToken.None);
        }

        var mails = await Eventually.HoldsAsync(() => Task.FromResult(Maildir.Find(title)), m => m.Count >= 1, TimeSpan.FromSeconds(60), "the post-mortem email");

        // A retry of the job (Hangfire runs it again after the crash) prints nothing and sends nothing new.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await ActivatorUtilities.CreateInstance<PostmortemJob>(scope.ServiceProvider).RunAsync(incidentId, CancellationToken.None);
        }

        await using (var db = await NewDbAsync())
        {
            var message = await db.Outbox.AsNoTracking().SingleAsync(m => m.Key == PostmortemJob.OutboxKey(incidentId, 1));
            await Eventually.HoldsAsync(async () => (await db.Outbox.AsNoTracking().SingleAsync(m => m.Id == message.Id)).Status,
                s => s == OutboxStatus.Sent, TimeSpan.FromSeconds(30), "the message marked Sent");
            Assert.Equal(1, await db.Outbox.CountAsync(m => m.IncidentId == incidentId && m.Key.StartsWith("postmortem:")));
        }

        Assert.Single(mails);
        Assert.Single(Maildir.Find(title));
        Assert.EndsWith(".pdf", Assert.Single(mails[0].Attachments.OfType<MimeKit.MimePart>()).FileName, StringComparison.Ordinal);
    }

    private async Task<Guid> ResolvedIncidentAsync(string title, DateTimeOffset at)
    {
        var integration = await app.CreateIntegrationIdAsync(IncidentHub.Analysis.Ingestion.SourceKind.Generic);
        await using var db = await NewDbAsync();
        var incident = Incident.Open(integration, $"crash-{Guid.NewGuid():N}", title, "checkout", Severity.P2, at);
        db.Incidents.Add(incident);
        await db.SaveChangesAsync();
        incident.Acknowledge("responder@test.local", at.AddMinutes(1));
        incident.Resolve("responder@test.local", at.AddMinutes(10));
        await db.SaveChangesAsync();
        return incident.Id;
    }

    private Task<AppDbContext> NewDbAsync() => app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private sealed class ProcessDiedException() : Exception("The process died here (kill -9 right after the post-mortem's commit).");

    /// <summary>The crash point: the first thing the job does after its commit is to tell the dashboards.</summary>
    private sealed class DiesOnPublish(IIncidentNotifier real) : IIncidentNotifier
    {
        public IntakeStatus Intake => real.Intake;

        public IDisposable Subscribe(Guid? incidentId, Func<Guid, Task> onChange) => real.Subscribe(incidentId, onChange);

        public Task PublishAsync(IReadOnlyCollection<Guid> incidentIds, CancellationToken ct = default) => throw new ProcessDiedException();
    }
}
