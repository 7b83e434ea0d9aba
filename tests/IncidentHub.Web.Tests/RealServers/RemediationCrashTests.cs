extern alias cli;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using cli::IncidentHub.Cli.Commands;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Remediation;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Tests.Features.Remediation;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// Kill -9 while the runbook receiver holds the rollback's call open, start again on the same database: the
/// remediation sweep runs the action again (same Idempotency-Key), the idempotent receiver does the work once,
/// and the action ends Succeeded with the timeline saying it ran again after an interrupted run.
/// </summary>
public sealed partial class RemediationCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Secret = "crash-test-runbook-secret";
    private const string AdminToken = "ih_crash_admin_token_0123456789abcdefghij";

    private TestDatabase _database = default!;
    private readonly string _bundles = Directory.CreateTempSubdirectory("ih-crash-bundles-").FullName;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_bundles, recursive: true);
    }

    [Fact]
    public async Task KillWhileTheRunbookHoldsTheCall_ThenRestart_TheRollbackRunsAgain_AndIsExecutedOnce()
    {
        // The first call is never answered: the worker is killed while it waits.
        await using var receiver = await RunbookReceiver.StartAsync(Secret, RunbookReceiver.Hang);
        var settings = Settings(receiver.Url);
        await AppProcess.MigrateAsync(_database.ConnectionString, settings);
        var app = await AppProcess.StartAsync(_database.ConnectionString, settings: settings);
        int number;
        PlanAction rollback;
        try
        {
            number = await ImportAsync(app.Address);
            rollback = await Eventually.HoldsAsync(() => RollbackAsync(number), a => a is not null, TimeSpan.FromSeconds(120),
                "the imported incident's plan with its rollback") ?? throw new InvalidOperationException();
            Assert.Equal(ActionState.Proposed, rollback.State);

            using var http = new HttpClient { BaseAddress = app.Address };
            http.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
            var approved = await http.PostAsJsonAsync($"/api/incidents/{number}/plan/actions/{rollback.Id}/approve", new { hash = rollback.Hash });
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);

            var held = await receiver.Holding.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(rollback.Id.ToString(), held.IdempotencyKey);
            Assert.Equal(ActionState.Running, (await ActionAsync(rollback.Id)).State);
        }
        finally
        {
            await app.KillAsync();
            output.WriteLine(app.Log);
            await app.DisposeAsync();
        }

        await using var restarted = await AppProcess.StartAsync(_database.ConnectionString, settings: settings);
        var done = await Eventually.HoldsAsync(() => ActionAsync(rollback.Id), a => a.State != ActionState.Running, TimeSpan.FromSeconds(150),
            "the remediation sweep to run the interrupted rollback again");

        Assert.Equal(ActionState.Succeeded, done.State);
        Assert.Equal(2, done.Attempts);
        var executed = Assert.Single(receiver.Executed);
        Assert.Equal(rollback.Id.ToString(), executed.IdempotencyKey);
        Assert.Equal(2, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => Assert.Equal(rollback.Id.ToString(), r.IdempotencyKey));
        Assert.All(receiver.Requests, r => Assert.Null(r.Refusal));
        Assert.True(receiver.Requests.Last().Replayed, "the second call was answered from the first one's work");
        using (var body = JsonDocument.Parse(executed.Body))
        {
            Assert.Equal("v2.13.0", body.RootElement.GetProperty("arguments").GetProperty("to_version").GetString());
        }

        await using var db = NewDb();
        var entries = await db.Timeline.Where(t => t.IncidentId == done.IncidentId && t.Kind == TimelineKind.Action)
            .OrderBy(t => t.Id).Select(t => t.Text).ToListAsync();
        Assert.Collection(entries,
            e => Assert.StartsWith("Running: Roll quota-service back", e, StringComparison.Ordinal),
            e => Assert.StartsWith("Running again (the last run did not finish): Roll quota-service back", e, StringComparison.Ordinal),
            e => Assert.StartsWith("Succeeded: Roll quota-service back", e, StringComparison.Ordinal));
    }

    private Dictionary<string, string> Settings(Uri runbook) => new()
    {
        ["Seed:Admin:Email"] = "admin@crash.local",
        ["Seed:Admin:Password"] = "Admin!pass-123",
        ["Seed:Admin:ApiToken"] = AdminToken,
        ["Seed:CatalogPath"] = Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "services.yaml"),
        ["Seed:PlaybooksPath"] = Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "playbooks.yaml"),
        ["Bundles:DataDirectory"] = _bundles,
        ["Remediation:Runbooks:runbook.rollback:Url"] = runbook.ToString(),
        ["Remediation:Runbooks:runbook.rollback:Secret"] = Secret,
        ["Remediation:RunbookAllowedHosts:0"] = runbook.Host,
        // The sweep is minutely; an action Running for 5 s with its process gone is taken for dead.
        ["Remediation:RunAgainAfterSeconds"] = "5",
    };

    private async Task<int> ImportAsync(Uri address)
    {
        var bundle = Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "bundles", "101-quota-burst-nil-panic");
        var log = new StringWriter();
        var error = new StringWriter();
        var code = await ImportCommand.RunAsync([bundle, "--url", address.ToString(), "--token", AdminToken], log, error);
        Assert.True(code == 0, $"ih import failed ({code}): {error}");
        return int.Parse(IncidentReference().Match(log.ToString()).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<PlanAction?> RollbackAsync(int number)
    {
        await using var db = NewDb();
        return await db.PlanActions.AsNoTracking()
            .Where(a => a.Tool == "runbook.rollback" && db.Incidents.Any(i => i.Id == a.IncidentId && i.Number == number))
            .SingleOrDefaultAsync();
    }

    private async Task<PlanAction> ActionAsync(Guid id)
    {
        await using var db = NewDb();
        return await db.PlanActions.AsNoTracking().SingleAsync(a => a.Id == id);
    }

    private AppDbContext NewDb() => new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(_database.ConnectionString).Options);

    [GeneratedRegex(@"INC-(\d+)")]
    private static partial Regex IncidentReference();
}
