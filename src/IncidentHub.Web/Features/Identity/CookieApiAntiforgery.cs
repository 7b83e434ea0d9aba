using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace IncidentHub.Web.Features.Identity;

/// <summary>
/// A change to the JSON API made with the login cookie (not a bearer token) must carry an antiforgery token in the
/// RequestVerificationToken header (GET /account/antiforgery hands one out): another site's page cannot make the
/// browser of a signed-in person approve a plan. Bearer tokens are never sent by a browser on its own, so they need none.
/// </summary>
public static class CookieApiAntiforgery
{
    public static IApplicationBuilder UseCookieApiAntiforgery(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/api")
            && !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method))
            && http.User.Identity is { IsAuthenticated: true, AuthenticationType: var scheme } && scheme == IdentityConstants.ApplicationScheme)
        {
            var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status400BadRequest,
                        Title = "Antiforgery token missing",
                        Detail = "A change made with the login cookie needs the RequestVerificationToken header from GET /account/antiforgery; scripts use a bearer token instead.",
                    },
                });
                return;
            }
        }

        await next(http);
    });

    /// <summary>GET /account/antiforgery: a token for the RequestVerificationToken header of cookie-authenticated API changes.</summary>
    public static IResult IssueToken(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return TypedResults.Ok(new { headerName = tokens.HeaderName, token = tokens.RequestToken });
    }
}
