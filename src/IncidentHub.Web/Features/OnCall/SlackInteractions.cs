using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Features.Remediation;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.OnCall;

/// <summary>Section "Slack": the app's signing secret (Basic Information → App Credentials) for the interactivity endpoint.</summary>
public sealed class SlackOptions
{
    public const string SectionName = "Slack";

    /// <summary>Empty: /hooks/slack/interactions answers 404 (interactivity off).</summary>
    public string? SigningSecret { get; set; }

    /// <summary>Requests whose X-Slack-Request-Timestamp is further than this from now are refused (replays).</summary>
    [System.ComponentModel.DataAnnotations.Range(30, 3600)]
    public int MaxAgeSeconds { get; set; } = 300;
}

/// <summary>The interactive buttons' action ids and the value that binds them to one action and its hash.</summary>
public static class SlackActions
{
    public const string Approve = "approve";
    public const string Reject = "reject";

    /// <summary>"{incident number}|{action id}|{action hash}": the same hash the UI approves with, so a changed action cannot be approved from an old message.</summary>
    public static string Value(int number, Guid actionId, string hash) => $"{number}|{actionId:N}|{hash}";

    public static (int Number, Guid ActionId, string Hash)? Parse(string? value)
    {
        var parts = (value ?? "").Split('|');
        return parts.Length == 3 && int.TryParse(parts[0], out var number) && Guid.TryParseExact(parts[1], "N", out var id) && parts[2].Length is > 0 and <= 128
            ? (number, id, parts[2])
            : null;
    }

    /// <summary>Slack's v0 signature: "v0=" + hex(HMAC-SHA256(signing secret, "v0:{timestamp}:{body}")), compared in fixed time.</summary>
    public static bool Verify(string secret, string timestamp, ReadOnlySpan<byte> body, string signature)
    {
        const string Prefix = "v0=";
        if (!signature.StartsWith(Prefix, StringComparison.Ordinal) || signature.Length != Prefix.Length + 64)
        {
            return false;
        }

        byte[] claimed;
        try
        {
            claimed = Convert.FromHexString(signature.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }

        var basis = new byte[Encoding.UTF8.GetByteCount($"v0:{timestamp}:") + body.Length];
        var head = Encoding.UTF8.GetBytes($"v0:{timestamp}:", basis);
        body.CopyTo(basis.AsSpan(head));
        return CryptographicOperations.FixedTimeEquals(claimed, HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), basis));
    }

    public static string Sign(string secret, string timestamp, string body) =>
        "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}")));
}

/// <summary>What Slack shows the person who pressed the button (an ephemeral reply).</summary>
public sealed record SlackReply([property: JsonPropertyName("response_type")] string ResponseType, [property: JsonPropertyName("replace_original")] bool ReplaceOriginal,
    [property: JsonPropertyName("text")] string Text);

