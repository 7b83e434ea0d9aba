using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.Ingestion;

/// <summary>The inbox under concurrency: group commit, dedup across a batch, backpressure.</summary>
[Collection(AppCollection.Name)]
public sealed class InboxTests(IncidentHubFactory app)
{
    [Fact]
    public async Task ConcurrentRepeats_OfOneAlert_MakeOneRowWithTheRightCount_AndOneIncident()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var fp = Guid.NewGuid().ToString("N")[..16];
        var body = Payloads.Alertmanager("firing", $"g-{fp}", (fp, "CpuHigh", "inventory", "warning", "firing"));
        using var http = app.Client();

        var responses = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => http.PostAsync(hook, Payloads.Json(body))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var ids = new List<long>();
        foreach (var r in responses)
        {
            ids.Add((await r.Content.ReadFromJsonAsync<JsonObject>())!["eventId"]!.GetValue<long>());
        }

        Assert.Equal(60, ids.Distinct().Count());
        await Eventually.HoldsAsync(() => ProcessedAsync(ids), n => n == 60, what: "all 60 payloads applied");
        await using var db = await NewDbAsync();
        var alert = await db.Alerts.SingleAsync(a => a.Fingerprint == fp);
        Assert.Equal(60, alert.Count);
        Assert.Equal(1, await db.Incidents.CountAsync(i => i.GroupKey == $"g-{fp}"));
    }

    [Fact]
    public async Task AWebhookSendingTheImportScopeHeader_IsNotScoped_ItsRepeatsStillDeduplicate()
    {
        // Only the bundle importer scopes alerts to one import; a sender who copies its headers changes nothing.
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var fp = Guid.NewGuid().ToString("N")[..16];
        var body = Payloads.Alertmanager("firing", $"g-{fp}", (fp, "CpuHigh", "inventory", "warning", "firing"));
        using var http = app.Client();

        foreach (var scope in new[] { "import-a", "import-b" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, hook) { Content = Payloads.Json(body) };
            request.Headers.Add(ImportScope.Header, scope);
            request.Headers.Add("Remote-Address", ImportScope.RemoteAddress);
            Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(request)).StatusCode);
        }

        var alert = await Eventually.HoldsAsync(async () =>
        {
            await using var db = await NewDbAsync();
            return await db.Alerts.SingleOrDefaultAsync(a => a.Fingerprint == fp);
        }, a => a?.Count == 2, what: "both repeats counted on one alert");
        await using var check = await NewDbAsync();
        Assert.Equal(1, await check.Incidents.CountAsync(i => i.GroupKey == $"g-{fp}"));
        Assert.Equal(alert!.IncidentId, (await check.Incidents.SingleAsync(i => i.GroupKey == $"g-{fp}")).Id);
    }

    [Fact]
    public async Task ConcurrentDistinctAlerts_InOneGroup_JoinOneIncident_WithACoalescedTimeline()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var group = $"g-{Guid.NewGuid():N}";
        using var http = app.Client();
        var fingerprints = Enumerable.Range(0, 40).Select(i => $"{i}-{group}").ToList();

        var responses = await Task.WhenAll(fingerprints.Select(fp =>
            http.PostAsync(hook, Payloads.Json(Payloads.Alertmanager("firing", group, (fp, "PodCrashLooping", "uploads", "warning", "firing"))))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var incident = await Eventually.HoldsAsync(async () =>
        {
            await using var db = await NewDbAsync();
            return await db.Incidents.Include(i => i.Alerts).Include(i => i.Timeline).SingleOrDefaultAsync(i => i.GroupKey == group);
        }, i => i?.Alerts.Count == 40, what: "40 alerts in one incident");
        Assert.Single(incident!.Timeline, t => t.Kind == TimelineKind.Opened);
        // Grouping lines are written once per incident per batch, each naming the rule, not once per alert.
        var grouped = incident.Timeline.Where(t => t.Kind == TimelineKind.AlertGrouped).ToList();
        Assert.InRange(grouped.Count, 1, 39);
        Assert.All(grouped, t => Assert.StartsWith("rule 'source grouping': same source group key", t.Details["rule"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Backlog_OverTheBound_Answers429WithRetryAfter_AndRecovers()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var integrationId = await app.IntegrationIdAsync(hook);
        using var http = app.Client();

        // A slow database: hold the integration's apply lock so its payloads pile up unapplied.
        await using var blocker = new NpgsqlConnection(app.ConnectionString);
        await blocker.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock(hashtextextended('{integrationId}', 0))", blocker))
        {
            await take.ExecuteNonQueryAsync();
        }

        var accepted = new List<long>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 30 && refused is null; i++)
        {
            var alerts = Enumerable.Range(0, 100).Select(n => ($"bp-{i}-{n}-{integrationId:N}", "DiskFull", "inventory", "warning", "firing")).ToArray();
            var response = await http.PostAsync(hook, Payloads.Json(Payloads.Alertmanager("firing", $"bp-{integrationId}", alerts)));
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted.Add((await response.Content.ReadFromJsonAsync<JsonObject>())!["eventId"]!.GetValue<long>());
            }
            else
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        Assert.InRange(accepted.Count, 10, 12);

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock(hashtextextended('{integrationId}', 0))", blocker))
        {
            await release.ExecuteNonQueryAsync();
        }

        await Eventually.HoldsAsync(() => ProcessedAsync(accepted), n => n == accepted.Count, what: "the backlog drained");
        var after = await http.PostAsync(hook, Payloads.Json(Payloads.Alertmanager("firing", $"bp-{integrationId}", ($"bp-after-{integrationId:N}", "DiskFull", "inventory", "warning", "firing"))));
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    [Fact]
    public async Task ARowTheDatabaseRefuses_FailsAlone_AndTheWriterKeepsWriting()
    {
        // An unpaired surrogate: Npgsql refuses to encode it (the parser no longer lets one through, but the
        // writer must not depend on that). It used to stop the writer, and with it the host.
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        var integrationId = await app.IntegrationIdAsync(hook);
        var inbox = app.Services.GetRequiredService<InboxWriter>();
        RawEventDraft Draft(string? error) => new(integrationId, DateTimeOffset.UtcNow, [], "{}"u8.ToArray(), 2, RawEventStatus.Rejected, error, 0);

        // Queued together, so they are likely to share one commit: the good ones must not fail with the bad one.
        var good = Enumerable.Range(0, 5).Select(i => inbox.AppendAsync(Draft($"good {i}"))).ToList();
        var bad = inbox.AppendAsync(Draft("bad \ud800"));
        good.AddRange(Enumerable.Range(5, 5).Select(i => inbox.AppendAsync(Draft($"good {i}"))));

        await Assert.ThrowsAsync<InboxUnavailableException>(() => bad);
        var ids = await Task.WhenAll(good);
        var after = await inbox.AppendAsync(Draft("after"));
        await using var db = await NewDbAsync();
        Assert.Equal(11, await db.AlertEvents.CountAsync(e => e.IntegrationId == integrationId));
        Assert.Contains(after, await db.AlertEvents.Where(e => e.IntegrationId == integrationId).Select(e => e.Id).ToListAsync());
        Assert.Equal(10, ids.Distinct().Count());
    }

    private async Task<int> ProcessedAsync(IReadOnlyCollection<long> ids)
    {
        await using var db = await NewDbAsync();
        return await db.AlertEvents.CountAsync(e => ids.Contains(e.Id) && e.Status == RawEventStatus.Processed);
    }

    private Task<AppDbContext> NewDbAsync() =>
        app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
}
