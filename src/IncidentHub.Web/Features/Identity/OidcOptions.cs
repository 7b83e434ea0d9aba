using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Features.Identity;

/// <summary>
/// Optional OpenID Connect login (section "Oidc"), off by default. People who sign in through the identity provider
/// get a user of their own on first login (or the existing user with their verified email), with the role their
/// claims map to; disabled users are refused. Password login keeps working beside it.
/// </summary>
public sealed class OidcOptions : IValidatableObject
{
    public const string SectionName = "Oidc";

    public const string Scheme = "oidc";

    public bool Enabled { get; set; }

    /// <summary>The issuer, e.g. https://keycloak.example.com/realms/ops or https://login.microsoftonline.com/{tenant}/v2.0.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>What the login page's button says: "Sign in with {DisplayName}".</summary>
    [MaxLength(100)]
    public string DisplayName { get; set; } = "single sign-on";

    /// <summary>Only for a provider on loopback in tests or a lab; metadata is fetched over HTTPS otherwise.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public List<string> Scopes { get; set; } = ["openid", "profile", "email"];

    /// <summary>The id_token claim that carries groups or roles: "roles" (Entra ID app roles, Keycloak with a mapper), "groups"...</summary>
    [Required]
    public string RoleClaimType { get; set; } = "roles";

    /// <summary>Claim values that make an Admin, a Responder, a Viewer (the highest that matches wins).</summary>
    public List<string> AdminValues { get; set; } = [];

    public List<string> ResponderValues { get; set; } = [];

    public List<string> ViewerValues { get; set; } = [];

    /// <summary>The role of someone whose claims match none of the values; empty: they are refused.</summary>
    public string? DefaultRole { get; set; }

    /// <summary>
    /// Link a first login to an existing user with the same email only when the provider says the email is verified
    /// (email_verified=true), or always when this is true (Entra ID sends no email_verified; its emails are managed).
    /// </summary>
    public bool TrustEmailClaim { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult("Oidc:Authority must be the provider's absolute issuer URL when Oidc:Enabled is true.", [nameof(Authority)]);
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            yield return new ValidationResult("Oidc:ClientId is required when Oidc:Enabled is true.", [nameof(ClientId)]);
        }

        if (DefaultRole is { Length: > 0 } role && !Roles.All.Contains(role))
        {
            yield return new ValidationResult($"Oidc:DefaultRole '{role}' is not one of {string.Join(", ", Roles.All)}.", [nameof(DefaultRole)]);
        }
    }

    /// <summary>The role the claim values map to, the highest first; else DefaultRole; null: refused.</summary>
    public string? RoleFor(IEnumerable<string> claimValues)
    {
        var values = claimValues.ToHashSet(StringComparer.Ordinal);
        return values.Overlaps(AdminValues) ? Roles.Admin
            : values.Overlaps(ResponderValues) ? Roles.Responder
            : values.Overlaps(ViewerValues) ? Roles.Viewer
            : string.IsNullOrEmpty(DefaultRole) ? null : DefaultRole;
    }
}
