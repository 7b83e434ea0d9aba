using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Audit;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.Audit;

/// <summary>What an Admin reads on /audit and from GET /api/audit after a change: who, what, before/after, never a secret.</summary>
[Collection(AppCollection.Name)]
public sealed class AuditTests(IncidentHubFactory app)
{
    private static string UniqueEmail(string who) => $"{who}-{Guid.NewGuid():N}@test.local";

    private async Task<JsonArray> EntriesAsync(string query)
    {
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var page = await admin.GetFromJsonAsync<JsonObject>("/api/audit?" + query);
        return page!["entries"]!.AsArray();
    }

    [Fact]
    public async Task RotateToken_RecordsOneEntry_WithTheAdmin_AndThePrefixes_ButNeitherTokenNorHash()
    {
        var actor = AuditActor.Person(UniqueEmail("rotator")) with { Roles = [Roles.Admin] };
        using var scope = app.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();
        var created = await integrations.CreateAsync($"audit rotate {Guid.NewGuid():N}", SourceKind.Generic, actor);

        var rotated = await integrations.RotateTokenAsync(created.IntegrationId, actor);

        var entry = Assert.Single(await EntriesAsync($"actor={Uri.EscapeDataString(actor.Name)}&action=integration.token.rotated"));
        Assert.Equal(actor.Name, entry!["actor"]!.GetValue<string>());
        Assert.Equal("Person", entry["actorKind"]!.GetValue<string>());
        Assert.Equal($"integration:{created.Name}", entry["subject"]!.GetValue<string>());
        var oldToken = created.Url.Split('/')[^1];
        var newToken = rotated.Url.Split('/')[^1];
        Assert.Equal(oldToken[..8], entry["before"]!["tokenPrefix"]!.GetValue<string>());
        Assert.Equal(newToken[..8], entry["after"]!["tokenPrefix"]!.GetValue<string>());
        var text = entry.ToJsonString();
        foreach (var secret in new[] { oldToken, newToken, SecretTokens.Hash(oldToken), SecretTokens.Hash(newToken) })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CreateIntegration_AndSetItsSigningSecret_RecordOneEntryEach_WithoutTheSecret()
    {
        var actor = AuditActor.Person(UniqueEmail("creator")) with { Roles = [Roles.Admin] };
        const string Secret = "a-long-enough-signing-secret-for-audit";
        using var scope = app.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();

        var created = await integrations.CreateAsync($"audit create {Guid.NewGuid():N}", SourceKind.Grafana, actor);
        await integrations.SetSigningSecretAsync(created.IntegrationId, Secret, actor);

        var entries = await EntriesAsync($"actor={Uri.EscapeDataString(actor.Name)}");
        Assert.Equal(["integration.signing_secret.set", "integration.created"], entries.Select(e => e!["action"]!.GetValue<string>()));
        var create = entries[1]!;
        Assert.Null(create["before"]);
        Assert.Equal(created.Name, create["after"]!["name"]!.GetValue<string>());
        Assert.Equal("Grafana", create["after"]!["kind"]!.GetValue<string>());
        Assert.False(entries[0]!["before"]!["signed"]!.GetValue<bool>());
        Assert.True(entries[0]!["after"]!["signed"]!.GetValue<bool>());
        Assert.DoesNotContain(Secret, entries.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(created.Url.Split('/')[^1], entries.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeUserRole_RecordsOneEntry_WithBeforeAndAfterRole_AndCreatingTheUserStoresNoPassword()
    {
        var admin = AuditActor.Person(UniqueEmail("useradmin")) with { Roles = [Roles.Admin] };
        var email = UniqueEmail("promoted");
        const string Password = "Promoted!pass-123";
        using var scope = app.Services.CreateScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        Assert.Null(await accounts.CreateUserAsync(email, Password, Roles.Viewer, admin));
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);

        Assert.Null(await accounts.ChangeRoleAsync(user!.Id, Roles.Responder, admin));

        var entries = await EntriesAsync($"actor={Uri.EscapeDataString(admin.Name)}");
        Assert.Equal(["user.role.changed", "user.created"], entries.Select(e => e!["action"]!.GetValue<string>()));
        var change = entries[0]!;
        Assert.Equal($"user:{email}", change["subject"]!.GetValue<string>());
        Assert.Equal(Roles.Viewer, change["before"]!["role"]!.GetValue<string>());
        Assert.Equal(Roles.Responder, change["after"]!["role"]!.GetValue<string>());
        Assert.Equal([Roles.Responder], await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().GetRolesAsync(user));
        Assert.DoesNotContain(Password, entries.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(user.PasswordHash!, entries.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveCatalogEntry_ThroughTheApi_RecordsTheAdmin_BeforeAndAfter_AndRedactsAUrlPassword()
    {
        var name = $"audit-svc-{Guid.NewGuid():N}"[..18];
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        JsonObject Service(int tier) => new()
        {
            ["name"] = name,
            ["tier"] = tier,
            ["owner"] = "team-audit",
            ["metrics"] = new JsonArray(new JsonObject { ["role"] = "error_ratio", ["source"] = "prometheus", ["url"] = "http://scraper:hunter2-pass@prom.test.local:9090", ["query"] = "up" }),
        };
        (await admin.PutAsJsonAsync($"/api/catalog/{name}", Service(2))).EnsureSuccessStatusCode();

        (await admin.PutAsJsonAsync($"/api/catalog/{name}", Service(1))).EnsureSuccessStatusCode();

        var entries = await EntriesAsync($"action=catalog.service.saved&actor={Uri.EscapeDataString(IncidentHubFactory.AdminEmail)}&take=200");
        var mine = entries.Where(e => e!["subject"]!.GetValue<string>() == $"service:{name}").ToList();
        Assert.Equal(2, mine.Count);
        Assert.Equal(IncidentHubFactory.AdminEmail, mine[0]!["actor"]!.GetValue<string>());
        Assert.Equal(2, mine[0]!["before"]!["tier"]!.GetValue<int>());
        Assert.Equal(1, mine[0]!["after"]!["tier"]!.GetValue<int>());
        Assert.Null(mine[1]!["before"]);
        Assert.Equal("http://scraper:[redacted]@prom.test.local:9090", mine[0]!["after"]!["metrics"]![0]!["url"]!.GetValue<string>());
        Assert.DoesNotContain("hunter2", string.Concat(mine.Select(m => m!.ToJsonString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAudit_PagesNewestFirst_AndFiltersByActorActionIncidentAndTime()
    {
        var actor = AuditActor.Agent($"agent-{Guid.NewGuid():N}");
        var audit = app.Services.GetRequiredService<IAuditLog>();
        await audit.RecordAsync(new AuditRecord(actor, "plan.action.proposed", "INC-4242 action 1", IncidentNumber: 4242));
        await audit.RecordAsync(new AuditRecord(actor, "plan.action.approved", "INC-4242 action 1", new { State = "Proposed" }, new { State = "Approved" }, 4242));
        await audit.RecordAsync(new AuditRecord(actor, "grouping.rules.saved", "integration:x"));
        var by = $"actor={actor.Name}";

        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var first = (await admin.GetFromJsonAsync<JsonObject>($"/api/audit?{by}&take=2"))!;
        var second = (await admin.GetFromJsonAsync<JsonObject>($"/api/audit?{by}&skip=2&take=2"))!;

        Assert.Equal(3, first["total"]!.GetValue<int>());
        Assert.Equal(["grouping.rules.saved", "plan.action.approved"], first["entries"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()));
        Assert.Equal(["plan.action.proposed"], second["entries"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()));
        Assert.Equal("Agent", first["entries"]![0]!["actorKind"]!.GetValue<string>());
        Assert.Equal(2, (await EntriesAsync($"{by}&action=plan.")).Count);
        Assert.Equal(["plan.action.approved", "plan.action.proposed"], (await EntriesAsync($"{by}&incident=INC-4242")).Select(e => e!["action"]!.GetValue<string>()));
        Assert.Equal("INC-4242", (await EntriesAsync($"{by}&incident=4242"))[0]!["incident"]!.GetValue<string>());
        Assert.Equal(3, (await EntriesAsync($"{by}&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"))}")).Count);
        Assert.Empty(await EntriesAsync($"{by}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"))}"));

        var tooMany = await admin.GetAsync($"/api/audit?take=500");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("take", (await tooMany.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/audit?incident=yesterday")).StatusCode);
    }

    [Theory]
    [InlineData("Viewer")]
    [InlineData("Responder")]
    public async Task GetAudit_AsNonAdmin_Returns403ProblemDetails(string role)
    {
        using var client = app.Client(await app.CreateUserAsync(UniqueEmail(role.ToLowerInvariant()), "NonAdmin!pass-123", role));

        var response = await client.GetAsync("/api/audit");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(403, (await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("UPDATE audit_entries SET \"Actor\" = 'someone else'")]
    [InlineData("DELETE FROM audit_entries")]
    [InlineData("TRUNCATE audit_entries")]
    public async Task ChangingOrRemovingEntries_ThroughRawSql_IsRefusedByTheDatabase(string sql)
    {
        var actor = AuditActor.System($"raw-{Guid.NewGuid():N}");
        await app.Services.GetRequiredService<IAuditLog>().RecordAsync(new AuditRecord(actor, "test.written", "subject"));
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        Assert.Single(await EntriesAsync($"actor={actor.Name}"));
    }

    [Fact]
    public async Task AChangeThatFailsToCommit_LeavesNoAuditEntry()
    {
        var actor = AuditActor.Person(UniqueEmail("failing")) with { Roles = [Roles.Admin] };
        using var scope = app.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();

        // integrations.Name holds 200 characters: PostgreSQL refuses the insert, so the audit row added beside it goes too.
        await Assert.ThrowsAsync<DbUpdateException>(() => integrations.CreateAsync(new string('x', 250), SourceKind.Generic, actor));

        Assert.Empty(await EntriesAsync($"actor={Uri.EscapeDataString(actor.Name)}"));
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.AuditEntries.AnyAsync(e => e.Actor == actor.Name));
    }

    [Fact]
    public void Redaction_HidesSecretNamedProperties_AndTokenLookingValues_Anywhere()
    {
        var json = AuditRedaction.ToRedactedJson(new
        {
            Name = "x",
            TokenHash = "abc",
            Password = "p",
            Nested = new { SigningSecret = "s", Note = "sent ih_abcdefghijklmnopqrstuvwxyz by mistake" },
            TokenPrefix = "ih_abcde",
        })!.RootElement.GetRawText();

        Assert.Equal("""{"name":"x","tokenHash":"[redacted]","password":"[redacted]","nested":{"signingSecret":"[redacted]","note":"[redacted]"},"tokenPrefix":"ih_abcde"}""", json);
    }

    [Fact]
    public void Diff_ListsOnlyChangedPaths()
    {
        var before = AuditRedaction.ToRedactedJson(new { Tier = 2, Owner = "a", Match = new { Team = "x" } })!.RootElement;
        var after = AuditRedaction.ToRedactedJson(new { Tier = 1, Owner = "a", Match = new { Team = "x", Env = "prod" } })!.RootElement;

        Assert.Equal([new AuditChange("tier", "2", "1"), new AuditChange("match.env", null, "prod")], AuditDiff.Changes(before, after));
    }
}
