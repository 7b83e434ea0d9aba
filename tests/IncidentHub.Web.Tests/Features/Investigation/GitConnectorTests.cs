using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Investigation.Connectors;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.Investigation;

public sealed class GitConnectorTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly GitRepo _repo = new();
    private readonly GitConnector _git = new(Options.Create(new InvestigationOptions { DataDirectory = Path.Combine(Path.GetTempPath(), $"ih-clones-{Guid.NewGuid():N}"), GitHubBaseUrl = "http://127.0.0.1:9" }), NullLogger<GitConnector>.Instance);

    public GitConnectorTests()
    {
        _repo.Write("app/batches.py", "def handle(batch):\n    total = 0\n    for item in batch:\n        total += item.size\n    return total\n");
        _repo.Write("README.md", "ingest\n");
        _repo.Commit("Initial import", T0.AddDays(-3));
        _repo.Tag("v1.0.0", "release 1.0.0", T0.AddDays(-3));
        _repo.Write("app/batches.py", "def handle(batch):\n    total = 0\n    for item in batch:\n        total += item.size / item.count\n    return total\n");
        _repo.Commit("Average item sizes", T0.AddMinutes(-20), "Dev Two");
        _repo.Tag("v1.1.0", "release 1.1.0", T0.AddMinutes(-18));
        _repo.Write("docs/notes.md", "later\n");
        _repo.Commit("Notes", T0.AddHours(2));
    }

    [Fact]
    public async Task Log_ReturnsOnlyCommitsInTheWindow_WithFilesAuthorsAndTags()
    {
        var commits = await _git.LogAsync(_repo.Path, T0.AddHours(-1), T0.AddMinutes(15), 100, CancellationToken.None);

        var commit = Assert.Single(commits);
        Assert.Equal("Average item sizes", commit.Subject);
        Assert.Equal("Dev Two", commit.Author);
        Assert.Equal(T0.AddMinutes(-20), commit.At);
        Assert.Equal(["app/batches.py"], commit.Files);
        Assert.Equal(["v1.1.0"], commit.Tags);
    }

    [Fact]
    public async Task Blame_NamesTheCommitThatLastChangedEachLine()
    {
        var changed = _repo.Git("rev-parse", "HEAD~1").Trim();
        var initial = _repo.Git("rev-parse", "HEAD~2").Trim();

        var blame = await _git.BlameAsync(_repo.Path, "app/batches.py", [4, 2], "HEAD", CancellationToken.None);

        Assert.Equal(2, blame.Count);
        var line2 = blame.Single(b => b.Line == 2);
        var line4 = blame.Single(b => b.Line == 4);
        Assert.Equal(initial, line2.Sha);
        Assert.Equal(changed, line4.Sha);
        Assert.Contains("item.size / item.count", line4.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_ShowsTheCommitsPatch()
    {
        var changed = _repo.Git("rev-parse", "HEAD~1").Trim();

        var diff = await _git.DiffAsync(_repo.Path, changed, 10_000, CancellationToken.None);

        Assert.Contains("-        total += item.size", diff, StringComparison.Ordinal);
        Assert.Contains("+        total += item.size / item.count", diff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tags_AreReleasesWithTheirCommitAndDate()
    {
        var tags = await _git.TagsAsync(_repo.Path, CancellationToken.None);

        Assert.Equal(["v1.0.0", "v1.1.0"], tags.Select(t => t.Name));
        Assert.Equal(_repo.Git("rev-parse", "HEAD~1").Trim(), tags[1].Commit);
        Assert.Equal(T0.AddMinutes(-18), tags[1].At);
    }

    [Fact]
    public async Task Revision_ThatLooksLikeAnOption_IsRejected() =>
        await Assert.ThrowsAsync<ArgumentException>(() => _git.DiffAsync(_repo.Path, "--output=/tmp/x", 100, CancellationToken.None));

    [Fact]
    public async Task GitHubClone_WhenTheHostIsUnreachable_IsReportedUnavailable()
    {
        var result = await Connector.BoundedAsync("git:acme/ingest", TimeSpan.FromSeconds(20),
            c => _git.EnsureLocalAsync(new ServiceRepository { GitHub = "acme/ingest" }, c), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Contains("git clone failed", result.Unavailable, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalPath_IsUsedAsIs()
    {
        Assert.Equal(_repo.Path, await _git.EnsureLocalAsync(new ServiceRepository { Path = _repo.Path, GitHub = "acme/ingest" }, CancellationToken.None));
    }

    public void Dispose() => _repo.Dispose();
}
