using IncidentHub.Web.Infrastructure.Data;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Catalog;

public sealed class CatalogSeedOptions
{
    public const string SectionName = "Seed";

    /// <summary>The service catalog file (seed-data/services.yaml), Seed:CatalogPath.</summary>
    public string? CatalogPath { get; set; }
}

/// <summary>Loads the catalog file at start; entries a person or an import changed are kept (the database wins).</summary>
internal sealed class CatalogSeeder(IOptions<CatalogSeedOptions> options, CatalogStore store, ILogger<CatalogSeeder> logger) : IDatabaseSeeder
{
    public async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var path = options.Value.CatalogPath;
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        if (!File.Exists(path))
        {
            logger.LogWarning("Service catalog {Path} does not exist; nothing seeded", path);
            return;
        }

        await store.SeedFromYamlAsync(path, ct);
    }
}
