using IncidentHub.Analysis.Triage;
using IncidentHub.Web.Features.Identity;
using Microsoft.Extensions.Options;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace IncidentHub.Web.Features.Catalog;

/// <summary>One service as seed-data/services.yaml describes it.</summary>
public sealed class CatalogService
{
    public string Name { get; set; } = "";

    /// <summary>1 = customer-facing and critical; 3 = internal tooling.</summary>
    public int Tier { get; set; } = 2;

    public string? Owner { get; set; }
    public string? OwnerEmail { get; set; }
    public string? Description { get; set; }
    public List<string> DependsOn { get; set; } = [];
}

public sealed class CatalogFile
{
    public List<CatalogService> Services { get; set; } = [];
}

/// <summary>The service catalog, read from YAML at start-up. Alerts resolve to a service through it.</summary>
public sealed class ServiceCatalog
{
    public ServiceCatalog(IOptions<SeedOptions> seed, ILogger<ServiceCatalog> logger)
    {
        var path = seed.Value.CatalogPath;
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        if (!File.Exists(path))
        {
            logger.LogWarning("Service catalog {Path} does not exist; triage runs without service tiers", path);
            return;
        }

        Services = Parse(File.ReadAllText(path));
        logger.LogInformation("Loaded {Count} services from {Path}", Services.Count, path);
    }

    public IReadOnlyList<CatalogService> Services { get; } = [];

    public IReadOnlyList<ServiceTier> Tiers => Services.Select(s => new ServiceTier(s.Name, s.Tier)).ToList();

    public static IReadOnlyList<CatalogService> Parse(string yaml)
    {
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).IgnoreUnmatchedProperties().Build();
        var file = deserializer.Deserialize<CatalogFile?>(yaml) ?? new CatalogFile();
        return file.Services.Where(s => !string.IsNullOrWhiteSpace(s.Name)).ToList();
    }
}

public static class CatalogExtensions
{
    public static WebApplicationBuilder AddCatalog(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ServiceCatalog>();
        return builder;
    }
}
