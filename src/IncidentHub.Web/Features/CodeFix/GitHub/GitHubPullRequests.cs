using System.Net;
using System.Text;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.Extensions.Options;
using Octokit;
using Octokit.Internal;

namespace IncidentHub.Web.Features.CodeFix.GitHub;

/// <summary>
/// Pushes an approved change as a branch and opens a draft pull request, through GitHub's Git Data API
/// (no clone needed). Safe to run again after a retry or a crash at any step: an equal branch and its
/// pull request are found and returned (Reused), a different branch of the same name is never touched.
/// </summary>
public sealed class GitHubPullRequests
{
    private readonly GitHubOptions _options;
    private readonly ILogger<GitHubPullRequests> _logger;
    private readonly GitHubClient? _client;
    private readonly ApiConnection? _api;

    public GitHubPullRequests(IOptions<GitHubOptions> options, ILogger<GitHubPullRequests> logger)
    {
        _options = options.Value;
        _logger = logger;
        if (_options.Configured)
        {
            _client = new GitHubClient(new ProductHeaderValue("IncidentHub"), new Uri(_options.ApiUrl))
            {
                Credentials = new Credentials(_options.Token),
            };
            _client.SetRequestTimeout(TimeSpan.FromSeconds(_options.TimeoutSeconds));
            _api = new ApiConnection(_client.Connection);
        }
    }

    public bool Configured => _client is not null;

    public async Task<PullRequestResult> OpenDraftAsync(PullRequestDraft draft, CancellationToken ct)
    {
        var client = Client();
        Validate(draft);
        var (owner, repo, branch) = (draft.Owner, draft.Repo, draft.Branch);
        var where = $"{owner}/{repo}";

        var baseSha = (await Call($"read branch {draft.BaseBranch} of {where}", () => FindBranchAsync(owner, repo, draft.BaseBranch, ct), ct))
            ?? throw new GitHubRequestException($"Branch {draft.BaseBranch} does not exist in {where} (or the token cannot see the repository).", 404);

        var pushed = await Call($"read branch {branch} of {where}", () => FindBranchAsync(owner, repo, branch, ct), ct);
        string commitSha, parentSha;
        var branchReused = pushed is not null;
        if (pushed is null)
        {
            var baseCommit = await Call($"read commit {baseSha} of {where}", () => client.Git.Commit.Get(owner, repo, baseSha), ct);
            var tree = await CreateTreeAsync(draft, baseCommit.Tree.Sha, ct);
            if (tree == baseCommit.Tree.Sha)
            {
                throw new InvalidInputException($"The change leaves {draft.BaseBranch} of {where} as it is; there is nothing to propose.", "Empty change");
            }

            var commit = await Call($"create the commit in {where}", () => client.Git.Commit.Create(owner, repo, new NewCommit(draft.CommitMessage, tree, baseSha)), ct);
            try
            {
                await Call($"create branch {branch} in {where}", () => client.Git.Reference.Create(owner, repo, new NewReference($"refs/heads/{branch}", commit.Sha)), ct);
                (commitSha, parentSha) = (commit.Sha, baseSha);
            }
            catch (GitHubRequestException e) when (e.StatusCode == 422)
            {
                // Another run pushed the branch between our look and our create: judge its content like any existing branch.
                var raced = await Call($"read branch {branch} of {where}", () => FindBranchAsync(owner, repo, branch, ct), ct);
                if (raced is null)
                {
                    throw;
                }

                (commitSha, parentSha) = await ReuseBranchAsync(draft, baseSha, raced, ct);
                branchReused = true;
            }
        }
        else
        {
            (commitSha, parentSha) = await ReuseBranchAsync(draft, baseSha, pushed, ct);
        }

        var (pullRequest, pullRequestReused) = await FindOrOpenPullRequestAsync(draft, ct);
        _logger.LogInformation("Draft pull request #{Number} in {Repository} from {Branch} at {Commit} (branch reused: {BranchReused}, pull request reused: {PullRequestReused})",
            pullRequest.Number, where, branch, commitSha, branchReused, pullRequestReused);
        return new PullRequestResult(pullRequest.Number, pullRequest.HtmlUrl, branch, commitSha, branchReused || pullRequestReused, parentSha);
    }

