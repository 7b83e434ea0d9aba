using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Features.Notifications.Formats;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.Notifications;

/// <summary>A SlackBot channel: chat.postMessage with the bot token, the first message's ts becomes the incident's thread.</summary>
[Collection(AppCollection.Name)]
public sealed class SlackThreadTests(IncidentHubFactory app)
{
    [Fact]
    public async Task SecondMessageOfAnIncident_RepliesInTheThreadOfTheFirst_AndSlackErrorsAreNotDelivered()
    {
        var count = 0;
        await using var slackApi = await Receiver.StartAsync(answer: r =>
            r.Body.Contains("\"text\":\"fail", StringComparison.Ordinal) ? """{"ok":false,"error":"channel_not_found"}""" : $$"""{"ok":true,"ts":"1700000000.00{{Interlocked.Increment(ref count)}}"}""");
        Guid channelId;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            channelId = (await scope.ServiceProvider.GetRequiredService<ChannelService>().CreateAsync(
                new ChannelRequest($"bot-{Guid.NewGuid():N}", ChannelKind.SlackBot, "xoxb-test-token-0123", null, "C0INCIDENTS"), IncidentHubFactory.Admin)).Id;
        }

        var incident = new NoticeIncident(Guid.NewGuid(), 7, "Checkout down", Severity.P1, "checkout", "http://127.0.0.1:5080/incidents/7");
        await DeliverAsync(slackApi, channelId, new Notice(NoticeKind.Opened, incident, "Opened", null, []));
        await DeliverAsync(slackApi, channelId, new Notice(NoticeKind.Resolved, incident, "Resolved", null, []));
        var failure = await Assert.ThrowsAsync<NotDeliveredException>(() =>
            DeliverAsync(slackApi, channelId, new Notice(NoticeKind.Resolved, incident with { Title = "x" }, "Resolved", null, []), text: "fail"));

        var posts = slackApi.Requests.Select(r => (r.Path, r.Headers["Authorization"], Body: JsonNode.Parse(r.Body)!)).ToList();
        Assert.All(posts, p => Assert.Equal(("/api/chat.postMessage", "Bearer xoxb-test-token-0123"), (p.Path, p.Item2)));
        Assert.All(posts, p => Assert.Equal("C0INCIDENTS", p.Body["channel"]!.GetValue<string>()));
        Assert.Null(posts[0].Body["thread_ts"]);
        Assert.Equal("1700000000.001", posts[1].Body["thread_ts"]!.GetValue<string>());
        Assert.True(failure.Permanent);
        Assert.Contains("channel_not_found", failure.Message);
        Assert.DoesNotContain("xoxb", failure.Message, StringComparison.Ordinal);
    }

    private async Task DeliverAsync(Receiver slackApi, Guid channelId, Notice notice, string? text = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var payload = SlackBlocks.Render(notice);
        if (text is not null)
        {
            payload["text"] = text;
        }

        // Stored without a send job, and sent by the real sender pointed at the fake Slack API.
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var message = OutboxMessage.CreateForChannel($"test:{Guid.NewGuid():N}", notice.Incident.Id, "slackbot", channelId, "bot", "s", payload.ToJsonString(), DateTimeOffset.UtcNow);
        db.Outbox.Add(message);
        await db.SaveChangesAsync();
        var sender = ActivatorUtilities.CreateInstance<ChannelSender>(scope.ServiceProvider,
            Options.Create(new NotificationsOptions { SlackApiUrl = new Uri(slackApi.Url("api/"), "").ToString() }));
        await sender.DeliverAsync(message, CancellationToken.None);
    }
}
