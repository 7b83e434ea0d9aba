using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Xunit.Abstractions;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// A private PostgreSQL cluster (scripts/pg.sh) stopped and started again while senders post alerts without pause and
/// retry on 503: the webhooks answer 503 with Retry-After while it is away (never 500), and after it returns every
/// alert that got a 202 is stored once and grouped into an incident.
/// </summary>
public sealed class DatabaseOutageUnderFloodTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _cluster = Path.Combine(Directory.CreateTempSubdirectory("ih-pg-outage-").FullName, "pg");
    private string _connectionString = "";
    private string _admin = "";

    public async Task InitializeAsync()
    {
        // The postgres user must reach the cluster directory when the tests run as root.
        RealProcess.Run("chmod", ["755", Path.GetDirectoryName(_cluster)!]);
        var admin = _admin = (await PgAsync("start")).Trim();
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE incidenthub", connection);
            await create.ExecuteNonQueryAsync();
        }

        _connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = "incidenthub", Timeout = 3 }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await PgAsync("stop");
        Directory.Delete(Path.GetDirectoryName(_cluster)!, recursive: true);
    }

    [Fact]
    public async Task PostgresStoppedAndStartedUnderAFlood_Answers503WithRetryAfter_AndLosesNothingAcknowledged()
    {
        await AppProcess.MigrateAsync(_connectionString);
        var token = SecretTokens.New("iht_");
        await using (var db = NewDb())
        {
            db.Integrations.Add(Integration.Create("outage test", SourceKind.Generic, token, DateTimeOffset.UtcNow));
            await db.SaveChangesAsync();
        }

        await using var app = await AppProcess.StartAsync(_connectionString);
        var acknowledged = new ConcurrentDictionary<long, string>();
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var unavailableWithoutRetryAfter = 0;
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 4).Select(sender => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(30) };
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var title = $"outage-{sender}-{i}";
                // A sender that keeps its alert until it is acknowledged, as Alertmanager and most senders do.
                while (!stop.IsCancellationRequested)
                {
                    using var response = await http.PostAsJsonAsync($"/hooks/generic/{token}", new { title, service = "checkout", severity = "warning" });
                    statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
                        acknowledged[body!["eventId"]!.GetValue<long>()] = title;
                        break;
                    }

                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is null)
                    {
                        Interlocked.Increment(ref unavailableWithoutRetryAfter);
                    }

                    // The sender's own back-off (shorter than Retry-After, to keep the flood going through the outage).
                    await Task.Delay(50);
                }
            }
        })).ToList();

        try
        {
            await Eventually.HoldsAsync(() => Task.FromResult(acknowledged.Count), n => n >= 200, TimeSpan.FromSeconds(60), "200 acknowledged before the outage");
            await PgAsync("stop");
            await Eventually.HoldsAsync(() => Task.FromResult(statuses.GetValueOrDefault(HttpStatusCode.ServiceUnavailable)), n => n >= 50,
                TimeSpan.FromSeconds(60), "503s while PostgreSQL is stopped");
            var duringOutage = acknowledged.Count;
            Assert.Equal(_admin, (await PgAsync("start")).Trim()); // same port: the app's connection string still points at it
            NpgsqlConnection.ClearAllPools(); // this test's own pooled connections died with the server
            await Eventually.HoldsAsync(() => Task.FromResult(acknowledged.Count), n => n >= duringOutage + 200, TimeSpan.FromSeconds(90),
                "200 more acknowledged after PostgreSQL returned");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(senders);
            output.WriteLine(string.Join(", ", statuses.Select(s => $"{(int)s.Key}: {s.Value}")));
            if (acknowledged.Count < 400)
            {
                output.WriteLine(app.Log);
            }
        }

        var ids = acknowledged.Keys.ToArray();
        try
        {
            await Eventually.HoldsAsync(
                async () =>
                {
                    await using var db = NewDb();
                    return await db.AlertEvents.CountAsync(e => ids.Contains(e.Id) && e.Status == RawEventStatus.Processed);
                },
                n => n == ids.Length, TimeSpan.FromSeconds(90), "every acknowledged payload applied after PostgreSQL returned");
        }
        finally
        {
            output.WriteLine(app.Log);
        }

        Assert.All(statuses.Keys, s => Assert.True(s is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"unexpected {(int)s}"));
        Assert.Equal(0, unavailableWithoutRetryAfter);
        await using var check = NewDb();
        var alerts = await check.Alerts.AsNoTracking().ToListAsync();
        var titles = alerts.Select(a => a.Title).ToHashSet();
        Assert.All(acknowledged.Values, title => Assert.Contains(title, titles));
        Assert.All(alerts, a => Assert.Equal(1, a.Count));
        Assert.True(alerts.All(a => a.IncidentId is not null), "every firing alert joined an incident");
    }

    private async Task<string> PgAsync(string command) =>
        await RealProcess.RunAsync(Path.Combine(IncidentHubFactory.RepositoryRoot(), "scripts", "pg.sh"), [command, _cluster],
            environment: new Dictionary<string, string> { ["PG_EXTRA_OPTS"] = "-c fsync=off -c max_connections=200" });

    private AppDbContext NewDb() => new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(_connectionString).Options);
}