    public async Task<PullRequestState> GetStateAsync(string owner, string repo, int number, CancellationToken ct)
    {
        var client = Client();
        var pr = await Call($"read pull request #{number} of {owner}/{repo}", () => client.PullRequest.Get(owner, repo, number), ct);
        return new PullRequestState(pr.Number, pr.HtmlUrl, pr.State.Value == ItemState.Open ? "open" : "closed",
            pr.Merged, pr.ClosedAt, pr.MergedAt, pr.MergedBy?.Login);
    }

    /// <summary>
    /// An existing branch is ours when it is one commit on a commit of the base history whose tree is
    /// that commit's tree plus the change (so a retry after the base moved on still recognises it).
    /// </summary>
    private async Task<(string CommitSha, string ParentSha)> ReuseBranchAsync(PullRequestDraft draft, string baseSha, string headSha, CancellationToken ct)
    {
        var (owner, repo, where) = (draft.Owner, draft.Repo, $"{draft.Owner}/{draft.Repo}");
        var client = Client();
        var conflict = new BranchConflictException(draft.Branch, where);

        var head = await Call($"read commit {headSha} of {where}", () => client.Git.Commit.Get(owner, repo, headSha), ct);
        if (head.Parents.Count != 1)
        {
            throw conflict;
        }

        var parentSha = head.Parents[0].Sha;
        if (parentSha != baseSha)
        {
            var comparison = await Call($"compare {parentSha} with {draft.BaseBranch} in {where}",
                () => client.Repository.Commit.Compare(owner, repo, parentSha, baseSha), ct);
            if (comparison.Status is not ("ahead" or "identical"))
            {
                throw conflict;
            }
        }

        var parent = await Call($"read commit {parentSha} of {where}", () => client.Git.Commit.Get(owner, repo, parentSha), ct);
        var expectedTree = await CreateTreeAsync(draft, parent.Tree.Sha, ct);
        return expectedTree == head.Tree.Sha ? (head.Sha, parentSha) : throw conflict;
    }

    private async Task<(PullRequest PullRequest, bool Reused)> FindOrOpenPullRequestAsync(PullRequestDraft draft, CancellationToken ct)
    {
        var client = Client();
        var where = $"{draft.Owner}/{draft.Repo}";
        var existing = await FindPullRequestAsync(draft, ct);
        if (existing is not null)
        {
            return (existing, true);
        }

        var request = new NewPullRequest(draft.Title, draft.Branch, draft.BaseBranch) { Body = draft.Body, Draft = true };
        try
        {
            return (await Call($"open the draft pull request from {draft.Branch} in {where}", () => client.PullRequest.Create(draft.Owner, draft.Repo, request), ct), false);
        }
        catch (GitHubRequestException e) when (e.StatusCode == 422)
        {
            // A pull request from this branch was opened meanwhile (GitHub allows one open per head and base).
            var raced = await FindPullRequestAsync(draft, ct);
            if (raced is null)
            {
                throw;
            }

            return (raced, true);
        }
    }

    private async Task<PullRequest?> FindPullRequestAsync(PullRequestDraft draft, CancellationToken ct)
    {
        var filter = new PullRequestRequest { State = ItemStateFilter.All, Head = $"{draft.Owner}:{draft.Branch}" };
        var found = await Call($"list pull requests from {draft.Branch} in {draft.Owner}/{draft.Repo}",
            () => Client().PullRequest.GetAllForRepository(draft.Owner, draft.Repo, filter), ct);
        return found.Where(p => p.Head?.Ref == draft.Branch)
            .OrderByDescending(p => p.State.Value == ItemState.Open)
            .ThenByDescending(p => p.Number)
            .FirstOrDefault();
    }

