using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Features.OnCall;
using IncidentHub.Web.Tests.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static IncidentHub.Web.Tests.Features.OnCall.OnCallScenario;

namespace IncidentHub.Web.Tests.Features.OnCall;

/// <summary>What the first diagnosis sends: the opening message per routing rule, and a page only when the engine would page.</summary>
[Collection(AppCollection.Name)]
public sealed class NoticeTests(IncidentHubFactory app)
{
    [Fact]
    public async Task NoisyFalseAlarm_PostsOnceWithTheReason_AndPagesNobody()
    {
        await using var chat = await Receiver.StartAsync();
        var webhook = await ChannelAsync(chat);
        var team = await TeamAsync(app, [new { channelId = webhook, upTo = "P3" }]);
        var (incidentId, _) = await IncidentAsync(app, team.Service, DateTimeOffset.UtcNow);
        await DiagnoseAsync(incidentId, wouldPage: false, "noisy false alarm: no user impact; tune the alert rule instead of paging");

        await NotifyAsync(incidentId);
        await NotifyAsync(incidentId); // a second run of the job sends nothing more

        var opened = await Eventually.HoldsAsync(() => Task.FromResult(chat.Delivered.ToList()), r => r.Count >= 1, TimeSpan.FromSeconds(30), "the opening message");
        Assert.Equal("Opened; not paged: noisy false alarm: no user impact; tune the alert rule instead of paging",
            JsonNode.Parse(Assert.Single(opened).Body)!["headline"]!.GetValue<string>());
        await using var db = Db(app);
        Assert.False(await db.Escalations.AnyAsync(e => e.IncidentId == incidentId));
        Assert.False(await db.Outbox.AnyAsync(m => m.IncidentId == incidentId && m.Key.StartsWith("notify:page:")));
    }

    [Fact]
    public async Task WouldPage_PagesTheOnCallPerson_AndTheOpeningMessageNamesThem()
    {
        await using var chat = await Receiver.StartAsync();
        var webhook = await ChannelAsync(chat);
        var team = await TeamAsync(app, [new { channelId = webhook, upTo = "P3" }]);
        var (incidentId, _) = await IncidentAsync(app, team.Service, DateTimeOffset.UtcNow);
        await DiagnoseAsync(incidentId, wouldPage: true, "cause unknown: escalate to a human");

        await NotifyAsync(incidentId);

        var onCall = OnCallNow(DateTimeOffset.UtcNow);
        var opened = await Eventually.HoldsAsync(() => Task.FromResult(chat.Delivered.ToList()), r => r.Count >= 1, TimeSpan.FromSeconds(30), "the opening message");
        Assert.Equal($"Opened; paging {onCall} (on call for Team {team.Slug})", JsonNode.Parse(Assert.Single(opened).Body)!["headline"]!.GetValue<string>());
        await using var db = Db(app);
        Assert.Equal(1, await db.Escalations.Where(e => e.IncidentId == incidentId).Select(e => e.StepsSent).SingleAsync());
    }

    [Fact]
    public async Task MildIncident_IsNotRoutedToAChannelForWorseOnes()
    {
        await using var chat = await Receiver.StartAsync();
        var webhook = await ChannelAsync(chat);
        var team = await TeamAsync(app, [new { channelId = webhook, upTo = "P1" }]);
        var (incidentId, _) = await IncidentAsync(app, team.Service, DateTimeOffset.UtcNow, Severity.P2);
        await DiagnoseAsync(incidentId, wouldPage: true, "P2 with user impact", HypothesisCategory.BadDeployCode);

        await NotifyAsync(incidentId);

        await using var db = Db(app);
        Assert.False(await db.Outbox.AnyAsync(m => m.IncidentId == incidentId && m.ChannelId == webhook));
        Assert.False(await db.Escalations.AnyAsync(e => e.IncidentId == incidentId)); // PageUpTo P1
    }

    [Fact]
    public async Task EscalatedByHand_TellsTheChannels_AndStartsPaging()
    {
        await using var chat = await Receiver.StartAsync();
        var webhook = await ChannelAsync(chat);
        var team = await TeamAsync(app, [new { channelId = webhook, upTo = "P3" }]);
        var (incidentId, number) = await IncidentAsync(app, team.Service, DateTimeOffset.UtcNow);
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var escalated = await admin.PostAsJsonAsync($"/api/incidents/{number}/escalate", new { reason = "the database team must look" });

        Assert.Equal(System.Net.HttpStatusCode.NoContent, escalated.StatusCode);
        var sent = await Eventually.HoldsAsync(() => Task.FromResult(chat.Delivered.ToList()),
            r => r.Any(d => JsonNode.Parse(d.Body)!["event"]!.GetValue<string>() == "incident.escalated"), TimeSpan.FromSeconds(60), "the escalation message");
        var message = JsonNode.Parse(sent.First(d => JsonNode.Parse(d.Body)!["event"]!.GetValue<string>() == "incident.escalated").Body)!;
        Assert.Contains("the database team must look", message["headline"]!.GetValue<string>(), StringComparison.Ordinal);
        await using var db = Db(app);
        await Eventually.HoldsAsync(() => db.Escalations.AsNoTracking().AnyAsync(e => e.IncidentId == incidentId), started => started, TimeSpan.FromSeconds(30), "paging to start");
    }

