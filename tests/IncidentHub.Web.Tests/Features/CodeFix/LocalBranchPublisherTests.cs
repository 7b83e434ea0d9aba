using IncidentHub.Web.Features.CodeFix.GitHub;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Tests.Features.Investigation;
using Microsoft.Extensions.Logging.Abstractions;

namespace IncidentHub.Web.Tests.Features.CodeFix;

/// <summary>LocalBranchPublisher on a real clone whose checked-out branch has uncommitted work that must survive.</summary>
public sealed class LocalBranchPublisherTests : IDisposable
{
    private const string Branch = "incident/INC-7-revert-cache";

    private static readonly DateTimeOffset Day = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);

    private readonly GitRepo _git = new();
    private readonly LocalBranchPublisher _publisher = new(NullLogger<LocalBranchPublisher>.Instance);
    private readonly string _baseSha;
    private readonly string _patch;
    private readonly string _patchedTree;

    public LocalBranchPublisherTests()
    {
        _git.Write("src/Checkout.cs", "class Checkout\n{\n    int Total() => Cached();\n}\n");
        _git.Write("config/cache.yaml", "enabled: true\n");
        _git.Write("README.md", "# shop\n");
        _baseSha = _git.Commit("Base", Day);

        // The patch under test, made by git itself: what a revert of the cache would change.
        _git.Git("checkout", "--quiet", "-b", "scratch");
        _git.Write("src/Checkout.cs", "class Checkout\n{\n    int Total() => Compute();\n}\n");
        _git.Git("rm", "--quiet", "config/cache.yaml");
        _git.Write("src/Compute.cs", "static class Compute { }\n");
        _git.Commit("Scratch", Day.AddHours(1));
        _patch = _git.Git("diff", "main", "scratch");
        _patchedTree = _git.Git("rev-parse", "scratch^{tree}").Trim();
        _git.Git("checkout", "--quiet", "main");
        _git.Git("branch", "--quiet", "-D", "scratch");

        // An engineer's clone: another branch checked out, with uncommitted and untracked work.
        _git.Git("checkout", "--quiet", "-b", "feature");
        _git.Write("README.md", "# shop (editing)\n");
        _git.Write("scratch.txt", "untracked\n");
    }

    public void Dispose() => _git.Dispose();

    [Fact]
    public async Task CreateBranch_CommitsThePatchOnBase_WithoutTouchingTheClone()
    {
        var status = _git.Git("status", "--porcelain");

        var result = await _publisher.CreateBranchAsync(_git.Path, "main", Branch, _patch, "Revert cache (INC-7)", CancellationToken.None);

        Assert.Equal((Branch, _baseSha, false), (result.Branch, result.BaseSha, result.Reused));
        Assert.Equal(result.CommitSha, _git.Git("rev-parse", Branch).Trim());
        Assert.Equal(_baseSha, _git.Git("rev-parse", $"{Branch}^").Trim());
        Assert.Equal("1", _git.Git("rev-list", "--count", $"main..{Branch}").Trim());
        Assert.Equal(_patchedTree, _git.Git("rev-parse", $"{Branch}^{{tree}}").Trim());
        Assert.Equal(_patch, _git.Git("diff", "main", Branch));
        Assert.Equal("IncidentHub <incidenthub@localhost>|IncidentHub <incidenthub@localhost>|Revert cache (INC-7)",
            _git.Git("log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", Branch).Trim());
        Assert.Equal($"git -C {_git.Path} push origin {Branch}", result.PushCommand);

        Assert.Equal("refs/heads/feature", _git.Git("symbolic-ref", "HEAD").Trim());
        Assert.Equal(status, _git.Git("status", "--porcelain"));
        Assert.Equal("# shop (editing)\n", File.ReadAllText(Path.Combine(_git.Path, "README.md")));
        Assert.True(File.Exists(Path.Combine(_git.Path, "config", "cache.yaml")));
        Assert.False(File.Exists(Path.Combine(_git.Path, "src", "Compute.cs")));
        AssertNoWorktreeLeft();
    }

    [Fact]
    public async Task CreateBranch_CalledTwice_ReusesTheBranch()
    {
        var first = await _publisher.CreateBranchAsync(_git.Path, "main", Branch, _patch, "Revert cache (INC-7)", CancellationToken.None);
        var second = await _publisher.CreateBranchAsync(_git.Path, "main", Branch, _patch, "Revert cache (INC-7)", CancellationToken.None);

        Assert.Equal(first with { Reused = true }, second);
        Assert.Equal(first.CommitSha, _git.Git("rev-parse", Branch).Trim());
        AssertNoWorktreeLeft();
    }

    [Fact]
    public async Task CreateBranch_WhenTheBranchHoldsOtherContent_ThrowsConflictAndLeavesItAlone()
    {
        _git.Git("branch", Branch, "main");
        var theirs = _git.Git("rev-parse", Branch).Trim();

        var conflict = await Assert.ThrowsAsync<BranchConflictException>(
            () => _publisher.CreateBranchAsync(_git.Path, "main", Branch, _patch, "Revert cache (INC-7)", CancellationToken.None));

        Assert.Contains("nothing was overwritten", conflict.Message);
        Assert.Equal(theirs, _git.Git("rev-parse", Branch).Trim());
        AssertNoWorktreeLeft();
    }

    [Fact]
    public async Task CreateBranch_WhenThePatchDoesNotApply_RefusesWithGitsMessage()
    {
        var stale = _patch.Replace("-    int Total() => Cached();", "-    int Total() => SomethingElse();", StringComparison.Ordinal);

        var refused = await Assert.ThrowsAsync<InvalidInputException>(
            () => _publisher.CreateBranchAsync(_git.Path, "main", Branch, stale, "Revert cache (INC-7)", CancellationToken.None));

        Assert.Contains("does not apply", refused.Message);
        Assert.Contains("src/Checkout.cs", refused.Message);
        Assert.Equal("", _git.Git("branch", "--list", Branch));
        AssertNoWorktreeLeft();
    }

    [Theory]
    [InlineData("main", "-f")]
    [InlineData("main", "bad..name")]
    [InlineData("--orphan", Branch)]
    [InlineData("no-such-base", Branch)]
    public async Task CreateBranch_WithABadBranchName_Refuses(string baseBranch, string branch)
    {
        await Assert.ThrowsAsync<InvalidInputException>(
            () => _publisher.CreateBranchAsync(_git.Path, baseBranch, branch, _patch, "Revert cache (INC-7)", CancellationToken.None));

        Assert.Equal("", _git.Git("branch", "--list", Branch));
        AssertNoWorktreeLeft();
    }

    private void AssertNoWorktreeLeft() =>
        Assert.Single(_git.Git("worktree", "list", "--porcelain").Split('\n'), line => line.StartsWith("worktree ", StringComparison.Ordinal));
}
