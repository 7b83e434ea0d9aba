using IncidentHub.Tests.Shared;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace IncidentHub.Web.Tests.Infrastructure;

/// <summary>Upgrading a database that already holds data (a user's .data/ cluster) applies every later migration.</summary>
public sealed class MigrationTests : IAsyncLifetime
{
    private TestDatabase _database = default!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Upgrade_FromTheFirstMigration_WithAlertsInIt_Succeeds()
    {
        await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(_database.ConnectionString).Options);
        var migrations = db.Database.GetMigrations().ToList();
        await db.GetService<IMigrator>().MigrateAsync(migrations[0]);
        await using (var connection = new NpgsqlConnection(_database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO integrations ("Id", "Name", "Kind", "TokenHash", "TokenPrefix", "CreatedAt", "TokenRotatedAt")
                VALUES ('00000000-0000-0000-0000-000000000001', 'old', 'Generic', 'hash', 'iht_', now(), now());
                INSERT INTO alerts ("Id", "IntegrationId", "Fingerprint", "Title", "Status", "Labels", "Annotations", "StartsAt", "FirstSeenAt", "LastSeenAt", "Count")
                VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001', 'fp', 'old alert', 'Firing', '{}', '{}', now(), now(), now(), 3);
                """, connection);
            await insert.ExecuteNonQueryAsync();
        }

        await db.Database.MigrateAsync();

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        var alert = await db.Alerts.SingleAsync(a => a.Fingerprint == "fp");
        Assert.Equal(3, alert.Count);
        Assert.Empty(alert.StateChanges);
        Assert.False(alert.Flapping);
    }
}
