using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.OnCall;
using IncidentHub.Web.Tests.Features.Notifications;
using IncidentHub.Web.Tests.Features.Remediation;

namespace IncidentHub.Web.Tests.Features.OnCall;

/// <summary>Approve and Reject pressed in Slack: signed and forged payloads, unlinked and Viewer users, the same hash-bound gate as the UI.</summary>
[Collection(AppCollection.Name)]
public sealed class SlackInteractionsTests(IncidentHubFactory app)
{
    [Fact]
    public async Task LinkedResponder_ApprovesFromSlack_ThroughTheHashBoundGate_AndGetsAReply()
    {
        var (slackUser, _) = await LinkedUserAsync(Roles.Responder);
        var incident = await RemediationScenario.BadDeployAsync(app);
        var action = (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.First(a => a.NeedsApproval);
        await using var responses = await Receiver.StartAsync();

        var stale = await PressAsync(slackUser, SlackActions.Approve, SlackActions.Value(incident.Number, action.Id, new string('0', 64)), responses.Url("r1"));
        Assert.StartsWith("Not done:", stale);
        var approved = await PressAsync(slackUser, SlackActions.Approve, SlackActions.Value(incident.Number, action.Id, action.Hash), responses.Url("r2"));

        Assert.StartsWith("Approved by", approved);
        var after = (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Id == action.Id);
        Assert.NotEqual("proposed", after.State);
        Assert.NotNull(after.DecidedBy);
        var reply = JsonNode.Parse(Assert.Single(responses.Requests, r => r.Path == "/r2").Body)!;
        Assert.Equal(("ephemeral", approved), (reply["response_type"]!.GetValue<string>(), reply["text"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ViewerAndUnlinkedSlackUsers_AreRefusedVisibly_AndNothingIsApproved()
    {
        var (viewer, _) = await LinkedUserAsync(Roles.Viewer);
        var incident = await RemediationScenario.BadDeployAsync(app);
        var action = (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.First(a => a.NeedsApproval);
        var value = SlackActions.Value(incident.Number, action.Id, action.Hash);

        Assert.StartsWith("Refused: Only Responders and Admins may approve", await PressAsync(viewer, SlackActions.Approve, value));
        Assert.StartsWith("Refused: your Slack account is not linked", await PressAsync("UNOBODY999", SlackActions.Approve, value));
        Assert.Equal("proposed", (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Id == action.Id).State);
    }

    [Fact]
    public async Task ForgedOrStaleSignatures_AreRefused401()
    {
        var body = Form("UANY", SlackActions.Approve, "1|x|y", null);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var old = DateTimeOffset.UtcNow.AddMinutes(-6).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(body, now, SlackActions.Sign("not-the-secret-0123456789", now, body))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(body, now, SlackActions.Sign(IncidentHubFactory.SlackSigningSecret, now, body + "x"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(body, old, SlackActions.Sign(IncidentHubFactory.SlackSigningSecret, old, body))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(body, now, null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(body, now, SlackActions.Sign(IncidentHubFactory.SlackSigningSecret, now, body))).StatusCode);
    }

    /// <summary>A user with the role, on a team with a Slack id.</summary>
    private async Task<(string SlackUser, string Email)> LinkedUserAsync(string role)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@test.local";
        await app.CreateUserAsync(email, "Slack!pass-1234", role);
        var slackUser = ("U" + Guid.NewGuid().ToString("N")[..10]).ToUpperInvariant();
        var slug = $"slack-{Guid.NewGuid():N}"[..14];
        using var http = app.Client(IncidentHubFactory.AdminToken);
        var saved = await http.PutAsJsonAsync($"/api/teams/{slug}", new
        {
            name = slug, timeZone = "UTC", rotation = "Weekly", handoff = "09:00:00", rotationStart = "2026-01-05",
            members = new[] { new { name = "person", email, slackUserId = slackUser } },
        });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        return (slackUser, email);
    }

    private async Task<string> PressAsync(string slackUser, string actionId, string value, Uri? responseUrl = null)
    {
        var body = Form(slackUser, actionId, value, responseUrl);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var response = await PostAsync(body, ts, SlackActions.Sign(IncidentHubFactory.SlackSigningSecret, ts, body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["text"]!.GetValue<string>();
    }

    private async Task<HttpResponseMessage> PostAsync(string body, string timestamp, string? signature)
    {
        using var http = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/slack/interactions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        if (signature is not null)
        {
            request.Headers.Add("X-Slack-Signature", signature);
        }

        return await http.SendAsync(request);
    }

    private static string Form(string slackUser, string actionId, string value, Uri? responseUrl)
    {
        var payload = JsonSerializer.Serialize(new
        {
            type = "block_actions",
            user = new { id = slackUser, username = "someone" },
            response_url = responseUrl?.ToString(),
            actions = new[] { new { action_id = actionId, value, type = "button" } },
        });
        return "payload=" + Uri.EscapeDataString(payload);
    }
}