    [Fact]
    public async Task PlanPageOwnerAction_ForATeamsService_FollowsItsEscalation_Once()
    {
        var team = await TeamAsync(app);
        var (incidentId, _) = await IncidentAsync(app, team.Service, DateTimeOffset.UtcNow);
        var (other, _) = await IncidentAsync(app, await ServiceAsync(app, "nobody-owns-this"), DateTimeOffset.UtcNow);
        await using var scope = app.Services.CreateAsyncScope();
        var paging = scope.ServiceProvider.GetRequiredService<IncidentHub.Web.Features.Remediation.Executors.ITeamPaging>();

        var first = await paging.PageAsync(incidentId, team.Service, CancellationToken.None);
        var second = await paging.PageAsync(incidentId, team.Service, CancellationToken.None);
        var unowned = await paging.PageAsync(other, "nobody-owns-this-service", CancellationToken.None);

        Assert.True(first!.Succeeded);
        Assert.Contains($"on call for Team {team.Slug}", first.Result, StringComparison.Ordinal);
        Assert.Contains("already being paged", second!.Result, StringComparison.Ordinal);
        Assert.Null(unowned);
        await using var db = Db(app);
        Assert.Equal(1, await db.Escalations.CountAsync(e => e.IncidentId == incidentId));
    }

    [Fact]
    public async Task NoTeamOwnsTheService_TheOwnerIsEmailedOnce_ByTheOpeningNoticeAndThePlansPageActionTogether()
    {
        var owner = $"owner-{Guid.NewGuid():N}"[..14] + "@test.local";
        var service = $"svc-{Guid.NewGuid():N}"[..16];
        using (var admin = app.Client(IncidentHubFactory.AdminToken))
        {
            var saved = await admin.PutAsJsonAsync($"/api/catalog/{service}", new JsonObject { ["name"] = service, ["tier"] = 1, ["owner"] = $"team-{Guid.NewGuid():N}"[..13], ["ownerEmail"] = owner });
            Assert.Equal(System.Net.HttpStatusCode.OK, saved.StatusCode);
        }

        await Eventually.HoldsAsync(() => Task.FromResult(app.Services.GetRequiredService<ServiceCatalog>().Find(service) is not null), f => f, what: "the catalog entry");
        var number = await DiagnosisSeed.OpenIncidentAsync(app, $"{service} is down", service);
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);

        // The unknown cause pages twice over: the opening notice, and the plan's READ page.owner action run by policy.
        await Eventually.HoldsAsync(async () =>
        {
            await using var db = Db(app);
            return string.Join("\n", await db.Timeline.AsNoTracking().Where(t => t.IncidentId == incidentId).OrderBy(t => t.Id).Select(t => t.Text).ToListAsync());
        }, timeline => timeline.Contains("\nPaged the owner", StringComparison.Ordinal) && timeline.Contains("\nSucceeded: Page", StringComparison.Ordinal),
            TimeSpan.FromSeconds(90), "the notice's page and the plan's page action");
        await using var check = Db(app);
        var toOwner = await check.Outbox.AsNoTracking().Where(m => m.IncidentId == incidentId).Select(m => m.To).ToListAsync();
        Assert.Single(toOwner, to => to.Contains(owner));
    }

    private async Task DiagnoseAsync(Guid incidentId, bool wouldPage, string reason, HypothesisCategory? known = null)
    {
        // Paging without a known cause is the "unknown" diagnosis; a known one (here a bad deploy) pages within the team's severities only.
        var diagnosis = new Diagnosis(new RefinedTriage(Severity.P0, null, 0.5, "one service", "test", []), known ?? (wouldPage ? null : HypothesisCategory.NoisyFalseAlarm),
            0.4, wouldPage && known is null, "Noisy alert", [], null, wouldPage, reason, []);
        await using var db = Db(app);
        var record = DiagnosisRecord.Create(incidentId, DateTimeOffset.UtcNow, 1, diagnosis, 2.0);
        record.MarkFinal();
        db.Diagnoses.Add(record);
        await db.SaveChangesAsync();
    }

    private async Task NotifyAsync(Guid incidentId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<NoticeJob>().RunAsync(incidentId, NoticeKind.DiagnosisReady, CancellationToken.None);
    }

    private async Task<Guid> ChannelAsync(Receiver receiver)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<ChannelService>().CreateAsync(
            new ChannelRequest($"hook-{Guid.NewGuid():N}", ChannelKind.Webhook, receiver.Url("hook").ToString(), "signing-secret-0123456789", null),
            IncidentHubFactory.Admin)).Id;
    }
}
