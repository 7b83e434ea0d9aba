using IncidentHub.Web.Infrastructure.Security;
using System.Net;
using System.Text;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.Ingestion;

/// <summary>The Admin's tools on the Integrations page: test alerts, replays, SNS confirmations.</summary>
[Collection(AppCollection.Name)]
public sealed class IntegrationServiceTests(IncidentHubFactory app)
{
    [Theory]
    [InlineData(SourceKind.Alertmanager, false)]
    [InlineData(SourceKind.Grafana, false)]
    [InlineData(SourceKind.PagerDuty, true)]
    [InlineData(SourceKind.CloudWatch, false)]
    [InlineData(SourceKind.Datadog, false)]
    [InlineData(SourceKind.Generic, true)]
    public async Task SendTestAlert_GoesThroughTheWebhookPath_AndOpensAnIncident(SourceKind kind, bool signed)
    {
        using var scope = app.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();
        var issued = await integrations.CreateAsync($"test alert {Guid.NewGuid():N}", kind);
        if (signed)
        {
            await integrations.SetSigningSecretAsync(issued.IntegrationId, "a-long-enough-signing-secret");
        }

        var result = await integrations.SendTestAlertAsync(issued.IntegrationId);

        var accepted = Assert.IsType<ReceiveResult.Accepted>(result);
        Assert.True(accepted.Applied);
        var incident = Assert.Single(accepted.Incidents);
        Assert.True(incident.Opened);
        await using var db = await NewDbAsync();
        Assert.Contains("Test alert from IncidentHub", (await db.Incidents.SingleAsync(i => i.Id == incident.Id)).Title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_OfAFailedPayload_AfterTheCauseIsFixed_AppliesIt()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        var title = $"replay-{Guid.NewGuid():N}";
        await ExecuteAsync($"""
            CREATE OR REPLACE FUNCTION reject_replay() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW."Title" = '{title}' THEN RAISE EXCEPTION 'constraint from a bad deploy'; END IF; RETURN NEW; END $$;
            DROP TRIGGER IF EXISTS reject_replay ON alerts;
            CREATE TRIGGER reject_replay BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION reject_replay();
            """);
        using var http = app.Client();
        var response = await http.PostAsync(hook + "?wait=true", new StringContent($$"""{"title":"{{title}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        await using var db = await NewDbAsync();
        var failed = await db.AlertEvents.AsNoTracking().OrderByDescending(e => e.Id).FirstAsync(e => e.Status == RawEventStatus.Failed);

        await ExecuteAsync("DROP TRIGGER reject_replay ON alerts;");
        using var scope = app.Services.CreateScope();
        var result = await scope.ServiceProvider.GetRequiredService<IntegrationService>().ReplayAsync(failed.Id);

        var accepted = Assert.IsType<ReceiveResult.Accepted>(result);
        Assert.Single(accepted.Incidents);
        var replayed = await db.AlertEvents.AsNoTracking().SingleAsync(e => e.Id == failed.Id);
        Assert.Equal(RawEventStatus.Processed, replayed.Status);
        Assert.Null(replayed.Error);
        Assert.Equal(1, await db.Alerts.CountAsync(a => a.Title == title));
    }

    [Fact]
    public async Task Replay_OfARejectedPayload_StaysRejectedWithTheSameReason_AndAProcessedOneIsRefused()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        using var http = app.Client();
        await http.PostAsync(hook, new StringContent("""{"no":"title"}""", Encoding.UTF8, "application/json"));
        await http.PostAsync(hook + "?wait=true", new StringContent("""{"title":"fine"}""", Encoding.UTF8, "application/json"));
        await using var db = await NewDbAsync();
        var tokenHash = SecretTokens.Hash(hook[(hook.LastIndexOf('/') + 1)..]);
        var id = await db.Integrations.Where(i => i.TokenHash == tokenHash).Select(i => i.Id).SingleAsync();
        var rows = await db.AlertEvents.AsNoTracking().Where(e => e.IntegrationId == id).OrderBy(e => e.Id).ToListAsync();
        using var scope = app.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();

        var again = await integrations.ReplayAsync(rows[0].Id);

        var rejected = Assert.IsType<ReceiveResult.Rejected>(again);
        Assert.Contains("'title'", rejected.Error, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => integrations.ReplayAsync(rows[1].Id));
    }

    [Fact]
    public async Task ConfirmSubscription_OfSomethingElse_IsRefused_WithoutAnyRequest()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.CloudWatch);
        using var http = app.Client();
        var alarm = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "webhooks", "cloudwatch", "alarm.json"));
        await http.PostAsync(hook + "?wait=true", new ByteArrayContent(alarm));
        await using var db = await NewDbAsync();
        var eventId = await db.AlertEvents.OrderByDescending(e => e.Id).Select(e => e.Id).FirstAsync();
        using var scope = app.Services.CreateScope();

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => scope.ServiceProvider.GetRequiredService<IntegrationService>().ConfirmSubscriptionAsync(eventId));

        Assert.Contains("not an Amazon SNS subscription confirmation", error.Message, StringComparison.Ordinal);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private Task<AppDbContext> NewDbAsync() =>
        app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
}
