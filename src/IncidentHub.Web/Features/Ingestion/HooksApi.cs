using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>The webhook's answer. Incidents are listed when the sender asked to wait (`?wait=true`).</summary>
public sealed record HookAccepted(long EventId, int Alerts, string Status, IReadOnlyList<IncidentRef> Incidents, SourceNotice? Notice);

/// <summary>
/// POST /hooks/{source}/{token}: the only anonymous endpoints. The token in the path
/// authenticates the integration; the body is stored before it is acted on.
/// </summary>
public static class HooksApi
{
    public const int MaxBodyBytes = IngestionService.MaxBodyBytes;

    /// <summary>Oversize bodies keep only this much, enough to see what was sent.</summary>
    private const int KeptPrefixBytes = 64 * 1024;

    private static readonly string[] KeptHeaders =
    [
        "Content-Type", "Content-Length", "User-Agent", "X-Forwarded-For",
        "X-Amz-Sns-Message-Type", "X-Amz-Sns-Topic-Arn", "X-PagerDuty-Signature", "X-Signature",
        WebhookSignatureCheck.TimestampHeader,
    ];

    public static IEndpointRouteBuilder MapHooksApi(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/hooks").AllowAnonymous().DisableAntiforgery().WithTags("Webhooks");
        // Nothing to validate on the hot path: no validation filter, so no filter pipeline per request.
        hooks.MapPost("/{source}/{token}", ReceiveAsync).WithName("ReceiveWebhook").DisableValidation();
        return app;
    }

    /// <summary>One route for every source: /hooks/alertmanager/..., /hooks/grafana/..., /hooks/pagerduty/... .</summary>
    public static async Task<Results<Accepted<HookAccepted>, NotFoundProblem, ProblemHttpResult>> ReceiveAsync(
        string source, string token, bool? wait, HttpContext http, IngestionService ingestion, CancellationToken ct)
    {
        if (!Enum.TryParse<SourceKind>(source, ignoreCase: true, out var kind) || int.TryParse(source, out _))
        {
            return NotFoundProblem.For("Source",
                $"'{source}' is not a source IncidentHub knows. Use one of: {string.Join(", ", Enum.GetNames<SourceKind>().Select(n => n.ToLowerInvariant()))}.");
        }

        // The path seen by routing and logs holds only the token's prefix (WebhookPathRedaction).
        token = WebhookPathToken.Of(http, token);
        var integration = await ingestion.AuthenticateAsync(kind, token, RateLimits.ClientAddress(http), ct);
        if (integration is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unknown integration token",
                detail: $"No {kind.ToString().ToLowerInvariant()} integration has this token. It may have been rotated; copy the current URL from the Integrations page.");
        }

        if (ingestion.IsOverloaded)
        {
            // Alertmanager and most senders retry; better a short wait than a fall-over.
            http.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Busy",
                detail: "IncidentHub is applying a large backlog of alerts. Retry in a few seconds; nothing was stored for this request.");
        }

        var (body, size) = await ReadBodyAsync(http.Request, ct);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in KeptHeaders)
        {
            if (http.Request.Headers.TryGetValue(name, out var value))
            {
                headers[name] = value.ToString();
            }
        }

        headers["Remote-Address"] = http.Connection.RemoteIpAddress?.ToString() ?? "";

        var result = await ingestion.ReceiveAsync(integration, headers, body, size, wait == true, ct);
        return result switch
        {
            ReceiveResult.Rejected r => TypedResults.Problem(
                statusCode: r.Status,
                title: r.Status switch
                {
                    StatusCodes.Status401Unauthorized => "Invalid signature",
                    StatusCodes.Status409Conflict => "Replayed signature",
                    StatusCodes.Status413PayloadTooLarge => "Payload too large",
                    StatusCodes.Status415UnsupportedMediaType => "Unsupported content type",
                    _ => "Invalid alert payload",
                },
                detail: r.Error,
                extensions: new Dictionary<string, object?> { ["eventId"] = r.EventId }),
            ReceiveResult.Accepted a => TypedResults.Accepted((string?)null,
                new HookAccepted(a.EventId, a.AlertCount, a.Applied ? "applied" : "queued", a.Incidents, a.Notice)),
            _ => throw new InvalidOperationException("Unexpected receive result."),
        };
    }

    /// <summary>Reads at most the limit plus one chunk; the size of a larger body is taken from Content-Length.</summary>
    private static async Task<(byte[] Body, long Size)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is > 0 and <= MaxBodyBytes and var length)
        {
            // The usual case: read straight into an array of the announced size (no chunk, no copy).
            var body = new byte[length];
            var filled = 0;
            try
            {
                int got;
                while (filled < body.Length && (got = await request.Body.ReadAsync(body.AsMemory(filled), ct)) > 0)
                {
                    filled += got;
                }
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return (body[..filled], Math.Max(request.ContentLength ?? 0, MaxBodyBytes + 1L));
            }

            return (filled == body.Length ? body : body[..filled], filled);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        long total = 0;
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                buffer.Write(chunk, 0, read);
                total += read;
                if (total > MaxBodyBytes)
                {
                    var size = Math.Max(total, request.ContentLength ?? 0);
                    return (buffer.GetBuffer()[..KeptPrefixBytes], size);
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel's own limit refuses a Content-Length beyond it before the first byte is read:
            // still an authenticated attempt, recorded and answered like any oversize body.
            return (buffer.ToArray(), Math.Max(request.ContentLength ?? 0, MaxBodyBytes + 1L));
        }

        return (buffer.ToArray(), total);
    }
}
