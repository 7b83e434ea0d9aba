using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Features.Notifications.Formats;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Notifications;

/// <summary>
/// Each channel's documented format, as a loopback receiver gets it through the real outbox and sender: Slack Block
/// Kit, a Teams workflow's Adaptive Card envelope, PagerDuty Events v2, the signed webhook; and an outage.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ChannelFormatsTests(IncidentHubFactory app)
{
    private const string RoutingKey = "R0UT1NGKEY0123456789abcdefABCDEF";

    private static Notice Approval(NoticeIncident incident) => new(NoticeKind.ApprovalNeeded, incident, "Approval needed: Roll back checkout (REVERSIBLE)",
        "Diagnosis: bad-deploy-code (confidence 0.82): deploy 2026.11.20-3 <!channel> broke it",
        [
            new("Approve", null, "approve", $"{incident.Number}|{Guid.Empty:N}|abc", "primary"),
            new("Reject", null, "reject", $"{incident.Number}|{Guid.Empty:N}|abc", "danger"),
            new("Open approval", incident.Url + "#plan", "open_approval"),
        ]);

    private static NoticeIncident Incident() =>
        new(Guid.NewGuid(), Random.Shared.Next(100_000, 999_999), "Checkout 5xx above 5%", Severity.P0, "checkout", "http://127.0.0.1:5080/incidents/42");

    [Fact]
    public async Task Slack_GetsBlockKit_WithSeverityServiceDiagnosisAndButtons()
    {
        await using var slack = await Receiver.StartAsync();
        var channel = await CreateAsync(ChannelKind.Slack, slack.Url("services/T0/B0/xyz").ToString());
        var incident = Incident();

        await SendAsync(Approval(incident), channel);

        var body = JsonNode.Parse(Assert.Single(slack.Delivered).Body)!;
        Assert.Equal($"[P0] INC-{incident.Number} Checkout 5xx above 5%", body["blocks"]![0]!["text"]!["text"]!.GetValue<string>());
        var fields = body["blocks"]![1]!["fields"]!.AsArray().Select(f => f!["text"]!.GetValue<string>()).ToList();
        Assert.Equal(["*Severity*\nP0", "*Service*\ncheckout"], fields);
        // Alert text cannot @-mention a channel: Slack's control characters are escaped.
        Assert.Contains("&lt;!channel&gt;", body["blocks"]![2]!["text"]!["text"]!.GetValue<string>());
        var buttons = body["blocks"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "actions")!["elements"]!.AsArray();
        Assert.Equal(["approve", "reject", "open_approval"], buttons.Select(b => b!["action_id"]!.GetValue<string>()));
        Assert.Equal("http://127.0.0.1:5080/incidents/42#plan", buttons[2]!["url"]!.GetValue<string>());
        Assert.Equal("primary", buttons[0]!["style"]!.GetValue<string>());
    }

    [Fact]
    public async Task Teams_GetsAnAdaptiveCardInAMessageEnvelope()
    {
        await using var teams = await Receiver.StartAsync(accepted: 202);
        var channel = await CreateAsync(ChannelKind.Teams, teams.Url("workflows/abc/triggers/manual/paths/invoke").ToString());

        await SendAsync(Approval(Incident()), channel);

        var body = JsonNode.Parse(Assert.Single(teams.Delivered).Body)!;
        Assert.Equal("message", body["type"]!.GetValue<string>());
        var attachment = Assert.Single(body["attachments"]!.AsArray())!;
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment["contentType"]!.GetValue<string>());
        var card = attachment["content"]!;
        Assert.Equal(("AdaptiveCard", "1.4"), (card["type"]!.GetValue<string>(), card["version"]!.GetValue<string>()));
        Assert.Contains(card["body"]!.AsArray(), b => b!["type"]!.GetValue<string>() == "FactSet");
        var action = Assert.Single(card["actions"]!.AsArray())!;
        Assert.Equal(("Action.OpenUrl", "http://127.0.0.1:5080/incidents/42#plan"), (action["type"]!.GetValue<string>(), action["url"]!.GetValue<string>()));
    }

    [Fact]
    public async Task PagerDuty_GetsTriggerThenAcknowledge_WithTheIncidentsDedupKey_AndTheRoutingKeyIsNotStored()
    {
        await using var pagerDuty = await Receiver.StartAsync(accepted: 202);
        var channel = await CreateAsync(ChannelKind.PagerDuty, RoutingKey, target: pagerDuty.Url("v2/enqueue").ToString());
        var incident = Incident();

        await SendAsync(new Notice(NoticeKind.Paged, incident, "Paging ana", "Diagnosis: unknown", []), channel);
        await SendAsync(new Notice(NoticeKind.DiagnosisReady, incident, "New diagnosis", null, []), channel); // nothing for PagerDuty
        await SendAsync(new Notice(NoticeKind.Acknowledged, incident, "Acknowledged by ana", null, []), channel);

        var events = pagerDuty.Delivered.Select(r => JsonNode.Parse(r.Body)!).ToList();
        Assert.Equal(["trigger", "acknowledge"], events.Select(e => e["event_action"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal(RoutingKey, e["routing_key"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal($"incidenthub-{incident.Id:N}", e["dedup_key"]!.GetValue<string>()));
        var payload = events[0]["payload"]!;
        Assert.Equal(($"[P0] INC-{incident.Number} Checkout 5xx above 5%", "critical", "checkout"),
            (payload["summary"]!.GetValue<string>(), payload["severity"]!.GetValue<string>(), payload["source"]!.GetValue<string>()));

        await using var db = Db();
        var stored = await db.Outbox.AsNoTracking().Where(m => m.IncidentId == incident.Id).ToListAsync();
        Assert.All(stored, m => Assert.DoesNotContain(RoutingKey, m.TextBody + string.Join(",", m.To)));
        Assert.DoesNotContain(RoutingKey, (await db.NotificationChannels.AsNoTracking().SingleAsync(c => c.Id == channel)).ProtectedSecret);
    }

    [Fact]
    public async Task SignedWebhook_CarriesATimestampAndAnHmacOverTimestampDotBody()
    {
        await using var receiver = await Receiver.StartAsync();
        const string secret = "webhook-signing-secret-0123456789";
        var channel = await CreateAsync(ChannelKind.Webhook, receiver.Url("incidenthub").ToString(), signingSecret: secret);
        var incident = Incident();

        await SendAsync(new Notice(NoticeKind.Resolved, incident, "Resolved by ana", null, []), channel);

        var request = Assert.Single(receiver.Delivered);
        var timestamp = long.Parse(request.Headers[SignedWebhook.TimestampHeader], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp, 0, 60);
        Assert.Equal(SignedWebhook.Signature(secret, timestamp, request.Body), request.Headers[SignedWebhook.SignatureHeader]);
        Assert.NotEqual(SignedWebhook.Signature("another-secret-0123456789", timestamp, request.Body), request.Headers[SignedWebhook.SignatureHeader]);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal(("incident.resolved", incident.Reference), (body["event"]!.GetValue<string>(), body["incident"]!["reference"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Outage_ReceiverAnswers500Then200_TheMessageIsDeliveredOnce()
    {
        await using var slack = await Receiver.StartAsync();
        slack.Then(500);
        var channel = await CreateAsync(ChannelKind.Slack, slack.Url("services/outage").ToString());
        var incident = Incident();

        var id = await EnqueueAsync(new Notice(NoticeKind.Resolved, incident, "Resolved", null, []), channel);
        await Eventually.HoldsAsync(() => StatusAsync(id), s => s is OutboxStatus.Failed or OutboxStatus.Sent, TimeSpan.FromSeconds(30), "the first attempt");
        // What Hangfire's retry does after its backoff, now; a second run of a sent message does nothing.
        await RunSendAsync(id);
        await Eventually.HoldsAsync(() => StatusAsync(id), s => s == OutboxStatus.Sent, TimeSpan.FromSeconds(60), "the retry");
        await RunSendAsync(id);

        Assert.Equal([500, 200], slack.Requests.Select(r => r.AnsweredWith));
        Assert.Single(slack.Delivered);
        await using var db = Db();
        var row = await db.Outbox.AsNoTracking().SingleAsync(m => m.Id == id);
        Assert.Equal(2, row.Attempts);
    }

    [Fact]
    public async Task Channel_ToAHostNotAllowed_IsRefusedWithProblemDetails_AndSecretsAreNeverListed()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);
        var refused = await http.PostAsJsonAsync("/api/notifications/channels",
            new { name = $"metadata-{Guid.NewGuid():N}", kind = "Slack", secret = "http://169.254.169.254/latest/meta-data" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("may not call", problem!["errors"]!["secret"]![0]!.GetValue<string>());

        var url = "http://127.0.0.1:9/services/T000/B000/SECRETPATH";
        await CreateAsync(ChannelKind.Slack, url);
        var listed = await http.GetStringAsync("/api/notifications/channels");
        Assert.DoesNotContain("SECRETPATH", listed);
    }

    private async Task<Guid> CreateAsync(ChannelKind kind, string secret, string? target = null, string? signingSecret = null)
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);
        var response = await http.PostAsJsonAsync("/api/notifications/channels",
            new { name = $"{kind}-{Guid.NewGuid():N}", kind = kind.ToString(), secret, target, signingSecret });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
    }

    private async Task<long> EnqueueAsync(Notice notice, Guid channel)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return Assert.Single(await scope.ServiceProvider.GetRequiredService<ChannelService>().SendAsync($"test:{Guid.NewGuid():N}", notice, [channel]));
    }

    private async Task SendAsync(Notice notice, Guid channel)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var ids = await scope.ServiceProvider.GetRequiredService<ChannelService>().SendAsync($"test:{Guid.NewGuid():N}", notice, [channel]);
        foreach (var id in ids)
        {
            await Eventually.HoldsAsync(() => StatusAsync(id), s => s == OutboxStatus.Sent, TimeSpan.FromSeconds(30), $"outbox message {id} to be sent");
        }
    }

    private async Task RunSendAsync(long id)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await ActivatorUtilities.CreateInstance<SendEmailJob>(scope.ServiceProvider).RunAsync(id, CancellationToken.None);
    }

    private async Task<OutboxStatus> StatusAsync(long id)
    {
        await using var db = Db();
        return await db.Outbox.AsNoTracking().Where(m => m.Id == id).Select(m => m.Status).SingleAsync();
    }

    private AppDbContext Db() => new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(app.ConnectionString).Options);
}
