using Microsoft.AspNetCore.Identity;

namespace IncidentHub.Web.Features.Identity;

public sealed class AppUser : IdentityUser
{
    public string? DisplayName { get; set; }
}

/// <summary>The three roles. Admin includes Responder, which includes Viewer.</summary>
public static class Roles
{
    public const string Viewer = "Viewer";
    public const string Responder = "Responder";
    public const string Admin = "Admin";

    public static readonly string[] All = [Viewer, Responder, Admin];
}

/// <summary>Authorization policies by name; endpoints and pages refer to these, never to raw role lists.</summary>
public static class Policies
{
    /// <summary>May acknowledge, resolve, approve: Responder or Admin.</summary>
    public const string Responder = "Responder";

    public const string Admin = "Admin";
}
