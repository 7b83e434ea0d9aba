using IncidentHub.Analysis.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>Ready-made demo integrations with known tokens (scripts/run.sh prints their URLs). Never overwritten.</summary>
public sealed class DemoIntegrationsOptions
{
    public const string SectionName = "Seed";

    /// <summary>Demo integration token per source kind, e.g. Seed:DemoIntegrations:Alertmanager.</summary>
    public Dictionary<string, string> DemoIntegrations { get; set; } = [];
}

internal sealed class DemoIntegrationsSeeder(IOptions<DemoIntegrationsOptions> options, TimeProvider clock) : IDatabaseSeeder
{
    public async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var db = services.GetRequiredService<AppDbContext>();
        foreach (var (kindName, token) in options.Value.DemoIntegrations)
        {
            if (Enum.TryParse<SourceKind>(kindName, ignoreCase: true, out var kind) && !string.IsNullOrWhiteSpace(token))
            {
                await IntegrationService.EnsureAsync(db, $"Demo {kind}", kind, token, clock.GetUtcNow(), ct);
            }
        }
    }
}
