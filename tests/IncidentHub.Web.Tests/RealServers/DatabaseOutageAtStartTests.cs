using System.Net;
using IncidentHub.Tests.Shared;
using Npgsql;
using Xunit.Abstractions;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// The app as a real process started while PostgreSQL is unreachable (behind a relay that refuses): it waits, says
/// so in its log, and starts (migrating an empty database, Hangfire, every hosted service) once PostgreSQL answers.
/// </summary>
public sealed class DatabaseOutageAtStartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestDatabase _database = default!;
    private TcpProxy _proxy = default!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        var direct = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
        _proxy = new TcpProxy(direct.Host!, direct.Port);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Start_WhilePostgresIsDown_WaitsAndSaysSo_ThenStartsWhenItReturns()
    {
        _proxy.Down();
        await using var app = AppProcess.Launch(ThroughProxy(), settings: new Dictionary<string, string>
        {
            ["Database:MigrateOnStart"] = "true",
            ["Seed:Admin:Email"] = "admin@outage.local",
            ["Seed:Admin:Password"] = "Admin!pass-123",
        });
        try
        {
            await app.WaitForLogAsync($"PostgreSQL at 127.0.0.1:{_proxy.Port} not reachable (", TimeSpan.FromSeconds(60));
            await app.WaitForLogAsync("); retrying in 2 s", TimeSpan.FromSeconds(30)); // still waiting, backing off: not crashed

            _proxy.Up();
            await app.WaitForHealthAsync(TimeSpan.FromSeconds(90));

            using var http = new HttpClient { BaseAddress = app.Address };
            var ready = await http.GetAsync("/health/ready");
            var body = await ready.Content.ReadAsStringAsync();
            Assert.True(ready.StatusCode == HttpStatusCode.OK, body);
            Assert.Contains("\"hangfire\":{\"status\":\"Healthy\"", body, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/account/login")).StatusCode); // migrated and seeded: the login page reads the database
            Assert.Contains($"PostgreSQL at 127.0.0.1:{_proxy.Port} reachable after", app.Log, StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(app.Log);
        }
    }

    [Fact]
    public async Task Start_WhilePostgresIsDown_WithAMaxWait_GivesUpWithAClearError()
    {
        _proxy.Down();
        await using var app = AppProcess.Launch(ThroughProxy(), settings: new Dictionary<string, string> { ["Database:StartupMaxWait"] = "00:00:03" });

        var exit = await app.WaitForExitAsync(TimeSpan.FromSeconds(60));

        output.WriteLine(app.Log);
        Assert.NotEqual(0, exit);
        Assert.Contains($"PostgreSQL at 127.0.0.1:{_proxy.Port} was not reachable within 00:00:03 (Database:StartupMaxWait)", app.Log, StringComparison.Ordinal);
    }

    private string ThroughProxy() =>
        new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Host = "127.0.0.1", Port = _proxy.Port, Timeout = 3 }.ConnectionString;
}
