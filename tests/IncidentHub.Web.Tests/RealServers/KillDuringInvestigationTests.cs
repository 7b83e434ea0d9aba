using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// kill -9 while the investigation waits on a service's health check (the endpoint holds the first call), start again on
/// the same database: the investigation sweep runs it again, the incident leaves Investigating with exactly one final
/// diagnosis.
/// </summary>
public sealed class KillDuringInvestigationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminToken = "ih_killinv_admin_token_0123456789abcdefghi";
    private TestDatabase _database = default!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task KillMidInvestigation_ThenRestart_TheIncidentCompletes_WithOneFinalDiagnosis()
    {
        await using var health = await HoldingHealthEndpoint.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Seed:Admin:Email"] = "admin@killinv.local",
            ["Seed:Admin:Password"] = "Admin!pass-123",
            ["Seed:Admin:ApiToken"] = AdminToken,
            ["Investigation:HealthCheckAllowedHosts:0"] = "127.0.0.1",
            ["Investigation:ConnectorTimeoutSeconds"] = "300",
            ["Investigation:TimeBudgetSeconds"] = "30",
        };
        await AppProcess.MigrateAsync(_database.ConnectionString, settings);
        var service = $"held-{Guid.NewGuid():N}"[..16];
        var token = SecretTokens.New("iht_");
        await using (var db = NewDb())
        {
            db.Integrations.Add(Integration.Create("kill during investigation", SourceKind.Generic, token, DateTimeOffset.UtcNow));
            await db.SaveChangesAsync();
        }

        var app = await AppProcess.StartAsync(_database.ConnectionString, settings: settings);
        int number;
        try
        {
            using var http = new HttpClient { BaseAddress = app.Address };
            http.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
            var saved = await http.PutAsJsonAsync($"/api/catalog/{service}",
                new { name = service, tier = 2, owner = "test-team", healthUrls = new[] { new Uri(health.Url, "/health").ToString() } });
            Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
            var posted = await http.PostAsJsonAsync($"/hooks/generic/{token}?wait=true", new { title = $"{service} is failing", service, severity = "critical" });
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
            number = (await posted.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]![0]!["number"]!.GetValue<int>();
            await health.Held.WaitAsync(TimeSpan.FromSeconds(90));
            Assert.Contains(await StateAsync(number), new[] { IncidentState.Triggered, IncidentState.Investigating });
        }
        finally
        {
            await app.KillAsync();
            output.WriteLine(app.Log);
            await app.DisposeAsync();
        }

        await using var restarted = await AppProcess.StartAsync(_database.ConnectionString, settings: settings);
        try
        {
            // The investigation sweep runs every minute and takes an investigation untouched for 2 minutes as dead.
            await Eventually.HoldsAsync(() => StateAsync(number), s => s != IncidentState.Investigating, TimeSpan.FromSeconds(240),
                "the interrupted investigation run again to its end");

            await using var db = NewDb();
            var incidentId = await db.Incidents.Where(i => i.Number == number).Select(i => i.Id).SingleAsync();
            Assert.Equal(1, await db.Diagnoses.CountAsync(d => d.IncidentId == incidentId && d.IsFinal));
            Assert.True(health.Calls >= 2, "the health check was called again after the restart");
        }
        finally
        {
            output.WriteLine(restarted.Log);
        }
    }

    private async Task<IncidentState> StateAsync(int number)
    {
        await using var db = NewDb();
        return await db.Incidents.Where(i => i.Number == number).Select(i => i.State).SingleAsync();
    }

    private AppDbContext NewDb() => new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(_database.ConnectionString).Options);
}

/// <summary>A service's health endpoint on 127.0.0.1 that never answers its first call (the investigation hangs there) and answers 200 afterwards.</summary>
public sealed class HoldingHealthEndpoint : IAsyncDisposable
{
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _app = default!;
    private int _calls;

    public Uri Url { get; private set; } = default!;

    /// <summary>Completes when the first call arrived (and is being held).</summary>
    public Task Held => _held.Task;

    public int Calls => Volatile.Read(ref _calls);

    public static async Task<HoldingHealthEndpoint> StartAsync()
    {
        var endpoint = new HoldingHealthEndpoint();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/health", async (HttpContext context) =>
        {
            if (Interlocked.Increment(ref endpoint._calls) == 1)
            {
                endpoint._held.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            return Results.Text("ok");
        });
        await app.StartAsync();
        endpoint._app = app;
        endpoint.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return endpoint;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
