using IncidentHub.Web.Infrastructure.Git;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.CodeFix;

/// <summary>
/// Git on a service's local clone for the code-analysis agent: read-only commands, and throwaway worktrees
/// (<c>git worktree add --detach</c>) where a patch is checked with <c>git apply --check</c>, applied and tested. A
/// worktree is removed when it is disposed; worktrees left by a crashed worker are removed at the next start.
/// </summary>
public sealed class Worktrees(IOptions<CodeFixOptions> options, ILogger<Worktrees> logger)
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs git in <paramref name="repo"/>; a failure throws with git's message.</summary>
    public async Task<string> GitAsync(string repo, CancellationToken ct, params string[] args)
    {
        var result = await GitTool.RunAsync(repo, GitTimeout, ct, args);
        if (!result.Ok)
        {
            throw new CodeFixGitException($"git {args[0]} failed: {Short(result.Error.Trim())}");
        }

        return result.Output;
    }

    /// <summary>The commit a revision names, or null when it names none.</summary>
    public async Task<string?> ResolveAsync(string repo, string revision, CancellationToken ct)
    {
        if (revision.StartsWith('-') || revision.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return null;
        }

        var result = await GitTool.RunAsync(repo, GitTimeout, ct, "rev-parse", "--verify", "--quiet", revision + "^{commit}");
        return result.Ok ? result.Output.Trim() : null;
    }

    /// <summary>A fresh detached worktree of <paramref name="commit"/>; dispose it to remove it.</summary>
    public async Task<Worktree> CreateAsync(string repo, string commit, CancellationToken ct)
    {
        var root = Root();
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, Guid.NewGuid().ToString("N"));
        await GitAsync(repo, ct, "worktree", "add", "--detach", "--quiet", path, commit);
        return new Worktree(this, repo, path);
    }

    /// <summary>
    /// Checks <paramref name="patch"/> against the worktree with <c>git apply --check</c> and, when it fits, applies it. Returns
    /// git's reason when it does not fit. This is the only way a patch reaches a file.
    /// </summary>
    public async Task<string?> ApplyAsync(Worktree worktree, string patch, CancellationToken ct)
    {
        var file = Path.Combine(Root(), $"{Path.GetFileName(worktree.Path)}.patch");
        await File.WriteAllTextAsync(file, patch, ct);
        try
        {
            var check = await GitTool.RunAsync(worktree.Path, GitTimeout, ct, "apply", "--check", "--whitespace=nowarn", file);
            if (!check.Ok)
            {
                return Short(check.Error.Trim().Replace(file, "patch", StringComparison.Ordinal));
            }

            var apply = await GitTool.RunAsync(worktree.Path, GitTimeout, ct, "apply", "--whitespace=nowarn", file);
            return apply.Ok ? null : Short(apply.Error.Trim().Replace(file, "patch", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The worktree's changes against its commit, as a patch (what is stored, shown and approved).</summary>
    public Task<string> DiffAsync(Worktree worktree, CancellationToken ct) =>
        GitAsync(worktree.Path, ct, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--full-index", "HEAD", "--");

    /// <summary>Removes worktrees a crashed worker left behind (older than an hour) and prunes git's records of them.</summary>
    public async Task CleanUpAsync(string repo, CancellationToken ct)
    {
        var root = Root();
        if (Directory.Exists(root))
        {
            foreach (var dir in Directory.EnumerateDirectories(root).Where(d => Directory.GetCreationTimeUtc(d) < DateTime.UtcNow.AddHours(-1)))
            {
                TryDelete(dir);
            }
        }

        await GitTool.RunAsync(repo, GitTimeout, ct, "worktree", "prune");
    }

    /// <summary>
    /// Deletes the directory first and only then prunes git's record from the clone: after a sandboxed test run the worktree's
    /// files (its .git pointer too) belong to the sandbox user and may have been changed, so git is never run inside it again.
    /// </summary>
    internal async Task RemoveAsync(string repo, string path)
    {
        TryDelete(path);
        await GitTool.RunAsync(repo, GitTimeout, CancellationToken.None, "worktree", "prune");
    }

    private string Root() => Path.GetFullPath(options.Value.WorkDirectory);

    private void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not delete the worktree {Dir}: {Reason}", dir, ex.Message);
        }
    }

    internal static string Short(string text) => text.Length > 600 ? text[..600] + "…" : text;

}

/// <summary>A throwaway checkout; disposing it removes the directory and git's record of it.</summary>
public sealed class Worktree(Worktrees owner, string repo, string path) : IAsyncDisposable
{
    public string Path { get; } = path;

    public ValueTask DisposeAsync() => new(owner.RemoveAsync(repo, Path));
}

public sealed class CodeFixGitException(string message) : Exception(message);
