using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Infrastructure.Security;

/// <summary>Requests one client may make; above them the answer is 429 with Retry-After, as ProblemDetails.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Login form posts per client address and minute (a password guesser's pace, not a person's).</summary>
    [Range(1, 1_000_000)]
    public int LoginPerMinute { get; set; } = 10;

    /// <summary>JSON API requests per minute per user (cookie or token); anonymous callers are counted per address.</summary>
    [Range(1, 10_000_000)]
    public int ApiPerMinute { get; set; } = 1200;

    /// <summary>Webhook requests per second per integration (its token); a storm is held back by the backlog bound, not by this.</summary>
    [Range(1, 1_000_000)]
    public int WebhookPerSecond { get; set; } = 1000;

    /// <summary>
    /// Unknown webhook tokens one client address may try per minute; then it is answered 429 before any database
    /// lookup. Unknown tokens are also remembered (bounded) for Ingestion:TokenCacheTtl.
    /// </summary>
    [Range(1, 1_000_000)]
    public int TokenLookupsPerMinute { get; set; } = 60;

    /// <summary>Failed logins from one address for one account before that address must wait (others are not affected).</summary>
    [Range(1, 1000)]
    public int LoginFailuresPerAccountAndAddress { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LoginLockout { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// One global limiter, partitioned by what is asked: POST /account/login per address, /api per user, /hooks per
/// integration token. Runs after authentication, so an API caller is known by its user.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((o, limits) =>
        {
            var l = limits.Value;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http, l));
            o.OnRejected = RejectAsync;
        });
        return services;
    }

    public static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static RateLimitPartition<string> Partition(HttpContext http, RateLimitOptions l)
    {
        var path = http.Request.Path;
        if (HttpMethods.IsPost(http.Request.Method) && path.Equals("/account/login", StringComparison.OrdinalIgnoreCase))
        {
            return Window("login:" + ClientAddress(http), l.LoginPerMinute, TimeSpan.FromMinutes(1));
        }

        if (path.StartsWithSegments("/hooks") && http.Features.Get<WebhookPathToken>() is { } token)
        {
            // Keyed by the token's hash: the limiter's table never holds a secret.
            return RateLimitPartition.GetTokenBucketLimiter("hook:" + SecretTokens.Hash(token.Value), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = l.WebhookPerSecond,
                TokensPerPeriod = l.WebhookPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
            });
        }

        if (path.StartsWithSegments("/api"))
        {
            var user = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
            return Window(user is null ? "api-address:" + ClientAddress(http) : "api-user:" + user, l.ApiPerMinute, TimeSpan.FromMinutes(1));
        }

        return RateLimitPartition.GetNoLimiter("");
    }

    private static RateLimitPartition<string> Window(string key, int permits, TimeSpan window) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 });

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"Too many requests from this client; retry in {http.Response.Headers.RetryAfter} s. Nothing was done for this one.",
            },
        });
    }
}
