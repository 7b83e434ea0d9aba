using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Mvc;

namespace IncidentHub.Web.Features.Identity;

/// <summary>The login and logout form posts (the pages are static server-rendered forms).</summary>
public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").WithTags("Account");
        account.MapPost("/login", LogIn).AllowAnonymous().WithName("LogIn");
        account.MapPost("/logout", LogOut).WithName("LogOut");
        account.MapGet("/antiforgery", CookieApiAntiforgery.IssueToken).WithName("GetAntiforgeryToken");
        return app;
    }

    /// <summary>
    /// Failed attempts lock out the (account, address) pair, not the account (<see cref="LoginFailures"/>): nobody
    /// can lock a colleague out by guessing their password. Attempts per address are rate limited as well.
    /// </summary>
    public static async Task<RedirectHttpResult> LogIn(
        [FromForm] string email, [FromForm] string password, [FromForm] string? returnUrl, HttpContext http, SignInManager<AppUser> signIn, LoginFailures failures)
    {
        var safeReturn = IsLocal(returnUrl) ? returnUrl! : "/";
        var address = RateLimits.ClientAddress(http);
        var result = failures.IsLockedOut(email, address)
            ? Microsoft.AspNetCore.Identity.SignInResult.LockedOut
            : await signIn.PasswordSignInAsync(email.Trim(), password, isPersistent: true, lockoutOnFailure: false);
        if (result.Succeeded)
        {
            failures.Succeeded(email, address);
            return TypedResults.LocalRedirect(safeReturn);
        }

        if (!result.IsLockedOut)
        {
            failures.Failed(email, address);
        }

        var reason = result.IsLockedOut ? "locked" : "invalid";
        return TypedResults.LocalRedirect($"/account/login?error={reason}&returnUrl={Uri.EscapeDataString(safeReturn)}");
    }

    public static async Task<RedirectHttpResult> LogOut(SignInManager<AppUser> signIn)
    {
        await signIn.SignOutAsync();
        return TypedResults.LocalRedirect("/account/login");
    }

    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);
}
