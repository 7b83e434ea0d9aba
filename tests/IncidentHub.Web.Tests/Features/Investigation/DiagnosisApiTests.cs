using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;

namespace IncidentHub.Web.Tests.Features.Investigation;

[Collection(AppCollection.Name)]
public sealed class DiagnosisApiTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Diagnosis_BeforeAnyIsStored_IsPending200()
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(app, $"Checkout errors {Guid.NewGuid():N}", "checkout");
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var response = await http.GetAsync($"/api/incidents/{number}/diagnosis");
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"INC-{number}", body!["incident"]!.GetValue<string>());
        Assert.Equal("pending", body["status"]!.GetValue<string>());
        Assert.Null(body["category"]);
        Assert.Null(body["suspect"]);
        Assert.Empty(body["hypotheses"]!.AsArray());
        Assert.Empty(body["evidence"]!.AsArray());
    }

    [Fact]
    public async Task Diagnosis_WhenStored_ReturnsEveryFieldWithCitations()
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(app, $"Checkout 5xx {Guid.NewGuid():N}", "checkout");
        var e = await DiagnosisSeed.SeedCheckoutAsync(app, number);
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var d = (await http.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}/diagnosis"))!;

        Assert.Equal("ready", d["status"]!.GetValue<string>());
        Assert.Equal(1, d["attempt"]!.GetValue<int>());
        Assert.Equal(4.2, d["secondsSinceAlert"]!.GetValue<double>());
        Assert.NotNull(d["at"]);
        Assert.Equal("bad-deploy-code", d["category"]!.GetValue<string>());
        Assert.False(d["unknown"]!.GetValue<bool>());
        Assert.Equal(0.82, d["confidence"]!.GetValue<double>());
        Assert.Contains("cart/views.py:88", d["summary"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(d["wouldPage"]!.GetValue<bool>());
        Assert.Contains("tier-1", d["pageReason"]!.GetValue<string>(), StringComparison.Ordinal);

        var triage = d["triage"]!;
        Assert.Equal("P1", triage["severity"]!.GetValue<string>());
        Assert.Equal("checkout", triage["service"]!.GetValue<string>());
        Assert.Contains("web, mobile-api", triage["blastRadius"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal([e.Series, e.Onset], triage["evidenceIds"]!.AsArray().Select(x => x!.GetValue<string>()));

        var hypotheses = d["hypotheses"]!.AsArray();
        Assert.Equal(["bad-deploy-code", "traffic-spike", "dependency-failure"], hypotheses.Select(h => h!["category"]!.GetValue<string>()));
        Assert.Contains(e.Blame, hypotheses[0]!["evidenceIds"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Contains("stack frame in changed file", hypotheses[0]!["features"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.True(hypotheses[2]!["discarded"]!.GetValue<bool>());
        Assert.Contains("our own code", hypotheses[2]!["discardReason"]!.GetValue<string>(), StringComparison.Ordinal);

        var suspect = d["suspect"]!;
        Assert.StartsWith("a41f9c2", suspect["commit"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("cart/views.py", suspect["file"]!.GetValue<string>());
        Assert.Equal(88, suspect["line"]!.GetValue<int>());
        Assert.Equal("v2026.11.20-3", suspect["version"]!.GetValue<string>());
        Assert.Contains(e.Diff, suspect["evidenceIds"]!.AsArray().Select(x => x!.GetValue<string>()));

        var flagged = Assert.Single(d["flaggedInjections"]!.AsArray())!;
        Assert.Equal(e.Injection, flagged["evidenceId"]!.GetValue<string>());
        Assert.Equal(40233, flagged["line"]!.GetValue<long>());
        Assert.Contains("ignore previous instructions", flagged["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("destructive", flagged["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("logs:file:/var/log/checkout/app.log", flagged["source"]!.GetValue<string>());

        var evidence = d["evidence"]!.AsArray();
        // Every seeded observation is listed (the real investigation that ran first adds its own).
        var listed = evidence.Select(x => x!["id"]!.GetValue<string>()).ToHashSet();
        Assert.All(new[] { e.Template, e.Trace, e.Series, e.Onset, e.Commit, e.Diff, e.Blame, e.Health, e.Injection, e.Unavailable }, id => Assert.Contains(id, listed));
        var trace = evidence.Single(x => x!["id"]!.GetValue<string>() == e.Trace)!;
        Assert.Equal("StackTrace", trace["kind"]!.GetValue<string>());
        Assert.Contains("IndexError", trace["summary"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnosis_TheNewestAttemptIsCurrent()
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(app, $"Checkout 5xx {Guid.NewGuid():N}", "checkout");
        var e = await DiagnosisSeed.SeedCheckoutAsync(app, number);
        var unknown = DiagnosisSeed.CheckoutDiagnosis(e) with { Category = null, Unknown = true, Confidence = 0.31, Summary = "Not enough evidence yet", Suspect = null };
        await DiagnosisSeed.AddDiagnosisAsync(app, number, unknown, attempt: 2);
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var d = (await http.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}/diagnosis"))!;

        Assert.Equal(2, d["attempt"]!.GetValue<int>());
        Assert.Null(d["category"]);
        Assert.True(d["unknown"]!.GetValue<bool>());
        Assert.Null(d["suspect"]);
    }

    [Fact]
    public async Task Diagnosis_UnknownIncident_Is404ProblemDetails()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var response = await http.GetAsync("/api/incidents/987654/diagnosis");
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("There is no incident INC-987654.", problem!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Diagnosis_NeedsLoginOrToken_AndAViewerMayRead()
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(app, $"Checkout 5xx {Guid.NewGuid():N}", "checkout");
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.ServerAddress };
        using var viewer = app.Client(await app.CreateUserAsync($"viewer-{Guid.NewGuid():N}@test.local", "Viewer!pass-123", Roles.Viewer));

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/incidents/{number}/diagnosis")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/incidents/{number}/evidence/obs-1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/incidents/{number}/diagnosis")).StatusCode);
    }

    [Fact]
    public async Task Evidence_ReturnsTheObservationWithItsData_OnlyForItsOwnIncident()
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(app, $"Checkout 5xx {Guid.NewGuid():N}", "checkout");
        var other = await DiagnosisSeed.OpenIncidentAsync(app, $"Other {Guid.NewGuid():N}", "payments");
        var e = await DiagnosisSeed.SeedCheckoutAsync(app, number, withDiagnosis: false);
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var trace = (await http.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}/evidence/{e.Trace}"))!;
        var byNumber = await http.GetAsync($"/api/incidents/{number}/evidence/{e.Trace[4..]}");
        var wrongIncident = await http.GetAsync($"/api/incidents/{other}/evidence/{e.Trace}");
        var missing = await http.GetAsync($"/api/incidents/{number}/evidence/obs-99999999");
        var malformed = await http.GetAsync($"/api/incidents/{number}/evidence/not-an-id");

        Assert.Equal(e.Trace, trace["id"]!.GetValue<string>());
        Assert.Equal("StackTrace", trace["kind"]!.GetValue<string>());
        Assert.Equal("IndexError", trace["data"]!["exceptionType"]!.GetValue<string>());
        Assert.Equal(88, trace["data"]!["frames"]![2]!["line"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, byNumber.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wrongIncident.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("obs-123", (await malformed.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
