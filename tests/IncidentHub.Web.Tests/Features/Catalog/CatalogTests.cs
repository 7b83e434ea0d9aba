using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.Catalog;

[Collection(AppCollection.Name)]
public sealed class CatalogTests(IncidentHubFactory app)
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private static JsonObject Service(string name, int tier, string? owner = "team-a") => new()
    {
        ["name"] = name,
        ["tier"] = tier,
        ["owner"] = owner,
        ["dependsOn"] = new JsonArray("postgres-main"),
        ["repository"] = new JsonObject { ["github"] = "acme/" + name, ["pathInStackTraces"] = "/app/" },
        ["logs"] = new JsonArray(new JsonObject { ["kind"] = "file", ["path"] = "seed-data/bundles/" + name + "/*.log" }),
        ["metrics"] = new JsonArray(new JsonObject { ["role"] = "error_ratio", ["source"] = "prometheus", ["url"] = "http://prom.test.local:9090", ["query"] = "sum(rate(x[5m]))" }),
        ["healthUrls"] = new JsonArray("http://" + name + ".test.local/health"),
    };

    public static TheoryData<string, string, string> OutsideSources => new()
    {
        { "logs", """[{"kind":"file","path":"/etc/shadow"}]""", "logs[0].path" },
        { "logs", """[{"kind":"file","path":"/var/log/*.log"}]""", "logs[0].path" },
        { "logs", """[{"kind":"loki","url":"http://169.254.169.254/","query":"{app=\"x\"}"}]""", "logs[0].url" },
        { "metrics", """[{"role":"error_ratio","source":"prometheus","url":"http://169.254.169.254/","query":"up"}]""", "metrics[0].url" },
        { "metrics", """[{"role":"error_ratio","source":"prometheus","url":"http://[fe80::1]:9090/","query":"up"}]""", "metrics[0].url" },
        { "metrics", """[{"role":"error_ratio","source":"prometheus","url":"http://prometheus.elsewhere.example/","query":"up"}]""", "metrics[0].url" },
        { "metrics", """[{"role":"error_ratio","source":"openmetrics","path":"/proc/self/environ","query":"up"}]""", "metrics[0].path" },
        { "healthUrls", """["http://169.254.169.254/latest/meta-data/"]""", "health_urls" },
        { "runbooks", """["javascript:alert(1)"]""", "runbooks" },
    };

    [Theory]
    [MemberData(nameof(OutsideSources))]
    public async Task Put_SourceOutsideTheConfiguredRootsOrHosts_Returns400NamingTheField(string field, string json, string named)
    {
        var name = Unique("outside");
        var entry = new JsonObject { ["name"] = name, ["tier"] = 2, [field] = JsonNode.Parse(json) };
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var response = await admin.PutAsJsonAsync($"/api/catalog/{name}", entry);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonObject>())!.ToJsonString();
        Assert.Contains(named + ":", detail, StringComparison.Ordinal);
        Assert.Null(await app.Services.GetRequiredService<CatalogStore>().GetAsync(name));
    }

    [Fact]
    public async Task Put_LogPathThroughASymbolicLinkOutOfTheBundleDirectory_Returns400()
    {
        var name = Unique("symlink");
        var link = Path.Combine(app.BundlesDirectory, name);
        Directory.CreateSymbolicLink(link, "/etc");
        var entry = new JsonObject { ["name"] = name, ["tier"] = 2, ["logs"] = JsonNode.Parse($$"""[{"kind":"file","path":"{{link}}/shadow"}]""") };
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var response = await admin.PutAsJsonAsync($"/api/catalog/{name}", entry);
        var inside = await admin.PutAsJsonAsync($"/api/catalog/{name}", new JsonObject
        {
            ["name"] = name, ["tier"] = 2, ["logs"] = JsonNode.Parse($$"""[{"kind":"file","path":"{{app.BundlesDirectory}}/{{name}}-real/*.log"}]"""),
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("logs[0].path", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
    }

    [Fact]
    public async Task Start_SeedsServicesYaml_IntoTheDatabase_AndFindReadsIt()
    {
        using var viewer = app.Client(await app.CreateUserAsync($"viewer-{Guid.NewGuid():N}@test.local", "Viewer!pass-123", Roles.Viewer));

        var list = await viewer.GetFromJsonAsync<JsonArray>("/api/catalog");
        var checkout = list!.Single(e => e!["service"]!["name"]!.GetValue<string>() == "checkout")!;

        Assert.Equal(1, checkout["service"]!["tier"]!.GetValue<int>());
        Assert.Equal("payments-team", checkout["service"]!["owner"]!.GetValue<string>());
        Assert.Equal(["payments", "inventory", "postgres-main"], checkout["service"]!["dependsOn"]!.AsArray().Select(d => d!.GetValue<string>()));
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.True(await db.CatalogServices.CountAsync() >= 8);
        Assert.Equal(3, app.Services.GetRequiredService<ServiceCatalog>().Find("GEOCODER")!.Tier);
    }

    [Fact]
    public async Task Seed_FollowsTheFileForUneditedEntries_AndKeepsEntriesEditedInTheUi()
    {
        var (edited, untouched) = (Unique("seed-a"), Unique("seed-b"));
        var store = app.Services.GetRequiredService<CatalogStore>();
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, $"services:\n  - name: {edited}\n    tier: 2\n  - name: {untouched}\n    tier: 2\n");
            var first = await store.SeedFromYamlAsync(file);
            using var admin = app.Client(IncidentHubFactory.AdminToken);
            (await admin.PutAsJsonAsync($"/api/catalog/{edited}", Service(edited, 1))).EnsureSuccessStatusCode();

            await File.WriteAllTextAsync(file, $"services:\n  - name: {edited}\n    tier: 3\n  - name: {untouched}\n    tier: 3\n");
            var second = await store.SeedFromYamlAsync(file);

            Assert.Equal(2, first.Added);
            Assert.Equal((0, 1, 1), (second.Added, second.Updated, second.KeptEdited));
            var catalog = app.Services.GetRequiredService<ServiceCatalog>();
            Assert.Equal(1, catalog.Find(edited)!.Tier);
            Assert.Equal(3, catalog.Find(untouched)!.Tier);
            Assert.Equal(CatalogOrigin.Edited, (await store.GetAsync(edited))!.Origin);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Put_AsAdmin_SavesEveryField_AndFindSeesItAtOnce()
    {
        var name = Unique("svc");
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var body = Service(name, 1);
        body["match"] = new JsonObject { ["namespace"] = "shop" };

        var response = await admin.PutAsJsonAsync($"/api/catalog/{name}", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var found = app.Services.GetRequiredService<ServiceCatalog>().Find(name)!;
        Assert.Equal(1, found.Tier);
        Assert.Equal("acme/" + name, found.Repository!.GitHub);
        Assert.Equal("/app/", found.Repository.PathInStackTraces);
        Assert.Equal("seed-data/bundles/" + name + "/*.log", Assert.Single(found.Logs).Path);
        Assert.Equal("sum(rate(x[5m]))", Assert.Single(found.Metrics).Query);
        Assert.Equal("shop", found.Match["namespace"]);
        var read = await admin.GetFromJsonAsync<JsonObject>($"/api/catalog/{name}");
        Assert.Equal("Edited", read!["origin"]!.GetValue<string>());
        Assert.Equal(IncidentHubFactory.AdminEmail, read["updatedBy"]!.GetValue<string>());
    }

    [Fact]
    public async Task Put_InvalidEntry_Returns400ValidationProblem_NamingEachField()
    {
        var name = Unique("bad");
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var body = Service(name, 7);
        body["logs"] = new JsonArray(new JsonObject { ["kind"] = "syslog" });
        body["healthUrls"] = new JsonArray("ftp://x");

        var response = await admin.PutAsJsonAsync($"/api/catalog/{name}", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("tier: 7 is not 1, 2 or 3", text, StringComparison.Ordinal);
        Assert.Contains("logs[0].kind: 'syslog'", text, StringComparison.Ordinal);
        Assert.Contains("health_urls: 'ftp://x'", text, StringComparison.Ordinal);
        Assert.Null(app.Services.GetRequiredService<ServiceCatalog>().Find(name));
    }

    [Fact]
    public async Task Put_AsViewer_Returns403_AndChangesNothing()
    {
        using var viewer = app.Client(await app.CreateUserAsync($"viewer-{Guid.NewGuid():N}@test.local", "Viewer!pass-123", Roles.Viewer));

        var response = await viewer.PutAsJsonAsync("/api/catalog/checkout", Service("checkout", 3));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(1, app.Services.GetRequiredService<ServiceCatalog>().Find("checkout")!.Tier);
    }

    [Fact]
    public async Task FindForLabels_PrefersMatchRules_ThenNameLabels()
    {
        var (matched, named) = (Unique("match"), Unique("named"));
        var store = app.Services.GetRequiredService<CatalogStore>();
        await store.SaveAsync(new ServiceDefinition { Name = matched, Match = new() { ["namespace"] = matched + "-ns", ["team"] = "core" } }, IncidentHubFactory.Admin);
        await store.SaveAsync(new ServiceDefinition { Name = named }, IncidentHubFactory.Admin);
        var catalog = app.Services.GetRequiredService<ServiceCatalog>();

        Assert.Equal(matched, catalog.FindForLabels(new Dictionary<string, string> { ["Namespace"] = matched + "-ns", ["team"] = "CORE", ["service"] = named })?.Name);
        Assert.Equal(named, catalog.FindForLabels(new Dictionary<string, string> { ["namespace"] = matched + "-ns", ["app"] = named })?.Name);
        Assert.Equal(named, catalog.FindForLabels(new Dictionary<string, string> { ["job"] = named.ToUpperInvariant() })?.Name);
        Assert.Null(catalog.FindForLabels(new Dictionary<string, string> { ["service"] = "nobody-" + named }));
    }

    [Fact]
    public async Task Triage_ResolvesTheServiceThroughAMatchRule()
    {
        var name = Unique("pay");
        await app.Services.GetRequiredService<CatalogStore>().SaveAsync(
            new ServiceDefinition { Name = name, Tier = 1, Match = new() { ["k8s_namespace"] = name + "-prod" } }, IncidentHubFactory.Admin);
        using var http = app.Client();
        var hook = await app.CreateIntegrationAsync(IncidentHub.Analysis.Ingestion.SourceKind.Generic);

        var posted = await http.PostAsJsonAsync($"{hook}?wait=true", new JsonObject
        {
            ["title"] = $"Card declines spike {name}",
            ["severity"] = "warning",
            ["labels"] = new JsonObject { ["k8s_namespace"] = name + "-prod" },
        });
        var number = (await posted.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]![0]!["number"]!.GetValue<int>();
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var incident = await Eventually.HoldsAsync(
            () => admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}")!,
            i => i!["summary"]!["service"]?.GetValue<string>() == name, what: "triage to set the service");

        // Tier 1 raises the warning (P3) by one level. Read from triage's own entry: the investigation may refine
        // the incident's severity afterwards from evidence, and may already have done so by now.
        var triage = incident!["timeline"]!.AsArray().Single(t => t!["kind"]!.GetValue<string>() == "Triage");
        Assert.Equal("P2", triage!["details"]!["severity"]!.GetValue<string>());
        Assert.Equal(name, triage["details"]!["service"]!.GetValue<string>());
    }

    [Fact]
    public async Task Edit_IsVisibleToASecondCatalogInstance_ThroughPostgresNotify()
    {
        var name = Unique("remote");
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        var options = new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(dataSource).Options;
        var other = new ServiceCatalog(new PooledDbContextFactory<AppDbContext>(options), NullLogger<ServiceCatalog>.Instance);
        var listener = new CatalogChangeListener(dataSource, other, NullLogger<CatalogChangeListener>.Instance);
        await listener.StartAsync(CancellationToken.None);
        try
        {
            await listener.Listening.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Null(other.Find(name));
            using var admin = app.Client(IncidentHubFactory.AdminToken);

            (await admin.PutAsJsonAsync($"/api/catalog/{name}", Service(name, 3))).EnsureSuccessStatusCode();

            var seen = await Eventually.HoldsAsync(() => Task.FromResult(other.Find(name)), s => s is not null, what: "the second instance to reload");
            Assert.Equal(3, seen!.Tier);
            (await admin.DeleteAsync($"/api/catalog/{name}")).EnsureSuccessStatusCode();
            await Eventually.HoldsAsync(() => Task.FromResult(other.Find(name)), s => s is null, what: "the delete to reach the second instance");
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }
}
