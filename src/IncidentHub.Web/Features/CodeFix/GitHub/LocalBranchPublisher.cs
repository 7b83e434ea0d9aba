using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Git;

namespace IncidentHub.Web.Features.CodeFix.GitHub;

/// <summary>The local branch holding the change; <paramref name="PushCommand"/> is what an engineer runs to publish it.</summary>
public sealed record LocalBranchResult(string Branch, string CommitSha, string BaseSha, bool Reused, string PushCommand);

/// <summary>
/// Without GitHub: commits the approved patch as a branch of a local clone, in a temporary worktree, so
/// the clone's working tree and checked-out branch are never touched. Safe to run again: an equal branch
/// is returned (Reused), a different branch of the same name is left alone.
/// </summary>
public sealed class LocalBranchPublisher(ILogger<LocalBranchPublisher> logger)
{
    public const string CommitterName = "IncidentHub";
    public const string CommitterEmail = "incidenthub@localhost";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public async Task<LocalBranchResult> CreateBranchAsync(string repositoryPath, string baseBranch, string branch, string patchText,
        string commitMessage, CancellationToken ct)
    {
        if (!Path.IsPathRooted(repositoryPath) || !Directory.Exists(repositoryPath))
        {
            throw new InvalidInputException($"'{repositoryPath}' is not a directory (an absolute path to a local clone is needed).");
        }

        if (string.IsNullOrWhiteSpace(commitMessage))
        {
            throw new InvalidInputException("The commit message must not be empty.");
        }

        await EnsureBranchNameAsync(repositoryPath, baseBranch, ct);
        await EnsureBranchNameAsync(repositoryPath, branch, ct);
        var baseSha = await ResolveAsync(repositoryPath, $"refs/heads/{baseBranch}", ct)
            ?? throw new InvalidInputException($"Branch {baseBranch} does not exist in {repositoryPath}.");

        var existing = await ResolveAsync(repositoryPath, $"refs/heads/{branch}", ct);
        if (existing is not null)
        {
            return await ReuseAsync(repositoryPath, baseBranch, branch, patchText, existing, ct);
        }

        var (commitSha, _) = await InWorktreeAsync(repositoryPath, baseSha, patchText, commitMessage, ct);

        // Create-only (old value empty): a branch that appeared meanwhile is judged, never overwritten.
        var created = await GitAsync(repositoryPath, ct, "update-ref", "-m", "IncidentHub code fix", $"refs/heads/{branch}", commitSha, "");
        if (!created.Ok)
        {
            var raced = await ResolveAsync(repositoryPath, $"refs/heads/{branch}", ct)
                ?? throw new ServerFaultException($"git could not create branch {branch}: {created.Error.Trim()}");
            return await ReuseAsync(repositoryPath, baseBranch, branch, patchText, raced, ct);
        }

        logger.LogInformation("Local branch {Branch} at {Commit} on {Base} in {Repository}", branch, commitSha, baseSha, repositoryPath);
        return new LocalBranchResult(branch, commitSha, baseSha, false, PushCommand(repositoryPath, branch));
    }

    /// <summary>Ours when it is one commit on a commit of the base history, whose tree is that commit plus the patch.</summary>
    private async Task<LocalBranchResult> ReuseAsync(string repo, string baseBranch, string branch, string patchText, string headSha, CancellationToken ct)
    {
        var conflict = new BranchConflictException(branch, repo);
        var parents = (await GitOkAsync(repo, ct, "rev-list", "--parents", "-n", "1", headSha)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parents.Length != 2)
        {
            throw conflict;
        }

        var parentSha = parents[1];
        var inBaseHistory = await GitAsync(repo, ct, "merge-base", "--is-ancestor", parentSha, $"refs/heads/{baseBranch}");
        if (!inBaseHistory.Ok)
        {
            throw conflict;
        }

        string expectedTree;
        try
        {
            (_, expectedTree) = await InWorktreeAsync(repo, parentSha, patchText, commitMessage: null, ct);
        }
        catch (InvalidInputException)
        {
            throw conflict; // the patch does not even apply where the branch starts: it holds something else
        }

        var actualTree = await GitOkAsync(repo, ct, "rev-parse", $"{headSha}^{{tree}}");
        if (expectedTree != actualTree)
        {
            throw conflict;
        }

        return new LocalBranchResult(branch, headSha, parentSha, true, PushCommand(repo, branch));
    }