    /// <summary>Blobs for the new contents, then one tree on <paramref name="baseTree"/>; both are content-addressed, so repeating this is harmless.</summary>
    private async Task<string> CreateTreeAsync(PullRequestDraft draft, string baseTree, CancellationToken ct)
    {
        var (owner, repo, where) = (draft.Owner, draft.Repo, $"{draft.Owner}/{draft.Repo}");
        var entries = new List<TreeEntry>();
        foreach (var change in draft.Changes)
        {
            string? sha = null;
            if (change.Content is not null)
            {
                var blob = new NewBlob { Content = Convert.ToBase64String(Encoding.UTF8.GetBytes(change.Content)), Encoding = EncodingType.Base64 };
                sha = (await Call($"upload {change.Path} to {where}", () => Client().Git.Blob.Create(owner, repo, blob), ct)).Sha;
            }

            entries.Add(new TreeEntry { Path = change.Path, Mode = change.Mode, Sha = sha });
        }

        var tree = new TreeWithDeletions { BaseTree = baseTree, Tree = entries };
        var created = await Call($"create the tree in {where}",
            () => Api().Post<TreeResponse>(new Uri($"repos/{Escape(owner)}/{Escape(repo)}/git/trees", UriKind.Relative), tree, ct), ct);
        return created.Sha;
    }

    /// <summary>
    /// The branch's head commit, or null. The singular git/ref endpoint matches exactly; the plural one
    /// answers a list when only longer names share the prefix.
    /// </summary>
    private async Task<string?> FindBranchAsync(string owner, string repo, string branch, CancellationToken ct)
    {
        var path = string.Join('/', branch.Split('/').Select(Escape));
        try
        {
            var found = await Api().Get<Reference>(new Uri($"repos/{Escape(owner)}/{Escape(repo)}/git/ref/heads/{path}", UriKind.Relative)).WaitAsync(ct);
            return found.Object.Sha;
        }
        catch (Octokit.NotFoundException)
        {
            return null;
        }
    }

    /// <summary>Turns Octokit's and the network's failures into ours: which step failed and why, never the token.</summary>
    private async Task<T> Call<T>(string step, Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call().WaitAsync(ct);
        }
        catch (RateLimitExceededException e)
        {
            throw new GitHubUnavailableException($"GitHub's rate limit was reached trying to {step}; it resets at {e.Reset:u}.", e.GetRetryAfterTimeSpan(), e);
        }
        catch (SecondaryRateLimitExceededException e)
        {
            throw new GitHubUnavailableException($"GitHub's secondary rate limit stopped us trying to {step}.", TimeSpan.FromMinutes(1), e);
        }
        catch (AbuseException e)
        {
            throw new GitHubUnavailableException($"GitHub asked us to slow down trying to {step}.", TimeSpan.FromSeconds(e.RetryAfterSeconds ?? 60), e);
        }
        catch (AuthorizationException e)
        {
            throw new GitHubRequestException($"GitHub rejected the token trying to {step} (401 {Said(e)}); check GitHub:Token.", 401, e);
        }
        catch (ForbiddenException e)
        {
            throw new GitHubRequestException($"GitHub refused to {step} (403 {Said(e)}); the token needs contents and pull-requests write access.", 403, e);
        }
        catch (Octokit.NotFoundException e)
        {
            throw new GitHubRequestException($"GitHub answered 404 trying to {step}: the repository does not exist or the token cannot see it.", 404, e);
        }
        catch (ApiValidationException e)
        {
            var details = string.Join("; ", e.ApiError?.Errors?.Select(x => x.Message ?? $"{x.Field} {x.Code}") ?? []);
            throw new GitHubRequestException($"GitHub refused to {step} (422 {Said(e)}{(details.Length > 0 ? ": " + Scrub(details) : "")}).", 422, e);
        }
        catch (ApiException e) when ((int)e.StatusCode >= 500 || e.StatusCode == HttpStatusCode.TooManyRequests)
        {
            throw new GitHubUnavailableException($"GitHub failed trying to {step} ({(int)e.StatusCode} {Said(e)}); nothing after this step was done.", TimeSpan.FromSeconds(30), e);
        }
        catch (ApiException e)
        {
            throw new GitHubRequestException($"GitHub refused to {step} ({(int)e.StatusCode} {Said(e)}).", (int)e.StatusCode, e);
        }
        catch (HttpRequestException e)
        {
            throw new GitHubUnavailableException($"GitHub at {_options.ApiUrl} could not be reached to {step}: {Scrub(e.Message)}", TimeSpan.FromSeconds(30), e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new GitHubUnavailableException($"GitHub did not answer within {_options.TimeoutSeconds} s trying to {step}.", TimeSpan.FromSeconds(30), e);
        }
    }

