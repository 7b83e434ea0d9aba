using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Features.OnCall;
using IncidentHub.Web.Tests.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static IncidentHub.Web.Tests.Features.OnCall.OnCallScenario;

namespace IncidentHub.Web.Tests.Features.OnCall;

/// <summary>Paging through the real job, database and outbox on a fake clock: levels come after their delays, an acknowledgement stops them.</summary>
[Collection(AppCollection.Name)]
public sealed class EscalationTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Unacknowledged_PagesLevel2AfterItsDelay_ThenAcknowledgementStopsIt_AndPagerDutyIsAcknowledged()
    {
        await using var pagerDuty = await Receiver.StartAsync(accepted: 202);
        await using var chat = await Receiver.StartAsync();
        var pd = await ChannelAsync(ChannelKind.PagerDuty, "PDROUTINGKEY0123456789abcdef0123", pagerDuty.Url("v2/enqueue").ToString());
        var webhook = await ChannelAsync(ChannelKind.Webhook, chat.Url("hook").ToString(), signingSecret: "signing-secret-0123456789");
        var team = await TeamAsync(app, [new { channelId = pd, upTo = "P1" }, new { channelId = webhook, upTo = "P3" }]);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (incidentId, number) = await IncidentAsync(app, team.Service, clock.GetUtcNow());
        var onCall = OnCallNow(clock.GetUtcNow())!;
        var secondary = onCall == "ana" ? "ben" : "ana";

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var paged = await Job(scope, clock).StartAsync(incidentId, team.TeamId, CancellationToken.None);
            Assert.Equal(onCall, paged!.Name);
        }

        Assert.Equal([$"notify:page:{incidentId:N}:r0l1:email"], await PageEmailsAsync(incidentId));
        var trigger = await Eventually.HoldsAsync(() => Task.FromResult(pagerDuty.Delivered.ToList()), r => r.Count == 1, TimeSpan.FromSeconds(30), "the PagerDuty trigger");
        Assert.Equal("trigger", JsonNode.Parse(trigger[0].Body)!["event_action"]!.GetValue<string>());

        clock.Advance(TimeSpan.FromMinutes(4));
        await RunAsync(clock);
        Assert.Single(await PageEmailsAsync(incidentId));

        clock.Advance(TimeSpan.FromMinutes(1));
        await RunAsync(clock);
        Assert.Equal([$"notify:page:{incidentId:N}:r0l1:email", $"notify:page:{incidentId:N}:r0l2:email"], await PageEmailsAsync(incidentId));
        var level2 = await Eventually.HoldsAsync(() => Task.FromResult(chat.Delivered.ToList()), r => r.Count == 1, TimeSpan.FromSeconds(30), "the level-2 chat page");
        Assert.StartsWith($"Paging {secondary} (secondary, level 2)", JsonNode.Parse(level2[0].Body)!["headline"]!.GetValue<string>());
        await using (var db = Db(app))
        {
            var to = await db.Outbox.AsNoTracking().Where(m => m.Key == $"notify:page:{incidentId:N}:r0l2:email").Select(m => m.To).SingleAsync();
            Assert.Equal([$"{secondary}-{team.Slug}@test.local"], to);
        }

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IncidentService>().AcknowledgeAsync(number, IncidentHubFactory.Admin);
        }

        await Eventually.HoldsAsync(async () =>
        {
            await using var db = Db(app);
            return await db.Escalations.AsNoTracking().Where(e => e.IncidentId == incidentId).Select(e => e.StopReason).SingleAsync();
        }, r => r is not null, TimeSpan.FromSeconds(30), "paging to stop");
        var acknowledged = await Eventually.HoldsAsync(() => Task.FromResult(pagerDuty.Delivered.ToList()), r => r.Count == 2, TimeSpan.FromSeconds(30), "the PagerDuty acknowledge");
        Assert.Equal("acknowledge", JsonNode.Parse(acknowledged[1].Body)!["event_action"]!.GetValue<string>());
        Assert.Equal(JsonNode.Parse(acknowledged[0].Body)!["dedup_key"]!.GetValue<string>(), JsonNode.Parse(acknowledged[1].Body)!["dedup_key"]!.GetValue<string>());

        clock.Advance(TimeSpan.FromMinutes(30));
        await RunAsync(clock);
        Assert.Equal(2, (await PageEmailsAsync(incidentId)).Count);
        await using (var db = Db(app))
        {
            var paging = await db.Timeline.AsNoTracking().Where(t => t.IncidentId == incidentId && t.Kind == TimelineKind.Paged).OrderBy(t => t.Id).Select(t => t.Text).ToListAsync();
            Assert.Equal(3, paging.Count);
            Assert.StartsWith($"Paged {onCall} (on call, level 1)", paging[0]);
            Assert.StartsWith($"Paged {secondary} (secondary, level 2)", paging[1]);
            Assert.StartsWith("Paging stopped: acknowledged by", paging[2]);
        }
    }

    [Fact]
    public async Task NobodyAcknowledges_AllLevelsThenRepeat_ThenItStops()
    {
        var team = await TeamAsync(app, rounds: 2);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (incidentId, _) = await IncidentAsync(app, team.Service, clock.GetUtcNow());
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await Job(scope, clock).StartAsync(incidentId, team.TeamId, CancellationToken.None);
        }

        // Level 2 at +5, level 3 at +15, round 2 from +30: level 1 at +30, 2 at +35, 3 at +45.
        foreach (var minutes in new[] { 5, 10, 15, 5, 10 })
        {
            clock.Advance(TimeSpan.FromMinutes(minutes));
            await RunAsync(clock);
        }

        var keys = await PageEmailsAsync(incidentId);
        Assert.Equal(["r0l1", "r0l2", "r0l3", "r1l1", "r1l2", "r1l3"], keys.Select(k => k.Split(':')[3]));
        await using var db = Db(app);
        var contact = await db.Outbox.AsNoTracking().Where(m => m.Key == $"notify:page:{incidentId:N}:r0l3:email").Select(m => m.To).SingleAsync();
        Assert.Equal([$"boss-{team.Slug}@test.local"], contact);
        var escalation = await db.Escalations.AsNoTracking().SingleAsync(e => e.IncidentId == incidentId);
        Assert.Equal((6, "every level was paged and nobody acknowledged"), (escalation.StepsSent, escalation.StopReason));
    }

    [Fact]
    public async Task AnOlderClock_NeverUndoesSentSteps()
    {
        var team = await TeamAsync(app);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (incidentId, _) = await IncidentAsync(app, team.Service, clock.GetUtcNow());
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await Job(scope, clock).StartAsync(incidentId, team.TeamId, CancellationToken.None);
        }

        clock.Advance(TimeSpan.FromMinutes(6));
        await RunAsync(clock);
        await RunAsync(new FakeTimeProvider(clock.GetUtcNow().AddMinutes(-6))); // another worker, behind
        clock.Advance(TimeSpan.FromMinutes(1));
        await RunAsync(clock);

        Assert.Equal(2, (await PageEmailsAsync(incidentId)).Count);
    }

    [Fact]
    public async Task EscalatedByHand_PagesTheNextLevelNow_OnceForOneRequest_AndLaterLevelsKeepTheirSpacing()
    {
        var team = await TeamAsync(app);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (incidentId, _) = await IncidentAsync(app, team.Service, clock.GetUtcNow());
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await Job(scope, clock).StartAsync(incidentId, team.TeamId, CancellationToken.None);
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        var requestedAt = clock.GetUtcNow();
        bool first, retried;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            first = await Job(scope, clock).SkipAheadAsync(incidentId, requestedAt, CancellationToken.None);
            retried = await Job(scope, clock).SkipAheadAsync(incidentId, requestedAt, CancellationToken.None);
        }

        Assert.True(first);
        Assert.False(retried);
        Assert.Equal(["r0l1", "r0l2"], (await PageEmailsAsync(incidentId)).Select(k => k.Split(':')[3]));

        // Level 3 was due 10 minutes after level 2: now at +11, not at +15.
        clock.Advance(TimeSpan.FromMinutes(9));
        await RunAsync(clock);
        Assert.Equal(2, (await PageEmailsAsync(incidentId)).Count);
        clock.Advance(TimeSpan.FromMinutes(1));
        await RunAsync(clock);
        Assert.Equal(["r0l1", "r0l2", "r0l3"], (await PageEmailsAsync(incidentId)).Select(k => k.Split(':')[3]));
    }

    private static EscalationJob Job(AsyncServiceScope scope, TimeProvider clock) => ActivatorUtilities.CreateInstance<EscalationJob>(scope.ServiceProvider, clock);

    private async Task RunAsync(TimeProvider clock)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await Job(scope, clock).RunAsync(CancellationToken.None);
    }

    private async Task<List<string>> PageEmailsAsync(Guid incidentId)
    {
        await using var db = Db(app);
        return await db.Outbox.AsNoTracking().Where(m => m.IncidentId == incidentId && m.Key.StartsWith("notify:page:") && m.Key.EndsWith(":email"))
            .OrderBy(m => m.Id).Select(m => m.Key).ToListAsync();
    }

    private async Task<Guid> ChannelAsync(ChannelKind kind, string secret, string? target = null, string? signingSecret = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var view = await scope.ServiceProvider.GetRequiredService<ChannelService>()
            .CreateAsync(new ChannelRequest($"{kind}-{Guid.NewGuid():N}", kind, secret, signingSecret, target), IncidentHubFactory.Admin);
        return view.Id;
    }
}