    /// <summary>
    /// Applies the patch on <paramref name="baseSha"/> in a temporary detached worktree; commits it when a
    /// message is given. Returns the commit (or null) and the tree. The worktree is always removed.
    /// </summary>
    private static async Task<(string CommitSha, string Tree)> InWorktreeAsync(string repo, string baseSha, string patchText, string? commitMessage, CancellationToken ct)
    {
        var worktree = Path.Combine(Path.GetTempPath(), $"incidenthub-worktree-{Guid.NewGuid():N}");
        var patchFile = Path.Combine(Path.GetTempPath(), $"incidenthub-patch-{Guid.NewGuid():N}.diff");
        await File.WriteAllTextAsync(patchFile, patchText.EndsWith('\n') ? patchText : patchText + "\n", ct);
        try
        {
            await GitOkAsync(repo, ct, "worktree", "add", "--detach", "--quiet", worktree, baseSha);
            var check = await GitAsync(worktree, ct, "apply", "--check", "--index", patchFile);
            if (!check.Ok)
            {
                throw new InvalidInputException($"The patch does not apply to {baseSha[..12]}: {check.Error.Trim().Replace(patchFile, "patch", StringComparison.Ordinal)}", "Patch does not apply");
            }

            await GitOkAsync(worktree, ct, "apply", "--index", patchFile);
            var tree = await GitOkAsync(worktree, ct, "write-tree");
            if (commitMessage is null)
            {
                return ("", tree);
            }

            await GitOkAsync(worktree, ct, "-c", $"user.name={CommitterName}", "-c", $"user.email={CommitterEmail}", "-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", $"--message={commitMessage}");
            return (await GitOkAsync(worktree, ct, "rev-parse", "HEAD"), tree);
        }
        finally
        {
            // CancellationToken.None: the worktree goes even when the caller gave up.
            await GitAsync(repo, CancellationToken.None, "worktree", "remove", "--force", worktree);
            if (Directory.Exists(worktree))
            {
                Directory.Delete(worktree, recursive: true);
            }

            await GitAsync(repo, CancellationToken.None, "worktree", "prune");
            File.Delete(patchFile);
        }
    }

    private static async Task EnsureBranchNameAsync(string repo, string branch, CancellationToken ct)
    {
        if (!BranchNames.IsValid(branch) || !(await GitAsync(repo, ct, "check-ref-format", "--branch", branch)).Ok)
        {
            throw new InvalidInputException($"'{branch}' is not a valid branch name.");
        }
    }

    private static async Task<string?> ResolveAsync(string repo, string reference, CancellationToken ct)
    {
        var result = await GitAsync(repo, ct, "rev-parse", "--verify", "--quiet", $"{reference}^{{commit}}");
        return result.Ok ? result.Output.Trim() : null;
    }

    private static string PushCommand(string repo, string branch) => $"git -C {Quote(repo)} push origin {branch}";

    private static string Quote(string path) =>
        path.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-') ? path : $"'{path.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static async Task<string> GitOkAsync(string directory, CancellationToken ct, params string[] args)
    {
        var result = await GitAsync(directory, ct, args);
        return result.Ok ? result.Output.Trim() : throw new ServerFaultException($"git {string.Join(' ', args.Where(a => !a.StartsWith("--message=", StringComparison.Ordinal)))} failed: {result.Error.Trim()}");
    }

    // No hook of the clone runs (checkout and commit hooks are code from the repository).
    private static Task<GitTool.Result> GitAsync(string directory, CancellationToken ct, params string[] args) =>
        GitTool.RunAsync(directory, Timeout, ct, ["-c", "core.hooksPath=/dev/null", .. args]);
}
