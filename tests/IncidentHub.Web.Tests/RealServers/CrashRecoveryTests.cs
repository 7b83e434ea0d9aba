using IncidentHub.Web.Infrastructure.Security;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// Kill -9 during an alert flood, start again on the same database: every payload that got a 202
/// is applied exactly once (nothing lost, nothing doubled).
/// </summary>
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private TestDatabase _database = default!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task KillDuringFlood_ThenRestart_EveryAcknowledgedPayloadIsAppliedOnce()
    {
        await AppProcess.MigrateAsync(_database.ConnectionString);
        var token = SecretTokens.New("iht_");
        Guid integrationId;
        await using (var db = NewDb())
        {
            var integration = Integration.Create("crash test", SourceKind.Generic, token, DateTimeOffset.UtcNow);
            db.Integrations.Add(integration);
            await db.SaveChangesAsync();
            integrationId = integration.Id;
        }

        var acknowledged = new ConcurrentDictionary<long, string>();
        var app = await AppProcess.StartAsync(_database.ConnectionString);
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 8).Select(sender => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(5) };
            for (var i = 0; !stop.IsCancellationRequested && i < 5_000; i++)
            {
                var title = $"crash-{sender}-{i}";
                try
                {
                    var response = await http.PostAsJsonAsync($"/hooks/generic/{token}", new { title, service = "checkout", severity = "warning" });
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
                        acknowledged[body!["eventId"]!.GetValue<long>()] = title;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    // The process is gone: this request was never acknowledged.
                }
            }
        })).ToList();

        await Eventually.HoldsAsync(() => Task.FromResult(acknowledged.Count), n => n >= 300, TimeSpan.FromSeconds(60), "300 acknowledged payloads");
        await app.KillAsync();
        await stop.CancelAsync();
        await Task.WhenAll(senders);

        await using var restarted = await AppProcess.StartAsync(_database.ConnectionString);
        var ids = acknowledged.Keys.ToArray();
        await Eventually.HoldsAsync(
            async () =>
            {
                await using var db = NewDb();
                return await db.AlertEvents.CountAsync(e => ids.Contains(e.Id) && e.Status == RawEventStatus.Processed);
            },
            n => n == ids.Length, TimeSpan.FromSeconds(25), "every acknowledged payload applied after the restart (the periodic sweep would come only after 30 s)");

        await using var check = NewDb();
        Assert.Equal(0, await check.AlertEvents.CountAsync(e => e.Status == RawEventStatus.Received || e.Status == RawEventStatus.Failed));
        var alerts = await check.Alerts.Where(a => a.IntegrationId == integrationId).ToListAsync();
        var titles = alerts.Select(a => a.Title).ToHashSet();
        Assert.All(acknowledged.Values, title => Assert.Contains(title, titles));
        Assert.All(alerts, a => Assert.Equal(1, a.Count));
        Assert.Equal(alerts.Count, alerts.Select(a => a.Fingerprint).Distinct().Count());
        Assert.True(alerts.All(a => a.IncidentId is not null), "every firing alert joined an incident");
    }

    private AppDbContext NewDb() => new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(_database.ConnectionString).Options);
}
