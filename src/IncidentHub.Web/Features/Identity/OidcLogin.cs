using System.Security.Claims;
using IncidentHub.Web.Infrastructure.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Identity;

/// <summary>
/// Optional OpenID Connect login: GET /account/oidc sends the browser to the identity provider (authorization code
/// with PKCE); the provider's answer is checked by ASP.NET Core's OpenID Connect handler (signature against the
/// provider's JWKS, issuer, audience, nonce, expiry) into the short-lived external cookie; GET /account/oidc/complete
/// turns it into an IncidentHub user with the role the claims map to, and signs in with the usual cookie.
/// </summary>
public static class OidcLogin
{
    public const string LoginProvider = OidcOptions.Scheme;

    public static void AddOidcLogin(this WebApplicationBuilder builder, AuthenticationBuilder authentication)
    {
        builder.Services.AddOptions<OidcOptions>().BindConfiguration(OidcOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Read at registration: the handler is registered only when enabled (a registered handler runs on every
        // request to look for its callback path, and would refuse to start without an authority and a client).
        var oidc = builder.Configuration.GetSection(OidcOptions.SectionName).Get<OidcOptions>() ?? new OidcOptions();
        if (!oidc.Enabled)
        {
            return;
        }

        authentication.AddOpenIdConnect(OidcOptions.Scheme, oidc.DisplayName, o =>
        {
            o.SignInScheme = IdentityConstants.ExternalScheme;
            o.Authority = oidc.Authority;
            o.ClientId = oidc.ClientId;
            o.ClientSecret = oidc.ClientSecret;
            o.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
            o.ResponseType = "code";
            o.UsePkce = true;
            // A top-level GET back to us: the correlation and nonce cookies can be SameSite=Lax (and Secure whenever the
            // request is HTTPS), instead of SameSite=None, which browsers refuse without TLS.
            o.ResponseMode = "query";
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.MapInboundClaims = false; // keep "sub", "email", "roles" as the provider names them
            o.SaveTokens = false;
            o.GetClaimsFromUserInfoEndpoint = false;
            o.Scope.Clear();
            foreach (var scope in oidc.Scopes)
            {
                o.Scope.Add(scope);
            }

            o.TokenValidationParameters.NameClaimType = "email";
            o.TokenValidationParameters.RoleClaimType = oidc.RoleClaimType;
            o.Events.OnRemoteFailure = context =>
            {
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcLogin))
                    .LogWarning("OpenID Connect login failed: {Reason}", context.Failure?.Message);
                context.Response.Redirect("/account/login?error=sso");
                context.HandleResponse();
                return Task.CompletedTask;
            };
        });
    }

    public static IEndpointRouteBuilder MapOidcLogin(this IEndpointRouteBuilder app)
    {
        var oidc = app.MapGroup("/account/oidc").AllowAnonymous().WithTags("Account").ExcludeFromDescription();
        oidc.MapGet("/", Challenge).WithName("OidcLogIn");
        oidc.MapGet("/complete", CompleteAsync).WithName("OidcComplete");
        return app;
    }

    public static Results<ChallengeHttpResult, NotFound> Challenge(string? returnUrl, IOptions<OidcOptions> options)
    {
        if (!options.Value.Enabled)
        {
            return TypedResults.NotFound();
        }

        var back = IsLocal(returnUrl) ? returnUrl! : "/";
        return TypedResults.Challenge(new AuthenticationProperties { RedirectUri = $"/account/oidc/complete?returnUrl={Uri.EscapeDataString(back)}" }, [OidcOptions.Scheme]);
    }

    public static async Task<RedirectHttpResult> CompleteAsync(string? returnUrl, HttpContext http, UserManager<AppUser> users, SignInManager<AppUser> signIn,
        IOptions<OidcOptions> options, IAuditLog audit, TimeProvider clock, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(OidcLogin));
        var external = await http.AuthenticateAsync(IdentityConstants.ExternalScheme);
        await http.SignOutAsync(IdentityConstants.ExternalScheme);
        if (!options.Value.Enabled || !external.Succeeded || external.Principal.FindFirstValue("sub") is not { Length: > 0 } subject)
        {
            return Refused("sso");
        }

        var principal = external.Principal;
        var o = options.Value;
        var email = principal.FindFirstValue("email") ?? (principal.FindFirstValue("preferred_username") is { } name && name.Contains('@') ? name : null);
        var role = o.RoleFor(principal.FindAll(o.RoleClaimType).Select(c => c.Value));
        if (role is null)
        {
            logger.LogWarning("OpenID Connect login of {Email} refused: no {ClaimType} value maps to a role", email ?? subject, o.RoleClaimType);
            return Refused("norole");
        }

        var user = await users.FindByLoginAsync(LoginProvider, subject);
        if (user is null)
        {
            if (email is null)
            {
                return Refused("noemail");
            }

            user = await users.FindByEmailAsync(email);
            if (user is not null)
            {
                // Linking by email hands this provider account an existing user: only for an email the provider vouches for.
                if (!o.TrustEmailClaim && principal.FindFirstValue("email_verified") != "true")
                {
                    logger.LogWarning("OpenID Connect login of {Email} refused: the email is not verified, and a user with it exists", email);
                    return Refused("unverified");
                }
            }
            else
            {
                user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = principal.FindFirstValue("name") };
                EnsureSucceeded(await users.CreateAsync(user), "create the user");
                await audit.RecordAsync(new AuditRecord(AuditActor.Person(email), "user.created", $"user:{email}", After: new { Email = email, Role = role },
                    Detail: "First login through OpenID Connect."));
            }

            EnsureSucceeded(await users.AddLoginAsync(user, new UserLoginInfo(LoginProvider, subject, o.DisplayName)), "link the login");
        }

        if (user.LockoutEnd > clock.GetUtcNow())
        {
            logger.LogWarning("OpenID Connect login of {Email} refused: the user is disabled", user.Email);
            return Refused("disabled");
        }

        // The provider is the source of truth for the role of its users: every login applies the mapping again.
        var current = await users.GetRolesAsync(user);
        if (current.Count != 1 || current[0] != role)
        {
            EnsureSucceeded(await users.RemoveFromRolesAsync(user, current), "change the role");
            EnsureSucceeded(await users.AddToRoleAsync(user, role), "change the role");
            await audit.RecordAsync(new AuditRecord(AuditActor.Person(user.Email ?? subject), "user.role.changed", $"user:{user.Email}",
                new { Roles = current }, new { Roles = new[] { role } }, Detail: $"Mapped from the identity provider's {o.RoleClaimType} claim."));
        }

        await signIn.SignInAsync(user, isPersistent: true, authenticationMethod: OidcOptions.Scheme);
        return TypedResults.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
    }

    private static RedirectHttpResult Refused(string reason) => TypedResults.LocalRedirect($"/account/login?error={reason}");

    private static void EnsureSucceeded(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }

    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);
}
