using System.Globalization;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Infrastructure.Git;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Investigation.Connectors;

/// <summary>A release tag read from the repository.</summary>
public sealed record ReleaseTag(string Name, string Commit, DateTimeOffset At);

/// <summary>
/// Read-only git on a local clone through the git CLI (no shell; arguments as a list): commits in a
/// window with their files, one commit's diff, porcelain blame of given lines, release tags. A
/// repository named only by <c>github: owner/repo</c> is cloned into the data directory first
/// (or fetched when already there); offline that step fails and the source is unavailable.
/// </summary>
public sealed class GitConnector(IOptions<InvestigationOptions> options, ILogger<GitConnector> logger)
{
    private const char Record = '\u001e';
    private const char Field = '\u001f';

    /// <summary>The local working copy for a catalog repository: its path, or a clone of its GitHub repository.</summary>
    public async Task<string> EnsureLocalAsync(ServiceRepository repository, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(repository);
        if (!string.IsNullOrWhiteSpace(repository.Path) && Directory.Exists(repository.Path))
        {
            return repository.Path;
        }

        if (string.IsNullOrWhiteSpace(repository.GitHub))
        {
            throw new DirectoryNotFoundException($"Repository path {repository.Path ?? "(none)"} does not exist and no github: repository is named.");
        }

        var name = repository.GitHub.Trim().Trim('/');
        if (name.Split('/') is not [var owner, var repo] || owner.Length == 0 || repo.Length == 0 || name.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"github: must be owner/repo, not '{repository.GitHub}'.");
        }

        var target = Path.Combine(options.Value.DataDirectory, owner, repo);
        if (Directory.Exists(Path.Combine(target, ".git")))
        {
            await RunAsync(target, ct, "fetch", "--quiet", "--tags", "origin");
            return target;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var url = $"{options.Value.GitHubBaseUrl.TrimEnd('/')}/{owner}/{repo}.git";
        logger.LogInformation("Cloning {Url} into {Target}", url, target);
        await RunAsync(Path.GetDirectoryName(target)!, ct, "clone", "--quiet", "--no-checkout", url, target);
        return target;
    }

    /// <summary>Commits whose commit time falls in the window, newest first, each with the files it touched and its tags.</summary>
    public async Task<IReadOnlyList<CommitInfo>> LogAsync(string repo, DateTimeOffset from, DateTimeOffset to, int cap, CancellationToken ct)
    {
        var output = await RunAsync(repo, ct, "log", "--all", "--no-color", "--date-order",
            $"--since={from.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}", $"--until={to.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}",
            $"--max-count={cap.ToString(CultureInfo.InvariantCulture)}",
            "--format=%x1e%H%x1f%an%x1f%cI%x1f%D%x1f%s", "--name-only");
        var commits = new List<CommitInfo>();
        foreach (var block in output.Split(Record, StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            var fields = lines[0].Split(Field);
            if (fields.Length < 5)
            {
                continue;
            }

            var tags = fields[3].Split(", ", StringSplitOptions.RemoveEmptyEntries)
                .Where(r => r.StartsWith("tag: ", StringComparison.Ordinal)).Select(r => r[5..]).ToList();
            var files = lines.Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            commits.Add(new CommitInfo(fields[0], fields[1], DateTimeOffset.Parse(fields[2], CultureInfo.InvariantCulture), fields[4], files, tags));
        }

        return commits;
    }

    /// <summary>The commit's patch (no colour), cut at <paramref name="maxChars"/>.</summary>
    public async Task<string> DiffAsync(string repo, string sha, int maxChars, CancellationToken ct)
    {
        EnsureRevision(sha);
        var diff = await RunAsync(repo, ct, "show", "--no-color", "--format=", "--unified=3", sha, "--");
        return diff.Length > maxChars ? diff[..maxChars] + "\n[diff cut]" : diff;
    }

    /// <summary>git blame --porcelain of the given lines of one file at <paramref name="revision"/>.</summary>
    public async Task<IReadOnlyList<BlameLine>> BlameAsync(string repo, string file, IReadOnlyCollection<int> lines, string revision, CancellationToken ct)
    {
        EnsureRevision(revision);
        var args = new List<string> { "blame", "--porcelain" };
        foreach (var line in lines.Where(l => l > 0).Distinct().Order())
        {
            args.Add("-L");
            args.Add($"{line},{line}");
        }

        args.AddRange([revision, "--", file]);
        var output = await RunAsync(repo, ct, [.. args]);
        var result = new List<BlameLine>();
        string? sha = null;
        var final = 0;
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith('\t'))
            {
                if (sha is not null)
                {
                    result.Add(new BlameLine(file, final, sha, line[1..]));
                }

                sha = null;
                continue;
            }

            var parts = line.Split(' ');
            if (parts.Length >= 3 && parts[0].Length == 40 && parts[0].All(char.IsAsciiHexDigit))
            {
                sha = parts[0];
                final = int.Parse(parts[2], CultureInfo.InvariantCulture);
            }
        }

        return result;
    }

    /// <summary>Every file path in the tree at <paramref name="revision"/> (for mapping stack frames onto files).</summary>
    public async Task<IReadOnlyCollection<string>> FilesAsync(string repo, string revision, CancellationToken ct)
    {
        EnsureRevision(revision);
        var output = await RunAsync(repo, ct, "ls-tree", "-r", "--name-only", "--full-tree", revision);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Tags (releases) with the commit they point at and their date, oldest first.</summary>
    public async Task<IReadOnlyList<ReleaseTag>> TagsAsync(string repo, CancellationToken ct)
    {
        var output = await RunAsync(repo, ct, "for-each-ref", "--sort=creatordate",
            "--format=%(refname:short)%1f%(objectname)%1f%(*objectname)%1f%(creatordate:iso-strict)", "refs/tags");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(Field))
            .Where(f => f.Length == 4)
            .Select(f => new ReleaseTag(f[0], f[2].Length > 0 ? f[2] : f[1], DateTimeOffset.Parse(f[3], CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>A revision argument must not be read by git as an option.</summary>
    private static void EnsureRevision(string revision)
    {
        if (string.IsNullOrWhiteSpace(revision) || revision.StartsWith('-') || revision.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"'{revision}' is not a revision.");
        }
    }

    /// <summary>Runs git through <see cref="GitTool"/>; the connector's caller bounds the time through <paramref name="ct"/>.</summary>
    private static async Task<string> RunAsync(string workingDirectory, CancellationToken ct, params string[] args)
    {
        var result = await GitTool.RunAsync(workingDirectory, Timeout.InfiniteTimeSpan, ct, args);
        if (!result.Ok)
        {
            var error = result.Error.Trim();
            throw new InvalidOperationException($"git {args[0]} failed ({result.ExitCode}): {(error.Length > 500 ? error[..500] : error)}");
        }

        return result.Output;
    }
}
