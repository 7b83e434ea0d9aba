using System.Net.Http.Json;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Tests.RealServers;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

[CollectionDefinition(Name)]
public sealed class ManyProcessesCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "many-processes";
}

/// <summary>
/// The deployed topology (docs/deployment.md): two web processes and two worker processes, real operating-system
/// processes sharing one PostgreSQL. An alert posted to web A is triaged by a worker and shows up, live, on a wall
/// served by web B.
/// </summary>
[Collection(ManyProcessesCollection.Name)]
public sealed class ManyProcessesTests(BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Email = "oncall@processes.test";
    private const string Password = "Processes!pass-123";
    private const string HookToken = "processes-alertmanager-token-0123";
    private TestDatabase _database = default!;
    private readonly List<AppProcess> _processes = [];

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await _database.DisposeAsync();
    }

    [Fact]
    public async Task AlertPostedToWebA_IsTriagedByAWorker_AndAppearsLiveOnAWallServedByWebB()
    {
        var settings = new Dictionary<string, string>
        {
            // Development: the build's static web assets (blazor.web.js, MudBlazor) are served from bin/, as by scripts/run.sh.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Seed:Admin:Email"] = Email,
            ["Seed:Admin:Password"] = Password,
            ["Seed:DemoIntegrations:Alertmanager"] = HookToken,
            ["Seed:CatalogPath"] = Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "services.yaml"),
            ["Bundles:DataDirectory"] = Path.Combine(Path.GetTempPath(), $"ih-processes-{Guid.NewGuid():N}"),
        };
        await AppProcess.MigrateAsync(_database.ConnectionString, settings);
        var webA = await StartAsync("Web", settings);
        var webB = await StartAsync("Web", settings);
        await StartAsync("Worker", settings);
        await StartAsync("Worker", settings);

        var context = await browser.NewContextAsync(webB.Address);
        try
        {
            var page = await context.NewPageAsync();
            page.Console += (_, m) => output.WriteLine($"[console.{m.Type}] {m.Text}");
            await page.GotoAsync("/account/login");
            await page.Locator("#email").FillAsync(Email);
            await page.Locator("#password").FillAsync(Password);
            await page.Locator("[data-testid=login-submit]").ClickAsync();
            await Expect(page.Locator("#circuit-state")).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = 30_000 });

            var name = $"ProcessesProbe{Guid.NewGuid():N}"[..28];
            using var http = new HttpClient { BaseAddress = webA.Address };
            var response = await http.PostAsJsonAsync($"/hooks/alertmanager/{HookToken}", new
            {
                version = "4", groupKey = $"g-{name}", status = "firing", receiver = "incidenthub",
                alerts = new[]
                {
                    new
                    {
                        status = "firing", fingerprint = name, startsAt = DateTimeOffset.UtcNow, endsAt = "0001-01-01T00:00:00Z",
                        labels = new Dictionary<string, string> { ["alertname"] = name, ["service"] = "checkout", ["severity"] = "critical" },
                        annotations = new Dictionary<string, string> { ["summary"] = "probe across processes" },
                    },
                },
            });
            Assert.True(response.IsSuccessStatusCode, $"web A answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

            // Web B's wall hears of it through PostgreSQL (web A's intake committed it), without a reload...
            var row = page.Locator("[data-testid=incident-row]", new() { HasText = name });
            await Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });
            // ... and again when a worker (web processes run no jobs) has triaged it: opened as P3, critical on the tier-1
            // checkout service makes it P0.
            await Expect(row).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bih-row-p0\b"), new() { Timeout = 60_000 });
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    private async Task<AppProcess> StartAsync(string role, Dictionary<string, string> settings)
    {
        var process = await AppProcess.StartAsync(_database.ConnectionString, settings: new Dictionary<string, string>(settings) { ["IncidentHub:Role"] = role });
        _processes.Add(process);
        return process;
    }
}
