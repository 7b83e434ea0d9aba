using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.Ingestion;

[Collection(AppCollection.Name)]
public sealed class HooksApiTests(IncidentHubFactory app)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    [Fact]
    public async Task Alertmanager_FiringAlert_OpensIncident_ThatTriageMovesToInvestigating()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var fp = Guid.NewGuid().ToString("N")[..16];
        using var http = app.Client();

        var response = await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("firing", $"g-{fp}", (fp, "HighErrorRate", "checkout", "critical", "firing"))));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<HookAccepted>(Json);
        var incident = Assert.Single(accepted!.Incidents);
        Assert.True(incident.Opened);
        Assert.StartsWith("INC-", incident.Reference, StringComparison.Ordinal);

        var detail = await Triaged.WaitAsync(() => GetAsync(incident.Number));
        var triage = Triaged.Entry(detail);
        Assert.Equal("checkout", triage.Details["service"]);
        // critical (P1) on a tier-1 service in seed-data/services.yaml -> P0.
        Assert.Equal(nameof(Severity.P0), triage.Details["severity"]);
        Assert.Equal("triage-agent", triage.Actor);
        Assert.NotNull(detail.Phases.InvestigatingAt);
        Assert.Equal("HighErrorRate: HighErrorRate on checkout", detail.Summary.Title);
    }

    [Fact]
    public async Task Alertmanager_RepeatNotification_UpdatesSameIncident_AndCountsUp()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var fp = Guid.NewGuid().ToString("N")[..16];
        var body = Payloads.Alertmanager("firing", $"g-{fp}", (fp, "DiskFull", "inventory", "warning", "firing"));
        using var http = app.Client();

        var first = await (await http.PostAsync(hook + "?wait=true", Payloads.Json(body))).Content.ReadFromJsonAsync<HookAccepted>(Json);
        var second = await (await http.PostAsync(hook + "?wait=true", Payloads.Json(body))).Content.ReadFromJsonAsync<HookAccepted>(Json);

        Assert.Equal(first!.Incidents[0].Id, second!.Incidents[0].Id);
        Assert.False(second.Incidents[0].Opened);
        var detail = await GetAsync(first.Incidents[0].Number);
        var alert = Assert.Single(detail.Alerts);
        Assert.Equal(2, alert.Count);
        Assert.Equal(2, detail.Summary.NotificationCount);
        await using var db = await NewDbAsync();
        Assert.Equal(1, await db.Alerts.CountAsync(a => a.Fingerprint == fp));
    }

    [Fact]
    public async Task Alertmanager_ResolvedNotification_ResolvesAlert_AndIncidentWhenAllResolved()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var a = Guid.NewGuid().ToString("N")[..16];
        var b = Guid.NewGuid().ToString("N")[..16];
        var group = $"g-{a}";
        using var http = app.Client();
        var opened = await (await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("firing", group,
            (a, "Latency", "payments", "warning", "firing"), (b, "Latency", "payments", "warning", "firing"))))).Content.ReadFromJsonAsync<HookAccepted>(Json);
        var number = Assert.Single(opened!.Incidents).Number;

        await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("resolved", group, (a, "Latency", "payments", "warning", "resolved"))));
        var half = await GetAsync(number);
        Assert.Equal(AlertStatus.Resolved, half.Alerts.Single(x => x.Fingerprint == a).Status);
        Assert.NotEqual(IncidentState.Resolved, half.Summary.State);

        await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("resolved", group, (b, "Latency", "payments", "warning", "resolved"))));
        var done = await GetAsync(number);
        Assert.Equal(IncidentState.Resolved, done.Summary.State);
        Assert.All(done.Alerts, x => Assert.Equal(AlertStatus.Resolved, x.Status));
        Assert.Contains(done.Timeline, t => t.Text.Contains("all 2 alert(s) resolved", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Generic_GroupsByServiceAndTitle()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        var title = $"Queue backlog {Guid.NewGuid():N}";
        using var http = app.Client();

        var one = await PostGenericAsync(http, hook, new { title, service = "batch-reports", host = "a" });
        var two = await PostGenericAsync(http, hook, new { title, service = "batch-reports", host = "b", fingerprint = "other" });
        var other = await PostGenericAsync(http, hook, new { title = title + " (other)", service = "batch-reports" });

        Assert.Equal(one.Incidents[0].Id, two.Incidents[0].Id);
        Assert.NotEqual(one.Incidents[0].Id, other.Incidents[0].Id);
        var detail = await GetAsync(one.Incidents[0].Number);
        Assert.Equal(2, detail.Alerts.Count);
        Assert.Contains(detail.Alerts, x => x.Annotations.GetValueOrDefault("host") == "a");
    }

    [Fact]
    public async Task Generic_WithoutTitle_Returns400_AndKeepsRawRowRejected()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        using var http = app.Client();

        var response = await http.PostAsync(hook + "?wait=true", new StringContent("""{"service":"checkout","message":"no title here"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("'title'", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var raw = await RawEventAsync(problem["eventId"]!.GetValue<long>());
        Assert.Equal(RawEventStatus.Rejected, raw.Status);
        Assert.Contains("no title here", Encoding.UTF8.GetString(raw.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedJson_Returns400_WithTheParserMessage()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        using var http = app.Client();

        var response = await http.PostAsync(hook + "?wait=true", new StringContent("{\"alerts\": [", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.StartsWith("The body is not valid JSON", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(RawEventStatus.Rejected, (await RawEventAsync(problem["eventId"]!.GetValue<long>())).Status);
    }

    [Fact]
    public async Task OversizeBody_Returns413_AndKeepsRawRowRejected()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        using var http = app.Client();
        var big = $$"""{"title":"big","padding":"{{new string('x', HooksApi.MaxBodyBytes)}}"}""";

        var response = await http.PostAsync(hook + "?wait=true", new StringContent(big, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        var raw = await RawEventAsync(problem!["eventId"]!.GetValue<long>());
        Assert.Equal(RawEventStatus.Rejected, raw.Status);
        Assert.Equal(Encoding.UTF8.GetByteCount(big), raw.BodySize);
        Assert.Contains("limit", raw.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownToken_Returns401_AndStoresNothing()
    {
        using var http = app.Client();
        await using var db = await NewDbAsync();
        var before = await db.AlertEvents.CountAsync();

        var response = await http.PostAsync("/hooks/generic/iht_not_a_real_token", new StringContent("""{"title":"x"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await db.AlertEvents.CountAsync());
    }

    [Fact]
    public async Task TokenOfAnotherSourceKind_Returns401()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        using var http = app.Client();

        var response = await http.PostAsync(hook.Replace("/generic/", "/alertmanager/", StringComparison.Ordinal),
            Payloads.Json(Payloads.Alertmanager("firing", "g", ("f", "A", "s", "warning", "firing"))));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task RotatedToken_StopsWorking_AndTheNewOneWorks()
    {
        using var scope = app.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();
        var created = await integrations.CreateAsync($"rotate {Guid.NewGuid():N}", SourceKind.Generic);
        var rotated = await integrations.RotateTokenAsync(created.IntegrationId);
        using var http = app.Client();

        var old = await http.PostAsync(new Uri(created.Url).AbsolutePath, new StringContent("""{"title":"x"}""", Encoding.UTF8, "application/json"));
        var fresh = await http.PostAsync(new Uri(rotated.Url).AbsolutePath, new StringContent("""{"title":"x"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, fresh.StatusCode);
    }

    [Fact]
    public async Task ProcessingFailure_Returns500Problem_AndLeavesRawRowFailedWithTheError()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        var title = $"boom-{Guid.NewGuid():N}";
        // A real database failure after the raw row is stored: a trigger that rejects this one alert.
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"""
                CREATE OR REPLACE FUNCTION reject_boom() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW."Title" = '{title}' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$;
                DROP TRIGGER IF EXISTS reject_boom ON alerts;
                CREATE TRIGGER reject_boom BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION reject_boom();
                """, connection);
            await command.ExecuteNonQueryAsync();
        }

        using var http = app.Client();
        var response = await http.PostAsync(hook + "?wait=true", new StringContent($$"""{"title":"{{title}}"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("can be replayed", (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await using var db = await NewDbAsync();
        var raw = await db.AlertEvents.OrderByDescending(e => e.Id).FirstAsync(e => e.Status == RawEventStatus.Failed);
        Assert.Contains(title, Encoding.UTF8.GetString(raw.Body), StringComparison.Ordinal);
        Assert.Contains("disk on fire", raw.Error, StringComparison.Ordinal);
    }

    private async Task<HookAccepted> PostGenericAsync(HttpClient http, string hook, object body)
    {
        var response = await http.PostAsJsonAsync(hook + "?wait=true", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<HookAccepted>(Json))!;
    }

    private async Task<IncidentDetail> GetAsync(int number)
    {
        using var scope = app.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<IncidentService>().GetAsync(number))!;
    }

    private async Task<AlertEvent> RawEventAsync(long id)
    {
        await using var db = await NewDbAsync();
        return await db.AlertEvents.SingleAsync(e => e.Id == id);
    }

    private Task<AppDbContext> NewDbAsync() =>
        app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
}
