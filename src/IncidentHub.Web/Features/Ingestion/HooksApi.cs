using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace IncidentHub.Web.Features.Ingestion;

public sealed record HookAccepted(long EventId, int Alerts, IReadOnlyList<IncidentRef> Incidents);

/// <summary>
/// POST /hooks/{source}/{token}: the only anonymous endpoints. The token in the path
/// authenticates the integration; the body is stored before it is looked at.
/// </summary>
public static class HooksApi
{
    /// <summary>Senders batch alerts, but a single notification over 1 MiB is a mistake or an attack.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>Oversize bodies keep only this much, enough to see what was sent.</summary>
    private const int KeptPrefixBytes = 64 * 1024;

    private static readonly string[] KeptHeaders =
    [
        "Content-Type", "Content-Length", "User-Agent", "X-Forwarded-For",
        "X-Amz-Sns-Message-Type", "X-Amz-Sns-Topic-Arn", "X-PagerDuty-Signature", "X-Signature",
    ];

    public static IEndpointRouteBuilder MapHooksApi(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/hooks").AllowAnonymous().DisableAntiforgery().WithTags("Webhooks");
        hooks.MapPost("/{source}/{token}", ReceiveAsync).WithName("ReceiveWebhook");
        return app;
    }

    /// <summary>One route for every source: /hooks/alertmanager/..., /hooks/grafana/..., /hooks/pagerduty/... .</summary>
    public static async Task<Results<Accepted<HookAccepted>, ProblemHttpResult>> ReceiveAsync(
        string source, string token, HttpContext http, IngestionService ingestion, CancellationToken ct)
    {
        if (!Enum.TryParse<SourceKind>(source, ignoreCase: true, out var kind) || int.TryParse(source, out _))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Unknown source",
                detail: $"'{source}' is not a source IncidentHub knows. Use one of: {string.Join(", ", Enum.GetNames<SourceKind>().Select(n => n.ToLowerInvariant()))}.");
        }

        var integration = await ingestion.AuthenticateAsync(kind, token, ct);
        if (integration is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unknown integration token",
                detail: $"No {kind.ToString().ToLowerInvariant()} integration has this token. It may have been rotated; copy the current URL from the Integrations page.");
        }

        var (body, size) = await ReadBodyAsync(http.Request, ct);
        var headers = KeptHeaders
            .Where(h => http.Request.Headers.ContainsKey(h))
            .ToDictionary(h => h, h => http.Request.Headers[h].ToString());
        headers["Remote-Address"] = http.Connection.RemoteIpAddress?.ToString() ?? "";
        var raw = await ingestion.StoreRawAsync(integration.Id, headers, body, size, ct);

        if (size > MaxBodyBytes)
        {
            var error = $"The body is {size} bytes; the limit is {MaxBodyBytes} bytes (1 MiB). Send fewer alerts per request.";
            await ingestion.RejectAsync(raw, error, ct);
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", detail: error,
                extensions: new Dictionary<string, object?> { ["eventId"] = raw.Id });
        }

        var (outcome, parseError) = await ingestion.ProcessAsync(raw, kind, ct);
        if (outcome is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid alert payload", detail: parseError,
                extensions: new Dictionary<string, object?> { ["eventId"] = raw.Id });
        }

        return TypedResults.Accepted((string?)null, new HookAccepted(outcome.EventId, outcome.AlertCount, outcome.Incidents));
    }

    /// <summary>Reads at most the limit plus one chunk; the size of a larger body is taken from Content-Length.</summary>
    private static async Task<(byte[] Body, long Size)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        long total = 0;
        int read;
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

        return (buffer.ToArray(), total);
    }
}
