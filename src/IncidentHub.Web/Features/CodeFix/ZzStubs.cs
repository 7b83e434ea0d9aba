// TEMPORARY: replaced by the helpers' real classes at merge.
namespace IncidentHub.Web.Features.CodeFix.Sandbox
{
    public sealed record TestRun(bool Ran, int? ExitCode, int Passed, int Failed, IReadOnlyList<string> FailingTests, string OutputTail, TimeSpan Elapsed, string? StoppedBy, string? Error);
    public sealed class TestSandbox { public Task<TestRun> RunAsync(string d, string c, CancellationToken ct) => throw new NotImplementedException(); }
    public static class SandboxExtensions { public static IServiceCollection AddCodeFixSandbox(this IServiceCollection s, IConfiguration c) => s; }
}
namespace IncidentHub.Web.Features.CodeFix.GitHub
{
    public sealed class GitHubOptions { public string? Token { get; set; } public string? WebhookSecret { get; set; } public string? WebhookToken { get; set; } public bool Configured => Token is not null; }
    public sealed record FileChange(string Path, string? Content, string Mode = "100644");
    public sealed record PullRequestDraft(string Owner, string Repo, string BaseBranch, string Branch, string CommitMessage, string Title, string Body, IReadOnlyList<FileChange> Changes);
    public sealed record PullRequestResult(int Number, string Url, string Branch, string CommitSha, bool Reused, string? BaseSha);
    public sealed record PullRequestState(int Number, string Url, string State, bool Merged, DateTimeOffset? ClosedAt, DateTimeOffset? MergedAt, string? MergedBy);
    public sealed record PullRequestEvent(string Action, string Owner, string Repo, int Number, string Url, string HeadBranch, bool Merged, string? Sender, DateTimeOffset? At);
    public sealed record LocalBranchResult(string Branch, string CommitSha, string BaseSha, bool Reused, string PushCommand);
    public sealed class GitHubPullRequests { public Task<PullRequestResult> OpenDraftAsync(PullRequestDraft d, CancellationToken ct) => throw new NotImplementedException(); public Task<PullRequestState> GetStateAsync(string o, string r, int n, CancellationToken ct) => throw new NotImplementedException(); }
    public sealed class LocalBranchPublisher { public Task<LocalBranchResult> CreateBranchAsync(string p, string b, string br, string patch, string m, CancellationToken ct) => throw new NotImplementedException(); }
    public sealed class BranchConflictException(string m) : Exception(m);
    public sealed class GitHubRequestException(string m) : Exception(m);
    public static class GitHubWebhook { public static bool VerifySignature(ReadOnlySpan<byte> b, string? h, string s) => false; public static PullRequestEvent? ParsePullRequest(ReadOnlySpan<byte> b) => null; }
    public static class BranchNames { public static string For(int n, string t) => ""; }
    public static class GitHubExtensions { public static IServiceCollection AddCodeFixGitHub(this IServiceCollection s, IConfiguration c) => s; }
}
