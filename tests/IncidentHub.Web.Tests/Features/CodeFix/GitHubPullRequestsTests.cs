using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.CodeFix.GitHub;
using IncidentHub.Web.Tests.Features.Investigation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.CodeFix;

/// <summary>GitHubPullRequests through Octokit against the loopback GitHub fake, seeded from a real git repository.</summary>
public sealed class GitHubPullRequestsTests : IAsyncLifetime
{
    private const string Owner = "acme";
    private const string Repo = "shop";
    private const string Branch = "incident/INC-42-checkout-latency";

    private static readonly DateTimeOffset Day = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);

    private readonly GitRepo _git = new();
    private GitHubFake _fake = null!;
    private string _baseSha = "";

    public async Task InitializeAsync()
    {
        _git.Write("src/Checkout.cs", "class Checkout { int Total() => Cached(); }\n");
        _git.Write("README.md", "# shop\n");
        _git.Write("config/cache.yaml", "enabled: true\n");
        _git.Commit("First", Day);
        _git.Write("docs/notes.md", "notes\n");
        _baseSha = _git.Commit("Second", Day.AddHours(1));
        _fake = await GitHubFake.StartAsync();
        await _fake.SeedFromGitAsync(Owner, Repo, _git.Path, "main");
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        _git.Dispose();
    }

    [Fact]
    public async Task OpenDraft_OnANewBranch_OpensOneDraftWhoseCommitIsBasePlusTheChange()
    {
        var result = await Client().OpenDraftAsync(Draft(), CancellationToken.None);

        var pr = Assert.Single(_fake.PullRequests);
        Assert.Equal((result.Number, Branch, "main", true, "Revert cache (INC-42)", "Reverts the suspect commit."), (pr.Number, pr.Head, pr.Base, pr.Draft, pr.Title, pr.Body));
        Assert.Equal($"{_fake.Url}acme/shop/pull/{pr.Number}", result.Url);
        Assert.Equal((Branch, false, _baseSha), (result.Branch, result.Reused, result.BaseSha));
        Assert.Equal(result.CommitSha, _fake.BranchSha(Owner, Repo, Branch));
        Assert.Equal(result.CommitSha, pr.HeadSha);

        var commit = _fake.Commit(result.CommitSha);
        Assert.Equal([_baseSha], commit.Parents);
        Assert.Equal("Revert cache\n\nIncident INC-42", commit.Message);
        var expected = new Dictionary<string, string>
        {
            ["src/Checkout.cs"] = "class Checkout { int Total() => Compute(); }\n",
            ["README.md"] = "# shop\n",
            ["docs/notes.md"] = "notes\n",
            ["src/Fallback/Compute.cs"] = "static class Compute { }\n",
        };
        Assert.Equal(expected.OrderBy(f => f.Key), _fake.FilesAt(result.CommitSha).OrderBy(f => f.Key));

        var requests = _fake.Requests;
        Assert.All(requests, r => Assert.Equal("token " + GitHubFake.DefaultToken, r.Authorization, ignoreCase: true));
        Assert.Equal(
        [
            "GET git/ref/heads/main 200", $"GET git/ref/heads/{Branch} 404", $"GET git/commits/{_baseSha} 200",
            "POST git/blobs 201", "POST git/blobs 201", "POST git/trees 201", "POST git/commits 201", "POST git/refs 201",
            "GET pulls 200", "POST pulls 201",
        ], requests.Select(r => $"{r.Method} {r.Path["repos/acme/shop/".Length..]} {r.Status}"));
        Assert.StartsWith($"?state=all&head=acme%3A{Uri.EscapeDataString(Branch)}&", requests[^2].Query);
        var create = Assert.Single(requests, r => r.Method == "POST" && r.Path.EndsWith("/pulls", StringComparison.Ordinal));
        Assert.True(create.Json!["draft"]!.GetValue<bool>());
        Assert.Equal(Branch, create.Json!["head"]!.GetValue<string>());
        Assert.DoesNotContain(requests, r => r.Method is "PATCH" or "PUT" or "DELETE");
    }

    [Fact]
    public async Task OpenDraft_CalledTwice_OpensOnePullRequestAndMakesOneCommit()
    {
        var client = Client();

        var first = await client.OpenDraftAsync(Draft(), CancellationToken.None);
        var second = await client.OpenDraftAsync(Draft(), CancellationToken.None);

        Assert.Single(_fake.PullRequests);
        Assert.Equal((first.Number, first.CommitSha, first.Url, true), (second.Number, second.CommitSha, second.Url, second.Reused));
        Assert.Single(_fake.Requests, r => r.Method == "POST" && r.Path.EndsWith("/git/commits", StringComparison.Ordinal));
        Assert.Single(_fake.Requests, r => r.Method == "POST" && r.Path.EndsWith("/git/refs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenDraft_AfterThePullRequestCreateFailed_ReusesTheBranchAndOpensOnePullRequest()
    {
        var client = Client();
        _fake.FailNext("POST", "/pulls$", 500);

        var failure = await Assert.ThrowsAsync<GitHubUnavailableException>(() => client.OpenDraftAsync(Draft(), CancellationToken.None));
        Assert.Contains("open the draft pull request", failure.Message);
        var pushed = _fake.BranchSha(Owner, Repo, Branch);
        Assert.NotNull(pushed);
        Assert.Empty(_fake.PullRequests);

        var retried = await client.OpenDraftAsync(Draft(), CancellationToken.None);

        Assert.Equal((pushed, true, _baseSha), (retried.CommitSha, retried.Reused, retried.BaseSha));
        Assert.Equal(retried.Number, Assert.Single(_fake.PullRequests).Number);
        Assert.Single(_fake.Requests, r => r.Method == "POST" && r.Path.EndsWith("/git/commits", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenDraft_WhenTheBaseMovedOnSinceTheBranchWasPushed_ReusesTheBranch()
    {
        var client = Client();
        _fake.FailNext("POST", "/pulls$", 502);
        await Assert.ThrowsAsync<GitHubUnavailableException>(() => client.OpenDraftAsync(Draft(), CancellationToken.None));
        var pushed = _fake.BranchSha(Owner, Repo, Branch);
        _git.Write("docs/notes.md", "more notes\n");
        var moved = _git.Commit("Third", Day.AddHours(2));
        await _fake.SeedFromGitAsync(Owner, Repo, _git.Path, "main");

        var retried = await client.OpenDraftAsync(Draft(), CancellationToken.None);

        Assert.Equal((pushed, true, _baseSha), (retried.CommitSha, retried.Reused, retried.BaseSha));
        Assert.NotEqual(moved, retried.BaseSha);
        Assert.Single(_fake.PullRequests);
    }

    [Fact]
    public async Task OpenDraft_WhileThePullRequestCreateIsHeld_OpensNothingUntilReleased()
    {
        var held = _fake.HoldNext("POST", "repos/acme/shop/pulls$");

        var opening = Client().OpenDraftAsync(Draft(), CancellationToken.None);
        await held.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotNull(_fake.BranchSha(Owner, Repo, Branch));
        Assert.Empty(_fake.PullRequests);
        held.Release();
        var result = await opening.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(result.Number, Assert.Single(_fake.PullRequests).Number);
    }

    [Fact]
    public async Task OpenDraft_WhenTheBranchHoldsOtherContent_ThrowsConflictAndLeavesItAlone()
    {
        _git.Git("checkout", "--quiet", "-b", Branch);
        _git.Write("src/Checkout.cs", "// someone else's work\n");
        var theirs = _git.Commit("Unrelated work", Day.AddHours(3));
        _git.Git("checkout", "--quiet", "main");
        await _fake.SeedFromGitAsync(Owner, Repo, _git.Path, Branch);

        var conflict = await Assert.ThrowsAsync<BranchConflictException>(() => Client().OpenDraftAsync(Draft(), CancellationToken.None));

        Assert.Contains($"{Branch} already exists", conflict.Message);
        Assert.Contains("nothing was overwritten", conflict.Message);
        Assert.Equal(theirs, _fake.BranchSha(Owner, Repo, Branch));
        Assert.Empty(_fake.PullRequests);
        Assert.DoesNotContain(_fake.Requests, r => r.Method != "GET" && r.Path.Contains("/git/refs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenDraft_WithABadToken_FailsNamingTheStepWithoutTheToken()
    {
        const string wrong = "ghp_WrongToken0000000000000000000000000000";

        var failure = await Assert.ThrowsAsync<GitHubRequestException>(() => Client(wrong).OpenDraftAsync(Draft(), CancellationToken.None));

        Assert.Equal(401, failure.StatusCode);
        Assert.Contains("rejected the token", failure.Message);
        Assert.Contains("read branch main of acme/shop", failure.Message);
        Assert.DoesNotContain(wrong, failure.ToString());
        Assert.DoesNotContain(GitHubFake.DefaultToken, failure.ToString());
        Assert.Empty(_fake.PullRequests);
    }

    [Fact]
    public async Task OpenDraft_ForAnUnknownRepository_SaysSo()
    {
        var failure = await Assert.ThrowsAsync<GitHubRequestException>(() => Client().OpenDraftAsync(Draft() with { Repo = "nope" }, CancellationToken.None));

        Assert.Equal(404, failure.StatusCode);
        Assert.Contains("acme/nope", failure.Message);
    }

    [Fact]
    public async Task OpenDraft_WhenGitHubCannotBeReached_IsRetryable()
    {
        var port = RealProcess.FreePort();
        var client = new GitHubPullRequests(Options.Create(new GitHubOptions { ApiUrl = $"http://127.0.0.1:{port}/", Token = GitHubFake.DefaultToken }),
            NullLogger<GitHubPullRequests>.Instance);

        var failure = await Assert.ThrowsAsync<GitHubUnavailableException>(() => client.OpenDraftAsync(Draft(), CancellationToken.None));

        Assert.Contains("could not be reached", failure.Message);
        Assert.DoesNotContain(GitHubFake.DefaultToken, failure.ToString());
    }

    [Fact]
    public async Task GetState_AfterTheMerge_ReportsWhoMergedItAndWhen()
    {
        var client = Client();
        var opened = await client.OpenDraftAsync(Draft(), CancellationToken.None);
        var open = await client.GetStateAsync(Owner, Repo, opened.Number, CancellationToken.None);

        _fake.MergePullRequest(Owner, Repo, opened.Number, by: "dana-oncall");
        var merged = await client.GetStateAsync(Owner, Repo, opened.Number, CancellationToken.None);

        Assert.Equal(("open", false, null), (open.State, open.Merged, open.MergedAt));
        Assert.Equal((opened.Number, opened.Url, "closed", true, "dana-oncall"), (merged.Number, merged.Url, merged.State, merged.Merged, merged.MergedBy));
        Assert.NotNull(merged.MergedAt);
        Assert.NotNull(merged.ClosedAt);
    }

    private GitHubPullRequests Client(string? token = null) =>
        new(Options.Create(new GitHubOptions { ApiUrl = _fake.Url.ToString(), Token = token ?? GitHubFake.DefaultToken }), NullLogger<GitHubPullRequests>.Instance);

    private static PullRequestDraft Draft() => new(Owner, Repo, "main", Branch, "Revert cache\n\nIncident INC-42", "Revert cache (INC-42)", "Reverts the suspect commit.",
    [
        new FileChange("src/Checkout.cs", "class Checkout { int Total() => Compute(); }\n"),
        new FileChange("config/cache.yaml", null),
        new FileChange("src/Fallback/Compute.cs", "static class Compute { }\n"),
    ]);
}
