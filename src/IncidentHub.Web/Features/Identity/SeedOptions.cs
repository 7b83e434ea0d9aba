using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Features.Identity;

/// <summary>
/// What the first start creates: the first admin (scripts/run.sh generates the password and
/// prints it) and ready-made demo integrations with known tokens. Nothing is overwritten later.
/// </summary>
public sealed class SeedOptions
{
    public const string SectionName = "Seed";

    public AdminSeed Admin { get; set; } = new();

    /// <summary>Demo integration token per source kind, e.g. Seed:DemoIntegrations:Alertmanager.</summary>
    public Dictionary<string, string> DemoIntegrations { get; set; } = [];

    /// <summary>The service catalog file (seed-data/services.yaml).</summary>
    public string? CatalogPath { get; set; }

    public sealed class AdminSeed
    {
        [EmailAddress]
        public string? Email { get; set; }

        [MinLength(10)]
        public string? Password { get; set; }

        /// <summary>An API token for the admin, so scripts can call /api at once.</summary>
        [MinLength(20)]
        public string? ApiToken { get; set; }
    }
}