    private string Said(ApiException e) => Scrub(e.ApiError?.Message ?? e.Message);

    // GitHub does not echo tokens, but a proxy or a fake might: the token never reaches a message.
    private string Scrub(string text) =>
        string.IsNullOrEmpty(_options.Token) ? text : text.Replace(_options.Token, "***", StringComparison.Ordinal);

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private GitHubClient Client() =>
        _client ?? throw new InvalidOperationException("GitHub is not configured (GitHub:Token is empty); publish the change as a local branch instead.");

    private ApiConnection Api() => _api ?? throw new InvalidOperationException("GitHub is not configured (GitHub:Token is empty).");

    private static void Validate(PullRequestDraft draft)
    {
        var errors = new List<string>();
        if (!IsName(draft.Owner) || !IsName(draft.Repo))
        {
            errors.Add($"'{draft.Owner}/{draft.Repo}' is not an owner/repository pair.");
        }

        errors.AddRange(new[] { draft.BaseBranch, draft.Branch }.Where(b => !BranchNames.IsValid(b)).Select(b => $"'{b}' is not a valid branch name."));
        if (draft.Branch == draft.BaseBranch)
        {
            errors.Add("The branch and the base branch are the same.");
        }

        if (draft.Changes.Count == 0)
        {
            errors.Add("The change has no files.");
        }

        foreach (var change in draft.Changes)
        {
            if (change.Path.Length == 0 || change.Path.StartsWith('/') || change.Path.EndsWith('/')
                || change.Path.Split('/').Any(part => part is "" or "." or ".." or ".git"))
            {
                errors.Add($"'{change.Path}' is not a relative file path inside the repository.");
            }

            if (change.Mode is not ("100644" or "100755"))
            {
                errors.Add($"{change.Path}: mode {change.Mode} is not a file mode (100644 or 100755).");
            }
        }

        errors.AddRange(draft.Changes.GroupBy(c => c.Path).Where(g => g.Count() > 1).Select(g => $"{g.Key} is changed twice."));
        if (string.IsNullOrWhiteSpace(draft.CommitMessage) || string.IsNullOrWhiteSpace(draft.Title))
        {
            errors.Add("The commit message and the title must not be empty.");
        }

        if (errors.Count > 0)
        {
            throw new InvalidInputException(string.Join(" ", errors), "Invalid pull request draft");
        }
    }

    private static bool IsName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && name is not ("." or "..");

    // Octokit's NewTreeItem drops a null sha when serialising, and a null sha is how the Git Data API deletes a file.
    private sealed class TreeWithDeletions
    {
        public required string BaseTree { get; init; }
        public required IReadOnlyList<TreeEntry> Tree { get; init; }
    }

    private sealed class TreeEntry
    {
        public required string Path { get; init; }
        public required string Mode { get; init; }
        public string Type { get; init; } = "blob";

        [SerializeNull]
        public string? Sha { get; init; }
    }
}
