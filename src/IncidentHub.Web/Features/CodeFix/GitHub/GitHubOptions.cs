using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.CodeFix.GitHub;

/// <summary>
/// Where approved code changes go as draft pull requests (section "GitHub"). Without a Token nothing is
/// sent to GitHub: the change becomes a local branch instead (<see cref="LocalBranchPublisher"/>).
/// </summary>
public sealed class GitHubOptions
{
    public const string SectionName = "GitHub";

    public const string PublicApiUrl = "https://api.github.com/";

    /// <summary>The REST API root. Any other URL is taken as GitHub Enterprise: Octokit appends <c>api/v3/</c>.</summary>
    public string ApiUrl { get; set; } = PublicApiUrl;

    /// <summary>A personal access token or a GitHub App installation token (contents and pull requests: write).</summary>
    public string? Token { get; set; }

    /// <summary>The last path segment of the webhook URL, /hooks/github/{token}; with <see cref="WebhookSecret"/> it enables the endpoint.</summary>
    public string? WebhookToken { get; set; }

    /// <summary>The webhook secret GitHub signs deliveries with (X-Hub-Signature-256).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Seconds for each GitHub request.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    public bool Configured => !string.IsNullOrWhiteSpace(Token);
}

internal sealed class GitHubOptionsValidator : IValidateOptions<GitHubOptions>
{
    public ValidateOptionsResult Validate(string? name, GitHubOptions options)
    {
        if (!Uri.TryCreate(options.ApiUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return ValidateOptionsResult.Fail($"GitHub:ApiUrl '{options.ApiUrl}' is not an http(s) URL.");
        }

        // The token would cross the network in clear text.
        if (options.Configured && url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback)
        {
            return ValidateOptionsResult.Fail($"GitHub:ApiUrl '{options.ApiUrl}' is plain http to a remote host; use https.");
        }

        return ValidateOptionsResult.Success;
    }
}
