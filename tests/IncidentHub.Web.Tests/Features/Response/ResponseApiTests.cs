using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Response;

/// <summary>
/// Responders correct the machine through the API, against the real database: each change shows on the incident, on
/// its timeline and in the audit log; bad input is a ProblemDetails that says what was wrong; Viewers change nothing.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ResponseApiTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Note_IsOnTheTimelineAsMarkdown_AndAudited()
    {
        var (number, _) = await OpenAsync();
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var posted = await admin.PostAsJsonAsync($"/api/incidents/{number}/notes", new { text = "Rolled **back** by hand; see [runbook](https://runbooks.example/q)." });
        var empty = await admin.PostAsJsonAsync($"/api/incidents/{number}/notes", new { text = "   " });

        Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);
        await AssertProblemAsync(empty, HttpStatusCode.BadRequest, "The note is empty");
        var note = (await TimelineAsync(admin, number)).Single(t => t["kind"]!.GetValue<string>() == "Note");
        Assert.Equal(IncidentHubFactory.AdminEmail, note["actor"]!.GetValue<string>());
        Assert.Contains("**back**", note["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(await AuditAsync(number), a => a == "incident.note.added");
    }

    [Fact]
    public async Task Severity_SetByAPerson_WinsOverTriageAfterwards_AndBadValueSaysWhatIsAllowed()
    {
        var (number, _) = await OpenAsync();
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        await WaitTriagedAsync(number);

        var set = await admin.PutAsJsonAsync($"/api/incidents/{number}/severity", new { severity = "P0", reason = "checkout is down for everyone" });
        var bad = await admin.PutAsJsonAsync($"/api/incidents/{number}/severity", new { severity = "sev1" });

        Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        await AssertProblemAsync(bad, HttpStatusCode.BadRequest, "P0, P1, P2, P3");
        var detail = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}");
        Assert.Equal("P0", detail!["summary"]!["severity"]!.GetValue<string>());
        var response = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}/response");
        Assert.Equal(IncidentHubFactory.AdminEmail, response!["severitySetBy"]!.GetValue<string>());
        Assert.Contains((await TimelineAsync(admin, number)), t => t["text"]!.GetValue<string>().StartsWith("Severity set to P0 by", StringComparison.Ordinal)
            && t["text"]!.GetValue<string>().Contains("checkout is down", StringComparison.Ordinal));

        // The investigation's refined triage runs through the same entity method: the person's value stays.
        await using (var db = DiagnosisSeed.Db(app))
        {
            var incident = await db.Incidents.SingleAsync(i => i.Number == number);
            Assert.False(incident.ApplyRefinedTriage(IncidentHub.Analysis.Incidents.Severity.P3, null, DateTimeOffset.UtcNow));
            Assert.Equal(IncidentHub.Analysis.Incidents.Severity.P0, incident.Severity);
        }

        Assert.Contains(await AuditAsync(number), a => a == "incident.severity.set");
    }

    [Fact]
    public async Task Viewer_ReadsTheResponse_ButChangesNothing()
    {
        var (number, _) = await OpenAsync();
        using var viewer = app.Client(await app.CreateUserAsync($"viewer-{Guid.NewGuid():N}"[..20] + "@test.local", "Viewer!pass-123", Roles.Viewer));

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/incidents/{number}/response")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync($"/api/incidents/{number}/notes", new { text = "hi" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsJsonAsync($"/api/incidents/{number}/severity", new { severity = "P0" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/incidents", new { title = "x", severity = "P1" })).StatusCode);
        Assert.DoesNotContain((await TimelineAsync(app.Client(IncidentHubFactory.AdminToken), number)), t => t["kind"]!.GetValue<string>() == "Note");
    }

    [Fact]
    public async Task Assign_OwnerAndCommander_MustBeUsers()
    {
        var (number, _) = await OpenAsync();
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var responder = $"ic-{Guid.NewGuid():N}"[..16] + "@test.local";
        await app.CreateUserAsync(responder, "Responder!pass-123", Roles.Responder);

        var unknown = await admin.PutAsJsonAsync($"/api/incidents/{number}/assignees", new { owner = "nobody@nowhere.test" });
        var ok = await admin.PutAsJsonAsync($"/api/incidents/{number}/assignees", new { owner = IncidentHubFactory.AdminEmail, commander = responder.ToUpperInvariant() });

        await AssertProblemAsync(unknown, HttpStatusCode.BadRequest, "no user 'nobody@nowhere.test'");
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        var response = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}/response");
        Assert.Equal(IncidentHubFactory.AdminEmail, response!["owner"]!.GetValue<string>());
        Assert.Equal(responder, response["commander"]!.GetValue<string>());
    }

    [Fact]
    public async Task Escalate_ThenAgain_IsAConflict_ResolveThenReopen_InvestigatesAgain()
    {
        var (number, _) = await OpenAsync();
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        await WaitTriagedAsync(number);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/api/incidents/{number}/escalate", new { reason = "needs the database team" })).StatusCode);
        await AssertProblemAsync(await admin.PostAsJsonAsync($"/api/incidents/{number}/escalate", new { }), HttpStatusCode.Conflict, "Escalated");
        await AssertProblemAsync(await admin.PostAsJsonAsync($"/api/incidents/{number}/reopen", new { }), HttpStatusCode.Conflict, "nothing to reopen");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/incidents/{number}/resolve", null)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/api/incidents/{number}/reopen", new { reason = "errors came back" })).StatusCode);

        var detail = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}");
        // Reopened goes back to Investigating; the investigation that follows may, finding nothing here, escalate it again
        // before this read.
        Assert.Contains(detail!["summary"]!["state"]!.GetValue<string>(), new[] { "Investigating", "Escalated" });
        Assert.Null(detail["summary"]!["resolvedAt"]);
        Assert.Null(detail["resolvedBy"]);
        var texts = (await TimelineAsync(admin, number)).Select(t => t["text"]!.GetValue<string>()).ToList();
        Assert.Contains(texts, t => t.StartsWith("Escalated by", StringComparison.Ordinal) && t.Contains("database team", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.StartsWith("Reopened by", StringComparison.Ordinal) && t.Contains("errors came back", StringComparison.Ordinal));
        Assert.Contains(await AuditAsync(number), a => a == "incident.reopened");
    }

    [Fact]
    public async Task Merge_MovesEveryAlert_AndTheCountsFollow_TheSourceIsResolvedAsMerged()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        var (source, _) = await OpenAsync(hook, "merge-a", 2);
        var (target, _) = await OpenAsync(hook, "merge-b", 1);
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var self = await admin.PostAsJsonAsync($"/api/incidents/{source}/merge", new { into = source });
        var merged = await admin.PostAsJsonAsync($"/api/incidents/{source}/merge", new { into = target });

        await AssertProblemAsync(self, HttpStatusCode.Conflict, "into itself");
        Assert.Equal(HttpStatusCode.NoContent, merged.StatusCode);
        var from = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{source}");
        var into = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{target}");
        Assert.Equal("Resolved", from!["summary"]!["state"]!.GetValue<string>());
        Assert.Equal(0, from["summary"]!["alertCount"]!.GetValue<int>());
        Assert.Equal(3, into!["summary"]!["alertCount"]!.GetValue<int>());
        Assert.Equal(3, into["alerts"]!.AsArray().Count);
        Assert.Equal(target, (await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{source}/response"))!["mergedInto"]!.GetValue<int>());
        Assert.Contains((await TimelineAsync(admin, target)), t => t["text"]!.GetValue<string>().Contains($"INC-{source}", StringComparison.Ordinal)
            && t["text"]!.GetValue<string>().Contains("2 alert(s) moved here", StringComparison.Ordinal));
        await AssertProblemAsync(await admin.PostAsJsonAsync($"/api/incidents/{source}/reopen", new { }), HttpStatusCode.Conflict, $"merged into INC-{target}");
    }

    [Fact]
    public async Task Split_MovesOneAlertIntoANewIncident_TheLastAlertCannotBeSplit()
    {
        var (number, _) = await OpenAsync(alerts: 2);
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var alerts = (await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}"))!["alerts"]!.AsArray();
        var alertId = alerts[0]!["id"]!.GetValue<Guid>();

        var split = await admin.PostAsync($"/api/incidents/{number}/alerts/{alertId}/split", null);

        Assert.Equal(HttpStatusCode.Created, split.StatusCode);
        var created = (await split.Content.ReadFromJsonAsync<JsonObject>())!["number"]!.GetValue<int>();
        var left = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}");
        var moved = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{created}");
        Assert.Equal(1, left!["summary"]!["alertCount"]!.GetValue<int>());
        Assert.Equal(1, moved!["summary"]!["alertCount"]!.GetValue<int>());
        Assert.Equal(alertId, moved["alerts"]![0]!["id"]!.GetValue<Guid>());
        Assert.Contains((await TimelineAsync(admin, created)), t => t["text"]!.GetValue<string>().StartsWith($"Split out of INC-{number}", StringComparison.Ordinal));

        var last = left["alerts"]![0]!["id"]!.GetValue<Guid>();
        await AssertProblemAsync(await admin.PostAsync($"/api/incidents/{number}/alerts/{last}/split", null), HttpStatusCode.Conflict, "only alert");
    }

    [Fact]
    public async Task Declare_OpensAnIncidentWithNoAlert_ServiceMustBeInTheCatalog()
    {
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var unknown = await admin.PostAsJsonAsync("/api/incidents", new { title = "Customers report slow checkout", severity = "P1", service = "no-such-service" });
        var noTitle = await admin.PostAsJsonAsync("/api/incidents", new { severity = "P1" });
        var declared = await admin.PostAsJsonAsync("/api/incidents", new { title = "Customers report slow checkout", severity = "P1", summary = "Support has **12 tickets**." });

        await AssertProblemAsync(unknown, HttpStatusCode.BadRequest, "not a service in the catalog");
        await AssertProblemAsync(noTitle, HttpStatusCode.BadRequest, "The title is empty");
        Assert.Equal(HttpStatusCode.Created, declared.StatusCode);
        var number = (await declared.Content.ReadFromJsonAsync<JsonObject>())!["number"]!.GetValue<int>();
        var detail = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}");
        Assert.Equal("P1", detail!["summary"]!["severity"]!.GetValue<string>());
        Assert.Equal("Investigating", detail["summary"]!["state"]!.GetValue<string>());
        Assert.Empty(detail["alerts"]!.AsArray());
        Assert.Equal(IncidentHubFactory.AdminEmail, (await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}/response"))!["declaredBy"]!.GetValue<string>());
        Assert.Contains((await TimelineAsync(admin, number)), t => t["kind"]!.GetValue<string>() == "Note" && t["text"]!.GetValue<string>().Contains("12 tickets", StringComparison.Ordinal));
        Assert.Contains((await admin.GetFromJsonAsync<JsonArray>("/api/incidents"))!, i => i!["number"]!.GetValue<int>() == number);

        // The investigation runs from what the person said, and says what it could and could not find.
        await using var db = DiagnosisSeed.Db(app);
        var id = await db.Incidents.Where(i => i.Number == number).Select(i => i.Id).SingleAsync();
        await Eventually.HoldsAsync(() => db.Diagnoses.AsNoTracking().AnyAsync(d => d.IncidentId == id && d.IsFinal), done => done, TimeSpan.FromSeconds(60), "the declared incident's diagnosis");
    }

    [Fact]
    public async Task Link_ShowsOnBoth_TwiceIsAConflict_Unlink_RemovesIt()
    {
        var (a, _) = await OpenAsync();
        var (b, _) = await OpenAsync();
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/api/incidents/{a}/links", new { incident = b, note = "same bad deploy" })).StatusCode);
        await AssertProblemAsync(await admin.PostAsJsonAsync($"/api/incidents/{b}/links", new { incident = a }), HttpStatusCode.Conflict, "already linked");
        await AssertProblemAsync(await admin.PostAsJsonAsync($"/api/incidents/{a}/links", new { incident = a }), HttpStatusCode.BadRequest, "itself");
        await AssertProblemAsync(await admin.PostAsJsonAsync($"/api/incidents/{a}/links", new { incident = 999_999 }), HttpStatusCode.NotFound, "INC-999999");

        var onB = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{b}/response");
        Assert.Equal(a, Assert.Single(onB!["links"]!.AsArray())!["number"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/incidents/{b}/links/{a}")).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{a}/response"))!["links"]!.AsArray());
    }

    private async Task<(int Number, string Hook)> OpenAsync(string? hook = null, string? title = null, int alerts = 1)
    {
        hook ??= await app.CreateIntegrationAsync(SourceKind.Generic);
        title ??= $"Response test {Guid.NewGuid():N}";
        using var http = app.Client();
        int number = 0;
        for (var i = 0; i < alerts; i++)
        {
            var response = await http.PostAsJsonAsync(hook + "?wait=true", new { title, service = "inventory", severity = "warning", fingerprint = $"{title}-{i}" });
            response.EnsureSuccessStatusCode();
            number = (await response.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]![0]!["number"]!.GetValue<int>();
        }

        return (number, hook);
    }

    private async Task WaitTriagedAsync(int number)
    {
        await using var db = DiagnosisSeed.Db(app);
        await Eventually.HoldsAsync(() => db.Incidents.AsNoTracking().AnyAsync(i => i.Number == number && i.TriagedAt != null), triaged => triaged,
            TimeSpan.FromSeconds(60), "triage of the incident");
    }

    private static async Task<List<JsonNode>> TimelineAsync(HttpClient http, int number) =>
        (await http.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}"))!["timeline"]!.AsArray().Select(t => t!).ToList();

    private async Task<List<string>> AuditAsync(int number)
    {
        await using var db = DiagnosisSeed.Db(app);
        return await db.AuditEntries.AsNoTracking().Where(a => a.IncidentNumber == number).Select(a => a.Action).ToListAsync();
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains(detailContains, problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
