using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Features.OnCall;
using IncidentHub.Web.Tests.Features.Notifications;
using IncidentHub.Web.Tests.Features.OnCall;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>
/// The on-call path in a real browser: an alert opens a P0, Slack hears about it once with its buttons, nobody
/// acknowledges, level 2 is paged (the escalation job run on a clock moved 6 minutes on), a person acknowledges in the
/// UI, paging stops and PagerDuty is acknowledged.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class OnCallFlowTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output) : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task P0_PostsToSlackOnce_PagesLevel2WhenUnacknowledged_AcknowledgeInUiStopsItAndAcknowledgesPagerDuty()
    {
        await using var slack = await Receiver.StartAsync();
        await using var pagerDuty = await Receiver.StartAsync(accepted: 202);
        Guid slackChannel, pdChannel;
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var channels = scope.ServiceProvider.GetRequiredService<ChannelService>();
            slackChannel = (await channels.CreateAsync(new($"slack-{Guid.NewGuid():N}", ChannelKind.Slack, slack.Url("services/T0/B0/x").ToString(), null, null),
                IncidentHubFactory.Admin)).Id;
            pdChannel = (await channels.CreateAsync(new($"pagerduty-{Guid.NewGuid():N}", ChannelKind.PagerDuty, "PDKEY0123456789abcdef0123456789ab", null,
                pagerDuty.Url("v2/enqueue").ToString()), IncidentHubFactory.Admin)).Id;
        }

        var team = await OnCallScenario.TeamAsync(App, [new { channelId = slackChannel, upTo = "P3" }, new { channelId = pdChannel, upTo = "P1" }]);
        var number = await DiagnosisSeed.OpenIncidentAsync(App, $"{team.Service} checkout requests failing", team.Service, "p0");

        var opened = await Eventually.HoldsAsync(() => Task.FromResult(Messages(slack, "Opened")), r => r.Count >= 1, TimeSpan.FromSeconds(90), "the Slack message");
        var message = Assert.Single(opened);
        // Opened as P0 from the alert; the message shows the severity the incident has when the diagnosis is ready
        // (the alert's, when nothing could be measured), and the triage line on the timeline names the alert's P0.
        await using (var db = OnCallScenario.Db(App))
        {
            var incident = await db.Incidents.Where(i => i.Number == number).Select(i => new { i.Id, i.Severity }).SingleAsync();
            Assert.StartsWith($"[{incident.Severity}] INC-{number}", message["blocks"]![0]!["text"]!["text"]!.GetValue<string>());
            var triage = await db.Timeline.Where(t => t.IncidentId == incident.Id && t.Kind == IncidentHub.Web.Features.Incidents.TimelineKind.Triage)
                .Select(t => t.Text).SingleAsync();
            Assert.Contains("P0", triage);
        }

        var onCall = OnCallScenario.OnCallNow(DateTimeOffset.UtcNow)!;
        Assert.Contains($"paging {onCall}", message["blocks"]![1]!["text"]!["text"]!.GetValue<string>());
        var buttons = message["blocks"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "actions")!["elements"]!.AsArray();
        Assert.Equal([("open_incident", $"http://127.0.0.1:5080/incidents/{number}")],
            buttons.Select(b => (b!["action_id"]!.GetValue<string>(), b["url"]!.GetValue<string>())));
        await Eventually.HoldsAsync(() => Task.FromResult(pagerDuty.Delivered.Count), c => c == 1, TimeSpan.FromSeconds(30), "the PagerDuty trigger");

        var page = await NewPageAsync("oncall");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await page.GotoAsync($"/incidents/{number}");
        await WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("oncall-now")).ToHaveTextAsync(onCall);
        await Expect(page.GetByTestId("oncall-escalation")).ToContainTextAsync("1 page(s) sent");

        // Nobody acknowledges: the escalation job, on a clock 6 minutes on, pages level 2 (no waiting for real minutes).
        await using (var scope = App.Services.CreateAsyncScope())
        {
            await ActivatorUtilities.CreateInstance<EscalationJob>(scope.ServiceProvider, new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(6)))
                .RunAsync(CancellationToken.None);
        }

        var secondary = onCall == "ana" ? "ben" : "ana";
        await Eventually.HoldsAsync(() => Task.FromResult(Messages(slack, $"Paging {secondary} (secondary, level 2)")), r => r.Count == 1, TimeSpan.FromSeconds(30),
            "the level-2 page in Slack");
        Assert.Single(Messages(slack, "Opened")); // one message per incident, however many alerts
        await Expect(page.GetByTestId("oncall-escalation")).ToContainTextAsync("2 page(s) sent");
        await Expect(page.Locator("[data-testid=timeline-entry][data-kind=Paged]")).ToHaveCountAsync(2);

        await page.GetByTestId("acknowledge").ClickAsync();
        await Expect(page.GetByTestId("acknowledged-by")).ToContainTextAsync(IncidentHubFactory.AdminEmail);
        await Expect(page.GetByTestId("oncall-escalation")).ToContainTextAsync("Paging stopped", new() { Timeout = 30_000 });
        var events = await Eventually.HoldsAsync(() => Task.FromResult(pagerDuty.Delivered.ToList()), r => r.Count >= 2, TimeSpan.FromSeconds(30), "the PagerDuty acknowledge");
        Assert.Equal(["trigger", "acknowledge"], events.Select(e => JsonNode.Parse(e.Body)!["event_action"]!.GetValue<string>()));

        // Later runs of the job page nobody.
        await using (var scope = App.Services.CreateAsyncScope())
        {
            await ActivatorUtilities.CreateInstance<EscalationJob>(scope.ServiceProvider, new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(40)))
                .RunAsync(CancellationToken.None);
        }

        await using (var db = OnCallScenario.Db(App))
        {
            var incidentId = await db.Incidents.Where(i => i.Number == number).Select(i => i.Id).SingleAsync();
            Assert.Equal(2, await db.Outbox.CountAsync(m => m.IncidentId == incidentId && m.Key.StartsWith("notify:page:") && m.Key.EndsWith(":email")));
        }

        var toast = page.Locator(".mud-snackbar");
        if (await toast.CountAsync() > 0)
        {
            await toast.GetByRole(AriaRole.Button).First.ClickAsync();
        }

        // Every page and message about the incident is listed on its on-call panel, with its outbox status (read when the page loads).
        await page.ReloadAsync();
        await WaitForCircuitAsync(page);
        await page.GetByTestId("oncall-messages").Locator("summary").ClickAsync();
        await Expect(page.GetByTestId("oncall-message").Filter(new() { HasText = "level 2" })).ToHaveCountAsync(2); // email + Slack
        await Expect(page.GetByTestId("oncall-message").Filter(new() { HasText = "slack →" }).Filter(new() { HasText = "level 2" })).ToContainTextAsync("Sent");
        await ScreenshotAsync(page, "incident-oncall.png");
        await page.GotoAsync($"/teams/{team.Slug}");
        await WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("team-now-person")).ToHaveTextAsync(onCall);
        await Expect(page.GetByTestId("member-row")).ToHaveCountAsync(3);
        await ScreenshotAsync(page, "team.png");

        // Resolved: PagerDuty resolves its incident too (and the wall of the other tests is left as it was).
        using (var http = App.Client(IncidentHubFactory.AdminToken))
        {
            (await http.PostAsync($"/api/incidents/{number}/resolve", null)).EnsureSuccessStatusCode();
        }

        var resolved = await Eventually.HoldsAsync(() => Task.FromResult(pagerDuty.Delivered.ToList()), r => r.Count >= 3, TimeSpan.FromSeconds(30), "the PagerDuty resolve");
        Assert.Equal("resolve", JsonNode.Parse(resolved[2].Body)!["event_action"]!.GetValue<string>());
        await Expect(page).ToHaveURLAsync(new Regex($"/teams/{team.Slug}$"));
    }

    /// <summary>The Slack messages whose headline section contains <paramref name="text"/>.</summary>
    private static List<JsonNode> Messages(Receiver slack, string text) =>
        slack.Delivered.Select(r => JsonNode.Parse(r.Body)!)
            .Where(m => m["blocks"]![1]!["text"]!["text"]!.GetValue<string>().Contains(text, StringComparison.Ordinal))
            .ToList();
}
