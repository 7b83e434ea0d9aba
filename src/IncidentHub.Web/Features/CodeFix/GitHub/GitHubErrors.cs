using IncidentHub.Web.Infrastructure.Errors;

namespace IncidentHub.Web.Features.CodeFix.GitHub;

/// <summary>The branch name is taken by other content; nothing was overwritten.</summary>
public sealed class BranchConflictException(string branch, string where)
    : ConflictException($"Branch {branch} already exists in {where} with other content; nothing was overwritten. Delete it or choose another branch name.", "Branch exists")
{
    public string Branch { get; } = branch;
}

/// <summary>
/// GitHub refused a step (bad token, no access, repository or branch missing, invalid request). Retrying
/// will not help until someone fixes the configuration or the repository. The message names the step, never the token.
/// </summary>
public sealed class GitHubRequestException(string message, int? statusCode, Exception? inner = null)
    : ServerFaultException(message, "GitHub request failed", inner)
{
    public int? StatusCode { get; } = statusCode;
}

/// <summary>GitHub could not be reached, failed, or rate-limited us: nothing was lost, the same call can be retried later.</summary>
public sealed class GitHubUnavailableException(string message, TimeSpan retryAfter, Exception? inner = null)
    : UnavailableException(message, "GitHub unavailable", inner)
{
    public override TimeSpan RetryAfter => retryAfter;
}
