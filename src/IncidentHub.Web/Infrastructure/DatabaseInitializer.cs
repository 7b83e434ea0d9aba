using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Infrastructure;

/// <summary>Applies EF Core migrations and loads the seed data. Safe to run on every start.</summary>
public static class DatabaseInitializer
{
    public static async Task InitializeDatabaseAsync(this IServiceProvider root, CancellationToken ct = default)
    {
        await using var scope = root.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<AppDbContext>();
        await db.Database.MigrateAsync(ct);
        await IdentitySeeder.SeedAsync(services, ct);

        var seed = services.GetRequiredService<IOptions<SeedOptions>>().Value;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        foreach (var (kindName, token) in seed.DemoIntegrations)
        {
            if (Enum.TryParse<SourceKind>(kindName, ignoreCase: true, out var kind) && !string.IsNullOrWhiteSpace(token))
            {
                await IntegrationService.EnsureAsync(db, $"Demo {kind}", kind, token, now, ct);
            }
        }

        if (!string.IsNullOrWhiteSpace(seed.CatalogPath))
        {
            if (File.Exists(seed.CatalogPath))
            {
                await services.GetRequiredService<CatalogStore>().SeedFromYamlAsync(seed.CatalogPath, ct);
            }
            else
            {
                services.GetRequiredService<ILogger<CatalogStore>>().LogWarning("Service catalog {Path} does not exist; nothing seeded", seed.CatalogPath);
            }
        }

        JobsExtensions.RegisterRecurringJobs(services);
    }
}
