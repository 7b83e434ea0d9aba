using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.CodeFix;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Investigation.Connectors;
using IncidentHub.Web.Infrastructure.Git;
using IncidentHub.Web.Tests.Features.Investigation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Infrastructure.Git;

/// <summary>
/// Issue 17: a repository is input from outside. Its .git/config names a script as fsmonitor, textconv,
/// external diff, clean/smudge filter and pager; the analysis commands (log, show, blame, worktree, diff)
/// run and the script never does.
/// </summary>
public sealed class GitToolTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly GitRepo _repo = new();
    private readonly string _scratch = Directory.CreateTempSubdirectory("ih-git-hostile-").FullName;
    private readonly string _marker;

    public GitToolTests()
    {
        _marker = Path.Combine(_scratch, "marker");
        var script = Path.Combine(_scratch, "evil.sh");
        File.WriteAllText(script, $"#!/bin/sh\necho \"$0 $*\" >> '{_marker}'\ncat\n");
        RealProcess.Run("chmod", ["+x", script], _scratch);

        _repo.Write(".gitattributes", "*.py filter=evil diff=evil\n");
        _repo.Write("app/batches.py", "def handle(batch):\n    return 0\n");
        _repo.Commit("Initial import", T0.AddDays(-1));
        _repo.Write("app/batches.py", "def handle(batch):\n    return len(batch)\n");
        var sha = _repo.Commit("Count the batch", T0);
        Sha = sha;

        foreach (var key in new[] { "core.fsmonitor", "diff.evil.textconv", "diff.evil.command", "diff.external", "filter.evil.clean", "filter.evil.smudge", "core.pager", "pager.show" })
        {
            _repo.Git("config", key, script);
        }

        _repo.Git("config", "filter.evil.required", "true");
        File.Delete(_marker); // setting the config up ran nothing, but be sure the test starts clean
    }

    private string Sha { get; }

    [Fact]
    public async Task AnalysisCommands_OnAHostileRepository_NeverRunItsConfiguredCommands()
    {
        var git = new GitConnector(Options.Create(new InvestigationOptions()), NullLogger<GitConnector>.Instance);

        var commits = await git.LogAsync(_repo.Path, T0.AddDays(-2), T0.AddDays(1), 10, CancellationToken.None);
        var diff = await git.DiffAsync(_repo.Path, Sha, 100_000, CancellationToken.None);
        var blame = await git.BlameAsync(_repo.Path, "app/batches.py", [2], Sha, CancellationToken.None);
        var status = await GitTool.RunAsync(_repo.Path, TimeSpan.FromSeconds(30), CancellationToken.None, "status", "--porcelain");

        var worktrees = new Worktrees(Options.Create(new CodeFixOptions { WorkDirectory = Path.Combine(_scratch, "worktrees") }), NullLogger<Worktrees>.Instance);
        await using (var worktree = await worktrees.CreateAsync(_repo.Path, Sha, CancellationToken.None))
        {
            File.AppendAllText(Path.Combine(worktree.Path, "app", "batches.py"), "# changed\n");
            Assert.Contains("+# changed", await worktrees.DiffAsync(worktree, CancellationToken.None), StringComparison.Ordinal);
        }

        Assert.Equal(2, commits.Count);
        Assert.Contains("+    return len(batch)", diff, StringComparison.Ordinal);
        Assert.Equal(Sha, Assert.Single(blame).Sha);
        Assert.True(status.Ok, status.Error);
        Assert.False(File.Exists(_marker), File.Exists(_marker) ? "ran: " + File.ReadAllText(_marker) : "");
    }

    [Fact]
    public async Task Clone_OverTheExtProtocol_IsRefused()
    {
        var result = await GitTool.RunAsync(_scratch, TimeSpan.FromSeconds(30), CancellationToken.None,
            "clone", "--quiet", $"ext::sh -c 'touch {_marker}'", Path.Combine(_scratch, "clone"));

        Assert.False(result.Ok);
        Assert.False(File.Exists(_marker));
    }

    public void Dispose()
    {
        _repo.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }
}