/// <summary>
/// POST /hooks/slack/interactions: Approve and Reject pressed in Slack. Verified with the signing secret (and a
/// timestamp no older than 5 minutes); the Slack user must be a team member whose email is an IncidentHub user; the
/// decision goes through <see cref="RemediationService"/>, the same hash-bound gate and role check as the UI.
/// A refusal is told to the person (response_url and the response body), never silently dropped.
/// </summary>
public static class SlackInteractionsApi
{
    private const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapSlackInteractions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/hooks/slack/interactions", ReceiveSlackInteraction).AllowAnonymous().DisableAntiforgery().WithTags("Webhooks")
            .WithName("ReceiveSlackInteraction");
        return app;
    }

    public static async Task<Results<Ok<SlackReply>, ProblemHttpResult>> ReceiveSlackInteraction(HttpRequest request, IOptions<SlackOptions> options,
        AppDbContext db, UserManager<AppUser> users, RemediationService remediation, IHttpClientFactory http, TimeProvider clock,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger("IncidentHub.Web.Features.OnCall.SlackInteractions");
        var secret = options.Value.SigningSecret;
        if (string.IsNullOrEmpty(secret))
        {
            return TypedResults.Problem(statusCode: 404, title: "Slack interactivity is off", detail: "Set Slack:SigningSecret to receive Slack button presses.");
        }

        if (request.ContentLength is > MaxBodyBytes)
        {
            return TypedResults.Problem(statusCode: 413, title: "Payload too large", detail: $"At most {MaxBodyBytes} bytes.");
        }

        using var buffer = new MemoryStream();
        await new BoundedStream(request.Body, MaxBodyBytes, "The Slack request", "a fixed 64 KiB", leaveOpen: true).CopyToAsync(buffer, ct);
        var body = buffer.ToArray();
        var timestamp = request.Headers["X-Slack-Request-Timestamp"].ToString();
        if (!long.TryParse(timestamp, out var seconds) || Math.Abs(clock.GetUtcNow().ToUnixTimeSeconds() - seconds) > options.Value.MaxAgeSeconds)
        {
            return TypedResults.Problem(statusCode: 401, title: "Stale request",
                detail: $"X-Slack-Request-Timestamp is missing or more than {options.Value.MaxAgeSeconds} s from now; a replay is refused.");
        }

        if (!SlackActions.Verify(secret, timestamp, body, request.Headers["X-Slack-Signature"].ToString()))
        {
            return TypedResults.Problem(statusCode: 401, title: "Bad signature",
                detail: "X-Slack-Signature is missing or is not v0=HMAC-SHA256 of \"v0:{timestamp}:{body}\" with the configured signing secret.");
        }

        var form = QueryHelpersParse(Encoding.UTF8.GetString(body));
        Payload? payload;
        try
        {
            payload = form.TryGetValue("payload", out var json) ? JsonSerializer.Deserialize<Payload>(json, JsonSerializerOptions.Web) : null;
        }
        catch (JsonException)
        {
            payload = null;
        }

        if (payload is not { Type: "block_actions", User.Id: { Length: > 0 } slackUser, Actions: [var action, ..] })
        {
            return TypedResults.Problem(statusCode: 400, title: "Not a button press", detail: "Expected a block_actions payload with a user and an action.");
        }

        var reply = await DecideAsync(db, users, remediation, slackUser, action, ct);
        logger.LogInformation("Slack user {SlackUser} pressed {Action}: {Reply}", slackUser, action.ActionId, reply);
        var answer = new SlackReply("ephemeral", false, reply);
        if (Uri.TryCreate(payload.ResponseUrl, UriKind.Absolute, out var responseUrl))
        {
            try
            {
                using var client = http.CreateClient(ChannelSender.HttpClientName);
                client.Timeout = TimeSpan.FromSeconds(2);
                using var posted = await client.PostAsJsonAsync(responseUrl, answer, ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OutboundRefusedException)
            {
                logger.LogWarning("The reply to Slack's response_url was not delivered ({Error}); it is in the response body too", ex.GetType().Name);
            }
        }

        return TypedResults.Ok(answer);
    }

    private static async Task<string> DecideAsync(AppDbContext db, UserManager<AppUser> users, RemediationService remediation, string slackUser, SlackAction action,
        CancellationToken ct)
    {
        if (action.ActionId is not (SlackActions.Approve or SlackActions.Reject) || SlackActions.Parse(action.Value) is not { } target)
        {
            return "IncidentHub does not know this button.";
        }

        var emails = await db.TeamMembers.AsNoTracking().Where(m => m.SlackUserId == slackUser && m.Email != null).Select(m => m.Email!).Distinct().ToListAsync(ct);
        AppUser? user = null;
        foreach (var email in emails)
        {
            user ??= await users.FindByEmailAsync(email);
        }

        if (user is null)
        {
            return "Refused: your Slack account is not linked to an IncidentHub user. An Admin adds your Slack user id to your entry on a team page.";
        }

        var actor = AuditActor.Person(user.Email ?? user.UserName ?? user.Id) with { Roles = [.. await users.GetRolesAsync(user)] };
        try
        {
            if (action.ActionId == SlackActions.Approve)
            {
                var approved = await remediation.ApproveAsync(target.Number, target.ActionId, target.Hash, actor, ct);
                return $"Approved by {actor.Name}: {approved.Title} ({approved.Tier}) on INC-{target.Number}.";
            }

            var rejected = await remediation.RejectAsync(target.Number, target.ActionId, $"Rejected from Slack by {actor.Name}", actor, ct);
            return $"Rejected by {actor.Name}: {rejected.Title} on INC-{target.Number}.";
        }
        catch (ForbiddenActionException ex)
        {
            return $"Refused: {ex.Message}";
        }
        catch (Exception ex) when (ex is ConflictException or NotFoundException or InvalidOperationException)
        {
            return $"Not done: {ex.Message}";
        }
    }

    private static Dictionary<string, string> QueryHelpersParse(string form) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(form).ToDictionary(p => p.Key, p => p.Value.ToString());

    private sealed record Payload(string? Type, SlackUser? User, [property: JsonPropertyName("response_url")] string? ResponseUrl, List<SlackAction>? Actions);

    private sealed record SlackUser(string? Id, string? Username);

    private sealed record SlackAction([property: JsonPropertyName("action_id")] string? ActionId, string? Value);
}
