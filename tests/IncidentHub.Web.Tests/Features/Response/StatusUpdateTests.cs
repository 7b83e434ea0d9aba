using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Features.Response.StatusUpdates;
using IncidentHub.Web.Tests.Features.Reports;

namespace IncidentHub.Web.Tests.Features.Response;

/// <summary>
/// Status updates: drafts from the incident's facts, edited by a person, sent through the real outbox and SMTP server.
/// The public draft carries no alert, log or diagnosis text.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class StatusUpdateTests(IncidentHubFactory app)
{
    private static readonly DateTimeOffset Since = new(2026, 12, 7, 2, 10, 0, TimeSpan.Zero);

    private static StatusFacts Facts(IncidentState state = IncidentState.Mitigating, string? cause = "bad-deploy-code (confidence 0.91): NullPointerException in QuotaClient.check on host db-7.internal") =>
        new("INC-1042", Severity.P1, state, "checkout", Since, Since.AddMinutes(25), "ana@example.com", null, cause, ["Roll checkout back to v2.13.0"]);

    [Fact]
    public void PublicDraft_HasOnlyStructuredFacts_NoCauseText()
    {
        var draft = StatusDrafts.Draft(Facts(), StatusAudience.Public);

        Assert.Equal("Identified: checkout", draft.Subject);
        Assert.Contains("Since 2026-12-07 02:10 UTC", draft.Body, StringComparison.Ordinal);
        Assert.Contains("applying a fix", draft.Body, StringComparison.Ordinal);
        Assert.Contains("Next update by 2026-12-07 03:35 UTC", draft.Body, StringComparison.Ordinal);
        foreach (var leak in new[] { "NullPointerException", "db-7.internal", "INC-1042", "v2.13.0", "ana@example.com" })
        {
            Assert.DoesNotContain(leak, draft.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void InternalDraft_NamesTheCauseActionsAndOwner_ResolvedPromisesNoNextUpdate()
    {
        var open = StatusDrafts.Draft(Facts(), StatusAudience.Internal);
        var resolved = StatusDrafts.Draft(Facts(IncidentState.Resolved), StatusAudience.Internal);

        Assert.Contains("NullPointerException", open.Body, StringComparison.Ordinal);
        Assert.Contains("- Roll checkout back to v2.13.0", open.Body, StringComparison.Ordinal);
        Assert.Contains("Owner: ana@example.com; incident commander: not assigned", open.Body, StringComparison.Ordinal);
        Assert.Contains("(25 min)", open.Body, StringComparison.Ordinal);
        Assert.Contains("Next update by 2026-12-07 03:35 UTC", open.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Next update", resolved.Body, StringComparison.Ordinal);
        Assert.Contains("Cause: not known yet", StatusDrafts.Draft(Facts(cause: null), StatusAudience.Internal).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EditedUpdate_IsEmailedToTheAudience_OnTheTimeline()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        using var http = app.Client();
        var secretTitle = $"HighErrorRate on pod checkout-7d9f host ip-10-0-3-7 {Guid.NewGuid():N}";
        var opened = await http.PostAsJsonAsync(hook + "?wait=true", new { title = secretTitle, service = "inventory", severity = "critical" });
        var number = (await opened.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]![0]!["number"]!.GetValue<int>();
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var draft = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}/status-updates/draft?audience=public");
        var body = draft!["body"]!.GetValue<string>();
        Assert.DoesNotContain("ip-10-0-3-7", body, StringComparison.Ordinal);
        Assert.Equal("status-page@test.local", Assert.Single(draft["recipients"]!.AsArray())!.GetValue<string>());

        var subject = $"Investigating: inventory {Guid.NewGuid():N}";
        var sent = await admin.PostAsJsonAsync($"/api/incidents/{number}/status-updates", new { audience = "public", subject, body = body + "\n\nOrders placed are safe." });
        var bad = await admin.PostAsJsonAsync($"/api/incidents/{number}/status-updates", new { audience = "everyone", subject, body });

        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var mail = await Eventually.HoldsAsync(() => Task.FromResult(Maildir.Find(subject)), m => m.Count > 0, TimeSpan.FromSeconds(30), "the status update email");
        var message = Assert.Single(mail);
        Assert.Equal("status-page@test.local", message.To.Mailboxes.Single().Address);
        Assert.Contains("Orders placed are safe.", message.TextBody, StringComparison.Ordinal);
        var updates = await admin.GetFromJsonAsync<JsonArray>($"/api/incidents/{number}/status-updates");
        Assert.Equal("Public", Assert.Single(updates!)!["audience"]!.GetValue<string>());
        var timeline = (await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}"))!["timeline"]!.AsArray();
        Assert.Contains(timeline, t => t!["kind"]!.GetValue<string>() == "StatusUpdate" && t["text"]!.GetValue<string>().Contains(subject, StringComparison.Ordinal));
    }
}
