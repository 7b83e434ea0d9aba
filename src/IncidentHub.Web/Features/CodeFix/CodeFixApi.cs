using System.Security.Cryptography;
using System.Text;
using IncidentHub.Web.Features.CodeFix.GitHub;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.CodeFix;

/// <summary>GET /api/incidents/{n}/code-analysis, and GitHub's pull_request webhook at /hooks/github/{token}.</summary>
public static class CodeFixApi
{
    /// <summary>GitHub sends whole pull request objects; anything bigger than this is not one.</summary>
    private const int MaxWebhookBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapCodeFixApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/incidents/{number:int}/code-analysis").RequireAuthorization().WithTags("CodeFix")
            .MapGet("/", GetCodeAnalysis).WithName("GetCodeAnalysis");

        // A literal segment outranks intake's /hooks/{source}/{token}.
        app.MapPost("/hooks/github/{token}", ReceiveGitHubAsync).AllowAnonymous().DisableAntiforgery().WithTags("Webhooks").WithName("ReceiveGitHubWebhook");
        return app;
    }

    public static async Task<Results<Ok<CodeAnalysisView>, NotFoundProblem>> GetCodeAnalysis(int number, CodeFixService codeFixes, CancellationToken ct) =>
        await codeFixes.GetAsync(number, ct) is { } view
            ? TypedResults.Ok(view)
            : await codeFixes.ExistsAsync(number, ct)
                ? NotFoundProblem.For("Code analysis", $"INC-{number} has no code analysis: its diagnosis names no suspect commit in a repository, or the agent has not finished.")
                : NotFoundProblem.For("Incident", $"There is no incident INC-{number}.");

    /// <summary>
    /// pull_request events for the fixes IncidentHub opened: the path token and the X-Hub-Signature-256 HMAC of the body must both
    /// match the configured values; other events are acknowledged and ignored. Each verified delivery is stored before it is
    /// applied (<see cref="GitHubDeliveries"/>).
    /// </summary>
    public static async Task<IResult> ReceiveGitHubAsync(string token, HttpRequest request, IOptions<GitHubOptions> options, GitHubDeliveries deliveries, CancellationToken ct)
    {
        var o = options.Value;
        token = WebhookPathToken.Of(request.HttpContext, token);
        if (string.IsNullOrEmpty(o.WebhookToken) || string.IsNullOrEmpty(o.WebhookSecret)
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(o.WebhookToken)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown webhook",
                detail: "No GitHub webhook is configured at this address (GitHub:WebhookToken and GitHub:WebhookSecret).");
        }

        if (request.ContentLength is > MaxWebhookBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", detail: $"At most {MaxWebhookBytes} bytes.");
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        if (buffer.Length > MaxWebhookBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", detail: $"At most {MaxWebhookBytes} bytes.");
        }

        var body = buffer.ToArray();
        if (!GitHubWebhook.VerifySignature(body, request.Headers["X-Hub-Signature-256"].ToString(), o.WebhookSecret))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Bad signature",
                detail: "X-Hub-Signature-256 is missing or is not the HMAC-SHA256 of the body with the configured secret.");
        }

        // Stored before it is applied (GitHub does not redeliver on its own); a redelivery of an applied one changes nothing.
        var (delivery, duplicate) = await deliveries.StoreAsync(request.Headers["X-GitHub-Delivery"].ToString(), request.Headers["X-GitHub-Event"].ToString(), body, ct);
        if (!delivery.Done)
        {
            delivery = await deliveries.ApplyAsync(delivery.Id, ct);
        }

        return TypedResults.Accepted((string?)null, new
        {
            delivery = delivery.Id,
            duplicate,
            status = delivery.Status.ToString().ToLowerInvariant(),
            ignored = delivery.Status == GitHubDeliveryStatus.Ignored,
            recorded = delivery.Recorded && !duplicate,
        });
    }
}
