using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
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
        return app;
    }

    public static async Task<RedirectHttpResult> LogIn(
        [FromForm] string email, [FromForm] string password, [FromForm] string? returnUrl, SignInManager<AppUser> signIn)
    {
        var result = await signIn.PasswordSignInAsync(email.Trim(), password, isPersistent: true, lockoutOnFailure: true);
        var safeReturn = IsLocal(returnUrl) ? returnUrl! : "/";
        if (result.Succeeded)
        {
            return TypedResults.LocalRedirect(safeReturn);
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
