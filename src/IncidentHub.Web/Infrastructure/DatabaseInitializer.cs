using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Infrastructure;

/// <summary>Applies EF Core migrations, then each feature's seed data. Safe to run on every start.</summary>
public static class DatabaseInitializer
{
    public static async Task InitializeDatabaseAsync(this IServiceProvider root, CancellationToken ct = default)
    {
        await using var scope = root.CreateAsyncScope();
        var services = scope.ServiceProvider;
        await services.GetRequiredService<AppDbContext>().Database.MigrateAsync(ct);
        foreach (var seeder in services.GetServices<IDatabaseSeeder>())
        {
            await seeder.SeedAsync(services, ct);
        }
    }
}
