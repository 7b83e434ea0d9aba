using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace IncidentHub.Web.Features.CodeFix.GitHub;

/// <summary>What a pull_request webhook delivery says happened; <see cref="Merged"/> with Action "closed" is a merge.</summary>
public sealed record PullRequestEvent(string Action, string Owner, string Repo, int Number, string Url, string HeadBranch, bool Merged, string? Sender, DateTimeOffset? At);

/// <summary>Checks and reads GitHub webhook deliveries (the endpoint maps them to incidents).</summary>
public static class GitHubWebhook
{
    private const string Prefix = "sha256=";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>True when <paramref name="signatureHeader"/> (X-Hub-Signature-256, "sha256=&lt;hex&gt;") is the HMAC of the body with the secret; compared in constant time.</summary>
    public static bool VerifySignature(ReadOnlySpan<byte> body, string? signatureHeader, string secret)
    {
        if (string.IsNullOrEmpty(secret) || signatureHeader is null || !signatureHeader.StartsWith(Prefix, StringComparison.Ordinal)
            || signatureHeader.Length != Prefix.Length + 2 * HMACSHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> claimed = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (Convert.FromHexString(signatureHeader.AsSpan(Prefix.Length), claimed, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != claimed.Length)
        {
            return false;
        }

        Span<byte> actual = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, actual);
        return CryptographicOperations.FixedTimeEquals(claimed, actual);
    }

    /// <summary>The pull request event in a delivery body, or null when the body is not one (another event, or not JSON).</summary>
    public static PullRequestEvent? ParsePullRequest(ReadOnlySpan<byte> body)
    {
        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<Payload>(body, Json);
        }
        catch (JsonException)
        {
            return null;
        }

        if (payload is not { Action: { } action, PullRequest: { } pr, Repository: { Name: { } repo, Owner.Login: { } owner } })
        {
            return null;
        }

        return new PullRequestEvent(action, owner, repo, pr.Number, pr.HtmlUrl ?? "", pr.Head?.Ref ?? "", pr.Merged ?? (pr.MergedAt is not null),
            payload.Sender?.Login, pr.MergedAt ?? pr.ClosedAt ?? pr.UpdatedAt);
    }

    private sealed record Payload(string? Action, PullRequestPayload? PullRequest, RepositoryPayload? Repository, Account? Sender);

    private sealed record PullRequestPayload(int Number, string? HtmlUrl, Branch? Head, bool? Merged,
        DateTimeOffset? MergedAt, DateTimeOffset? ClosedAt, DateTimeOffset? UpdatedAt);

    private sealed record Branch(string? Ref);

    private sealed record RepositoryPayload(string? Name, Account? Owner);

    private sealed record Account(string? Login);
}
