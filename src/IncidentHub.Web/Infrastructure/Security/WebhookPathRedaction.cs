using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;

namespace IncidentHub.Web.Infrastructure.Security;

/// <summary>The secret taken out of a webhook path (/hooks/{source}/{token}); the webhook handlers read it from here.</summary>
public sealed record WebhookPathToken(string Value)
{
    /// <summary>The real token of this request, else the routed value (a request that did not go through the factory, e.g. in-process calls).</summary>
    public static string Of(HttpContext http, string routed) => http.Features.Get<WebhookPathToken>()?.Value ?? routed;

    /// <summary>What logs, scopes, traces and route values see instead of the token: its prefix, as the Integrations page shows it.</summary>
    public static string Redacted(string token) => token[..Math.Min(8, token.Length)] + "-redacted";
}

/// <summary>
/// Webhook senders authenticate with a token in the URL path, and ASP.NET names the path everywhere: the hosting
/// "Request starting" line and its log scope, the exception handler, traces. This factory runs before any of them
/// (hosting creates the HttpContext, then logs): it moves the token of /hooks/{source}/{token} into a
/// <see cref="WebhookPathToken"/> feature and leaves only its prefix in the path, so no log line can carry it.
/// </summary>
public sealed class WebhookPathRedaction(IServiceProvider services) : IHttpContextFactory
{
    private readonly DefaultHttpContextFactory _inner = new(services);

    public HttpContext Create(IFeatureCollection featureCollection)
    {
        if (featureCollection.Get<IHttpRequestFeature>() is { } request && TryRedact(request.Path, out var redacted, out var token))
        {
            request.Path = redacted;
            request.RawTarget = redacted + request.QueryString;
            featureCollection.Set(new WebhookPathToken(token));
        }

        return _inner.Create(featureCollection);
    }

    public void Dispose(HttpContext httpContext) => _inner.Dispose(httpContext);

    /// <summary>Fixed webhook addresses with no token in them (the sender signs each request instead): not rewritten.</summary>
    private static readonly string[] SignedOnly = ["/hooks/slack/interactions"];

    /// <summary>/hooks/{source}/{token} (exactly three segments) becomes /hooks/{source}/{prefix}-redacted.</summary>
    internal static bool TryRedact(string path, out string redacted, out string token)
    {
        redacted = path;
        token = "";
        if (!path.StartsWith("/hooks/", StringComparison.OrdinalIgnoreCase) || SignedOnly.Contains(path, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        var segments = path.Split('/');
        if (segments.Length != 4 || segments[2].Length == 0 || segments[3].Length == 0)
        {
            return false;
        }

        token = segments[3];
        redacted = $"/hooks/{segments[2]}/{WebhookPathToken.Redacted(token)}";
        return true;
    }
}
