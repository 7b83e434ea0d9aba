namespace IncidentHub.Web.Features.CodeFix.GitHub;

/// <summary>One file of a change: its whole new content, or null to delete it.</summary>
public sealed record FileChange(string Path, string? Content, string Mode = "100644");

/// <summary>A change to publish as branch <paramref name="Branch"/> (one commit on <paramref name="BaseBranch"/>) and a draft pull request.</summary>
public sealed record PullRequestDraft(string Owner, string Repo, string BaseBranch, string Branch, string CommitMessage,
    string Title, string Body, IReadOnlyList<FileChange> Changes);

/// <summary>The draft pull request; <paramref name="Reused"/> when an earlier run had already opened it (or pushed the branch).</summary>
public sealed record PullRequestResult(int Number, string Url, string Branch, string CommitSha, bool Reused, string? BaseSha);

/// <summary>A pull request as GitHub reports it now; <paramref name="State"/> is "open" or "closed".</summary>
public sealed record PullRequestState(int Number, string Url, string State, bool Merged, DateTimeOffset? ClosedAt, DateTimeOffset? MergedAt, string? MergedBy);
