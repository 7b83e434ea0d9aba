using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Features.Identity;

/// <summary>
/// The first admin the first start creates (scripts/run.sh generates the password and prints it).
/// Nothing is overwritten later. Other features read their own seed settings from the same section.
/// </summary>
public sealed class SeedOptions
{
    public const string SectionName = "Seed";

    public AdminSeed Admin { get; set; } = new();

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
