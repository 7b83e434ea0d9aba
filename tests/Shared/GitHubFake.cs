using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IncidentHub.Tests.Shared;

/// <summary>
/// GitHub's REST API as far as pushing a branch through the Git Data API and opening a pull request
/// go, on 127.0.0.1 under <c>/api/v3/</c> (where Octokit sends GitHub Enterprise calls). State lives in
/// memory: git objects hashed as git hashes them (so a tree seeded from a real clone keeps its sha), refs
/// and pull requests per repository. Every request is checked (token, JSON, what GitHub would answer
/// 401/404/422 to) and recorded. <see cref="HoldNext"/> and <see cref="FailNext"/> stop or break one
/// request, for crash and retry tests.
/// </summary>
public sealed class GitHubFake : IAsyncDisposable
{
    public const string DefaultToken = "ghp_FakeToken0123456789abcdefghijklmnopqr";

    private readonly object _gate = new();
    private readonly Dictionary<string, byte[]> _blobs = [];
    private readonly Dictionary<string, SortedDictionary<string, TreeFile>> _trees = [];
    private readonly Dictionary<string, FakeCommit> _commits = [];
    private readonly Dictionary<string, FakeRepository> _repositories = [];
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<Trap> _traps = [];
    private readonly List<(string Method, Regex Path, Func<HttpContext, Match, JsonNode?, IResult> Handle)> _routes;
    private WebApplication? _app;
    private long _clock = 1_800_000_000;

    private GitHubFake(string token)
    {
        Token = token;
        _routes =
        [
            ("GET", RouteRegex(@"git/refs?/(?<ref>.+)"), GetRef),
            ("POST", RouteRegex("git/refs"), CreateRef),
            ("PATCH", RouteRegex("git/refs/(?<ref>.+)"), UpdateRef),
            ("GET", RouteRegex("git/commits/(?<sha>[0-9a-f]{40})"), GetCommit),
            ("POST", RouteRegex("git/commits"), CreateCommit),
            ("GET", RouteRegex("git/trees/(?<sha>[0-9a-f]{40})"), GetTree),
            ("POST", RouteRegex("git/trees"), CreateTree),
            ("GET", RouteRegex("git/blobs/(?<sha>[0-9a-f]{40})"), GetBlob),
            ("POST", RouteRegex("git/blobs"), CreateBlob),
            ("GET", RouteRegex("pulls"), ListPullRequests),
            ("POST", RouteRegex("pulls"), CreatePullRequest),
            ("GET", RouteRegex(@"pulls/(?<number>\d+)"), GetPullRequest),
            ("GET", RouteRegex(@"compare/(?<base>[^./]+)\.\.\.(?<head>[^./]+)"), Compare),
        ];
    }

    /// <summary>Root to give Octokit (GitHub:ApiUrl): http://127.0.0.1:port/; requests arrive under /api/v3/.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The only token accepted ("Authorization: token X" or "Bearer X").</summary>
    public string Token { get; }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public IReadOnlyList<FakePullRequest> PullRequests
    {
        get
        {
            lock (_gate)
            {
                return [.. _repositories.Values.SelectMany(r => r.PullRequests).OrderBy(p => p.Created).Select(p => p with { })];
            }
        }
    }

    public static async Task<GitHubFake> StartAsync(string token = DefaultToken)
    {
        var fake = new GitHubFake(token);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Map("/api/v3/{**path}", fake.HandleAsync);
        app.MapFallback(context =>
        {
            context.Response.StatusCode = 404;
            return context.Response.WriteAsJsonAsync(new { message = $"Not Found (the fake serves /api/v3/, not {context.Request.Path})" });
        });
        await app.StartAsync();
        fake._app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.Url = new Uri(address.TrimEnd('/') + "/");
        return fake;
    }

    // ---- seeding and inspection -------------------------------------------------------------

    /// <summary>
    /// Creates <paramref name="owner"/>/<paramref name="repo"/> if needed and loads <paramref name="branch"/> of the
    /// clone at <paramref name="path"/>: every commit of its history with its tree and file contents, and the ref.
    /// Call again for more branches.
    /// </summary>
    public async Task SeedFromGitAsync(string owner, string repo, string path, string branch)
    {
        var history = Encoding.UTF8.GetString(await GitAsync(path, "log", "--format=%H %T %P%x00%B%x00", branch))
            .Split('\0').Select(s => s.Trim()).ToList();
        var commits = new List<FakeCommit>();
        for (var i = 0; i + 1 < history.Count; i += 2)
        {
            var ids = history[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            commits.Add(new FakeCommit(ids[0], ids[1], ids[2..], history[i + 1], "Seeded", "seeded@test.local", DateTimeOffset.UnixEpoch));
        }

        foreach (var commit in commits)
        {
            var files = new SortedDictionary<string, TreeFile>(StringComparer.Ordinal);
            var listing = Encoding.UTF8.GetString(await GitAsync(path, "ls-tree", "-r", "-z", "--full-tree", commit.Sha));
            foreach (var line in listing.Split('\0', StringSplitOptions.RemoveEmptyEntries))
            {
                var (meta, file) = (line[..line.IndexOf('\t')], line[(line.IndexOf('\t') + 1)..]);
                var parts = meta.Split(' ');
                var content = await GitAsync(path, "cat-file", "blob", parts[2]);
                lock (_gate)
                {
                    _blobs[parts[2]] = content;
                }

                files[file] = new TreeFile(parts[0], parts[2]);
            }

            var tree = AddTree(files);
            if (tree != commit.Tree)
            {
                throw new InvalidOperationException($"The fake hashed the tree of {commit.Sha} as {tree}, git says {commit.Tree}.");
            }

            lock (_gate)
            {
                _commits[commit.Sha] = commit;
            }
        }

        lock (_gate)
        {
            Repository(owner, repo, create: true)!.Refs[$"refs/heads/{branch}"] = commits[0].Sha;
        }
    }

    /// <summary>The commit a branch points at, or null.</summary>
    public string? BranchSha(string owner, string repo, string branch)
    {
        lock (_gate)
        {
            return Repository(owner, repo)?.Refs.GetValueOrDefault($"refs/heads/{branch}");
        }
    }

    /// <summary>Every file of a commit's tree: path -> content (UTF-8).</summary>
    public IReadOnlyDictionary<string, string> FilesAt(string commitSha)
    {
        lock (_gate)
        {
            var commit = _commits.GetValueOrDefault(commitSha) ?? throw new KeyNotFoundException($"No commit {commitSha} in the fake.");
            return _trees[commit.Tree].ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(_blobs[f.Value.Sha]), StringComparer.Ordinal);
        }
    }

    public FakeCommit Commit(string sha)
    {
        lock (_gate)
        {
            return _commits[sha];
        }
    }

    /// <summary>Closes the pull request as merged by <paramref name="by"/>, as the merge button does (the base branch is left as it is).</summary>
    public void MergePullRequest(string owner, string repo, int number, string by = "octocat") =>
        UpdatePullRequest(owner, repo, number, p => p with { State = "closed", Merged = true, MergedBy = by, MergedAt = Now(), ClosedAt = Now() });

    public void ClosePullRequest(string owner, string repo, int number) =>
        UpdatePullRequest(owner, repo, number, p => p with { State = "closed", ClosedAt = Now() });

    /// <summary>
    /// The next request whose method is <paramref name="method"/> and whose path (after /api/v3/) matches the
    /// regex <paramref name="pathPattern"/> (e.g. <c>"repos/acme/shop/pulls$"</c>) waits, already authorized
    /// and recorded as arrived, until the handle is released (then it is served) or failed.
    /// </summary>
    public HeldRequest HoldNext(string method, string pathPattern)
    {
        var held = new HeldRequest();
        lock (_gate)
        {
            _traps.Add(new Trap(method, new Regex(pathPattern), held, null));
        }

        return held;
    }

    /// <summary>The next matching request is answered <paramref name="status"/> and changes nothing.</summary>
    public void FailNext(string method, string pathPattern, int status = 500)
    {
        lock (_gate)
        {
            _traps.Add(new Trap(method, new Regex(pathPattern), null, status));
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            foreach (var trap in _traps)
            {
                trap.Hold?.Fail(503);
            }
        }

        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    // ---- the pipeline every request goes through -------------------------------------------

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value!["/api/v3/".Length..];
        var method = context.Request.Method;
        var body = await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync();
        var authorization = context.Request.Headers.Authorization.ToString();
        var request = new RecordedRequest(method, path, context.Request.QueryString.Value ?? "", authorization, body);
        lock (_gate)
        {
            _requests.Add(request);
        }

        var result = await AnswerAsync(context, method, path, body, authorization);
        request.Status = result is IStatusCodeHttpResult { StatusCode: { } status } ? status : 200;
        await result.ExecuteAsync(context);
    }

    private async Task<IResult> AnswerAsync(HttpContext context, string method, string path, string body, string authorization)
    {
        var presented = authorization.Split(' ', 2);
        if (presented.Length != 2 || presented[0].ToLowerInvariant() is not ("token" or "bearer") || presented[1] != Token)
        {
            return Error(401, "Bad credentials");
        }

        Trap? trap;
        lock (_gate)
        {
            trap = _traps.FirstOrDefault(t => t.Method == method && t.Path.IsMatch(path));
            if (trap is not null)
            {
                _traps.Remove(trap);
            }
        }

        var failWith = trap?.FailWith;
        if (trap?.Hold is { } hold)
        {
            failWith = await hold.WaitAsync();
        }

        if (failWith is { } status)
        {
            return Error(status, $"Fake failure {status}");
        }

        JsonNode? json = null;
        if (body.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(body);
            }
            catch (JsonException)
            {
                return Error(400, "Problems parsing JSON");
            }
        }

        if (method is "POST" or "PATCH" && json is not JsonObject)
        {
            return Error(400, "Problems parsing JSON");
        }

        foreach (var (routeMethod, pattern, handle) in _routes)
        {
            if (routeMethod == method && pattern.Match(Uri.UnescapeDataString(path)) is { Success: true } match)
            {
                if (Repository(match.Groups["owner"].Value, match.Groups["repo"].Value) is null)
                {
                    return Error(404, "Not Found");
                }

                lock (_gate)
                {
                    return handle(context, match, json);
                }
            }
        }

        return Error(404, "Not Found");
    }

    // ---- git data --------------------------------------------------------------------------

    private IResult GetRef(HttpContext context, Match route, JsonNode? _)
    {
        var repo = Repository(route)!;
        var name = "refs/" + route.Groups["ref"].Value;
        return repo.Refs.TryGetValue(name, out var sha) ? Results.Json(RefJson(route, name, sha)) : Error(404, "Not Found");
    }

    private IResult CreateRef(HttpContext context, Match route, JsonNode? json)
    {
        var repo = Repository(route)!;
        var (name, sha) = (Text(json, "ref"), Text(json, "sha"));
        if (name is null || sha is null || !name.StartsWith("refs/", StringComparison.Ordinal) || name.Count(c => c == '/') < 2)
        {
            return Error(422, "Reference name and sha are required; the name starts with refs/ and has two slashes");
        }

        if (!_commits.ContainsKey(sha))
        {
            return Error(422, "Object does not exist");
        }

        if (repo.Refs.ContainsKey(name))
        {
            return Error(422, "Reference already exists");
        }

        repo.Refs[name] = sha;
        return Results.Json(RefJson(route, name, sha), statusCode: 201);
    }

    private IResult UpdateRef(HttpContext context, Match route, JsonNode? json)
    {
        var repo = Repository(route)!;
        var name = "refs/" + route.Groups["ref"].Value;
        var sha = Text(json, "sha");
        if (!repo.Refs.TryGetValue(name, out var old))
        {
            return Error(422, "Reference does not exist");
        }

        if (sha is null || !_commits.ContainsKey(sha))
        {
            return Error(422, "Object does not exist");
        }

        if (json!["force"]?.GetValue<bool>() != true && !Ancestors(sha).Contains(old))
        {
            return Error(422, "Update is not a fast forward");
        }

        repo.Refs[name] = sha;
        return Results.Json(RefJson(route, name, sha));
    }

    private IResult GetCommit(HttpContext context, Match route, JsonNode? _) =>
        _commits.TryGetValue(route.Groups["sha"].Value, out var commit) ? Results.Json(CommitJson(route, commit)) : Error(404, "Not Found");

    private IResult CreateCommit(HttpContext context, Match route, JsonNode? json)
    {
        var (message, tree) = (Text(json, "message"), Text(json, "tree"));
        var parents = (json!["parents"] as JsonArray)?.Select(p => p?.GetValue<string>() ?? "").ToArray() ?? [];
        if (message is null || tree is null)
        {
            return Error(422, "message and tree are required");
        }

        if (!_trees.ContainsKey(tree) || parents.Any(p => !_commits.ContainsKey(p)))
        {
            return Error(422, "Tree SHA or parent SHA does not exist");
        }

        var author = json["author"] as JsonObject;
        var (name, email, at) = (Text(author, "name") ?? "Token Owner", Text(author, "email") ?? "owner@test.local", Now());
        var text = $"tree {tree}\n{string.Concat(parents.Select(p => $"parent {p}\n"))}author {name} <{email}> {at.ToUnixTimeSeconds()} +0000\ncommitter {name} <{email}> {at.ToUnixTimeSeconds()} +0000\n\n{message}";
        var commit = new FakeCommit(Hash("commit", Encoding.UTF8.GetBytes(text)), tree, parents, message, name, email, at);
        _commits[commit.Sha] = commit;
        return Results.Json(CommitJson(route, commit), statusCode: 201);
    }

    private IResult GetTree(HttpContext context, Match route, JsonNode? _) =>
        _trees.TryGetValue(route.Groups["sha"].Value, out var files) ? Results.Json(TreeJson(route, route.Groups["sha"].Value, files)) : Error(404, "Not Found");

    /// <summary>base_tree plus entries; an entry's sha names a blob, content makes one, an explicit "sha": null deletes the path.</summary>
    private IResult CreateTree(HttpContext context, Match route, JsonNode? json)
    {
        var files = new SortedDictionary<string, TreeFile>(StringComparer.Ordinal);
        if (Text(json, "base_tree") is { } baseTree)
        {
            if (!_trees.TryGetValue(baseTree, out var baseFiles))
            {
                return Error(422, "Invalid tree info: base_tree does not exist");
            }

            foreach (var (path, file) in baseFiles)
            {
                files[path] = file;
            }
        }

        if (json!["tree"] is not JsonArray entries)
        {
            return Error(422, "Invalid tree info: tree is required");
        }

        foreach (var entry in entries.OfType<JsonObject>())
        {
            var (path, mode, type) = (Text(entry, "path"), Text(entry, "mode"), Text(entry, "type") ?? "blob");
            if (path is null || mode is not ("100644" or "100755" or "120000") || type != "blob")
            {
                return Error(422, $"Invalid tree info: {entry.ToJsonString()}");
            }

            if (entry.ContainsKey("sha") && entry["sha"] is null)
            {
                files.Remove(path);
                foreach (var below in files.Keys.Where(k => k.StartsWith(path + "/", StringComparison.Ordinal)).ToList())
                {
                    files.Remove(below);
                }
            }
            else if (Text(entry, "sha") is { } sha)
            {
                if (!_blobs.ContainsKey(sha))
                {
                    return Error(422, $"Invalid tree info: blob {sha} does not exist");
                }

                files[path] = new TreeFile(mode, sha);
            }
            else if (Text(entry, "content") is { } content)
            {
                files[path] = new TreeFile(mode, AddBlob(Encoding.UTF8.GetBytes(content)));
            }
            else
            {
                return Error(422, "Must supply either tree.sha or tree.content");
            }
        }

        var treeSha = AddTree(files);
        return Results.Json(TreeJson(route, treeSha, files), statusCode: 201);
    }

    private IResult GetBlob(HttpContext context, Match route, JsonNode? _)
    {
        var sha = route.Groups["sha"].Value;
        return _blobs.TryGetValue(sha, out var content)
            ? Results.Json(new { sha, size = content.Length, url = ApiUrl(route, $"git/blobs/{sha}"), content = Convert.ToBase64String(content), encoding = "base64" })
            : Error(404, "Not Found");
    }

    private IResult CreateBlob(HttpContext context, Match route, JsonNode? json)
    {
        var (content, encoding) = (Text(json, "content"), Text(json, "encoding") ?? "utf-8");
        if (content is null || encoding is not ("utf-8" or "base64"))
        {
            return Error(422, "content is required; encoding is utf-8 or base64");
        }

        byte[] bytes;
        try
        {
            bytes = encoding == "base64" ? Convert.FromBase64String(content) : Encoding.UTF8.GetBytes(content);
        }
        catch (FormatException)
        {
            return Error(422, "content is not base64");
        }

        var sha = AddBlob(bytes);
        return Results.Json(new { sha, url = ApiUrl(route, $"git/blobs/{sha}") }, statusCode: 201);
    }

    private IResult Compare(HttpContext context, Match route, JsonNode? _)
    {
        var repo = Repository(route)!;
        var (baseSha, headSha) = (Resolve(repo, route.Groups["base"].Value), Resolve(repo, route.Groups["head"].Value));
        if (baseSha is null || headSha is null)
        {
            return Error(404, "Not Found");
        }

        var (baseAncestors, headAncestors) = (Ancestors(baseSha), Ancestors(headSha));
        var aheadBy = headAncestors.Count(c => !baseAncestors.Contains(c));
        var behindBy = baseAncestors.Count(c => !headAncestors.Contains(c));
        var status = (aheadBy, behindBy) switch { (0, 0) => "identical", (_, 0) => "ahead", (0, _) => "behind", _ => "diverged" };
        return Results.Json(new
        {
            url = ApiUrl(route, $"compare/{baseSha}...{headSha}"),
            status,
            ahead_by = aheadBy,
            behind_by = behindBy,
            total_commits = aheadBy,
            base_commit = new { sha = baseSha },
            commits = Array.Empty<object>(),
            files = Array.Empty<object>(),
        });
    }

    // ---- pull requests ---------------------------------------------------------------------

    private IResult ListPullRequests(HttpContext context, Match route, JsonNode? _)
    {
        var query = context.Request.Query;
        var (state, head, @base) = (query["state"].ToString(), query["head"].ToString(), query["base"].ToString());
        var owner = route.Groups["owner"].Value;
        var found = Repository(route)!.PullRequests
            .Where(p => state is "all" || p.State == (state.Length == 0 ? "open" : state))
            .Where(p => head.Length == 0 || $"{owner}:{p.Head}" == head)
            .Where(p => @base.Length == 0 || p.Base == @base)
            .OrderByDescending(p => p.Number);
        return Results.Json(found.Select(p => PullRequestJson(route, p)).ToList());
    }

    private IResult CreatePullRequest(HttpContext context, Match route, JsonNode? json)
    {
        var repo = Repository(route)!;
        var (title, head, @base) = (Text(json, "title"), Text(json, "head"), Text(json, "base"));
        var draft = json!["draft"] is JsonValue value && value.TryGetValue<bool>(out var d) && d;
        if (title is null || head is null || @base is null)
        {
            return Error(422, "title, head and base are required");
        }

        if (!draft)
        {
            return Error(422, "IncidentHub only ever opens draft pull requests (draft must be true)");
        }

        var headBranch = head.Contains(':') ? head[(head.IndexOf(':') + 1)..] : head;
        if (!repo.Refs.TryGetValue($"refs/heads/{headBranch}", out var headSha) || !repo.Refs.ContainsKey($"refs/heads/{@base}"))
        {
            return Error(422, $"head {head} or base {@base} does not exist");
        }

        if (headBranch == @base)
        {
            return Error(422, "head and base are the same branch");
        }

        if (repo.PullRequests.Any(p => p.Head == headBranch && p.Base == @base && p.State == "open"))
        {
            return Error(422, $"A pull request already exists for {route.Groups["owner"].Value}:{headBranch}.");
        }

        var pr = new FakePullRequest(route.Groups["owner"].Value, route.Groups["repo"].Value, repo.PullRequests.Count + 1, title, Text(json, "body"),
            headBranch, headSha, @base, draft, "open", false, null, Now(), null, null);
        repo.PullRequests.Add(pr);
        return Results.Json(PullRequestJson(route, pr), statusCode: 201);
    }

    private IResult GetPullRequest(HttpContext context, Match route, JsonNode? _)
    {
        var number = int.Parse(route.Groups["number"].Value, CultureInfo.InvariantCulture);
        return Repository(route)!.PullRequests.FirstOrDefault(p => p.Number == number) is { } pr
            ? Results.Json(PullRequestJson(route, pr))
            : Error(404, "Not Found");
    }

    private void UpdatePullRequest(string owner, string repo, int number, Func<FakePullRequest, FakePullRequest> change)
    {
        lock (_gate)
        {
            var prs = Repository(owner, repo)?.PullRequests ?? throw new KeyNotFoundException($"No repository {owner}/{repo}.");
            var index = prs.FindIndex(p => p.Number == number);
            prs[index] = change(prs[index]);
        }
    }

    // ---- JSON as GitHub shapes it (the fields Octokit reads) -------------------------------

    private object RefJson(Match route, string name, string sha) => new
    {
        @ref = name,
        node_id = "REF_" + sha[..8],
        url = ApiUrl(route, $"git/{name}"),
        @object = new { type = "commit", sha, url = ApiUrl(route, $"git/commits/{sha}") },
    };

    private object CommitJson(Match route, FakeCommit commit)
    {
        var person = new { name = commit.AuthorName, email = commit.AuthorEmail, date = Iso(commit.At) };
        return new
        {
            sha = commit.Sha,
            node_id = "C_" + commit.Sha[..8],
            url = ApiUrl(route, $"git/commits/{commit.Sha}"),
            message = commit.Message,
            author = person,
            committer = person,
            tree = new { sha = commit.Tree, url = ApiUrl(route, $"git/trees/{commit.Tree}") },
            parents = commit.Parents.Select(p => new { sha = p, url = ApiUrl(route, $"git/commits/{p}") }),
            verification = new { verified = false, reason = "unsigned" },
        };
    }

    private object TreeJson(Match route, string sha, SortedDictionary<string, TreeFile> files) => new
    {
        sha,
        url = ApiUrl(route, $"git/trees/{sha}"),
        tree = files.Select(f => new { path = f.Key, mode = f.Value.Mode, type = "blob", sha = f.Value.Sha, size = _blobs[f.Value.Sha].Length }),
        truncated = false,
    };

    private object PullRequestJson(Match route, FakePullRequest pr)
    {
        var (owner, repo) = (route.Groups["owner"].Value, route.Groups["repo"].Value);
        return new
        {
            id = 1000 + pr.Number,
            node_id = "PR_" + pr.Number,
            number = pr.Number,
            url = ApiUrl(route, $"pulls/{pr.Number}"),
            html_url = $"{Url}{owner}/{repo}/pull/{pr.Number}",
            state = pr.State,
            title = pr.Title,
            body = pr.Body,
            draft = pr.Draft,
            merged = pr.Merged,
            created_at = Iso(pr.Created),
            updated_at = Iso(pr.MergedAt ?? pr.ClosedAt ?? pr.Created),
            closed_at = pr.ClosedAt is { } closed ? Iso(closed) : null,
            merged_at = pr.MergedAt is { } merged ? Iso(merged) : null,
            merged_by = pr.MergedBy is { } by ? new { login = by, id = 2 } : null,
            user = new { login = "incidenthub-bot", id = 1 },
            head = new { label = $"{owner}:{pr.Head}", @ref = pr.Head, sha = pr.HeadSha },
            @base = new { label = $"{owner}:{pr.Base}", @ref = pr.Base, sha = Repository(owner, repo)!.Refs.GetValueOrDefault($"refs/heads/{pr.Base}") },
        };
    }

    // ---- helpers -----------------------------------------------------------------------------

    private FakeRepository? Repository(Match route) => Repository(route.Groups["owner"].Value, route.Groups["repo"].Value);

    private FakeRepository? Repository(string owner, string repo, bool create = false)
    {
        lock (_gate)
        {
            var key = $"{owner}/{repo}".ToLowerInvariant();
            if (!_repositories.TryGetValue(key, out var found) && create)
            {
                _repositories[key] = found = new FakeRepository();
            }

            return found;
        }
    }

    private string? Resolve(FakeRepository repo, string name) =>
        _commits.ContainsKey(name) ? name : repo.Refs.GetValueOrDefault($"refs/heads/{name}");

    private HashSet<string> Ancestors(string sha)
    {
        var seen = new HashSet<string>();
        var todo = new Stack<string>([sha]);
        while (todo.TryPop(out var next))
        {
            if (seen.Add(next) && _commits.TryGetValue(next, out var commit))
            {
                foreach (var parent in commit.Parents)
                {
                    todo.Push(parent);
                }
            }
        }

        return seen;
    }

    private string AddBlob(byte[] content)
    {
        var sha = Hash("blob", content);
        lock (_gate)
        {
            _blobs[sha] = content;
        }

        return sha;
    }

    /// <summary>Stores a flat path->file map under the sha git gives the nested tree it stands for.</summary>
    private string AddTree(SortedDictionary<string, TreeFile> files)
    {
        var sha = GitTreeSha(files.Select(f => (f.Key, f.Value)).ToList());
        lock (_gate)
        {
            _trees[sha] = files;
        }

        return sha;
    }

    private static string GitTreeSha(List<(string Path, TreeFile File)> files)
    {
        var entries = new List<(string Name, string Mode, string Sha, bool IsTree)>();
        foreach (var group in files.GroupBy(f => f.Path.Split('/')[0]))
        {
            var (name, first) = (group.Key, group.First());
            entries.Add(first.Path == name
                ? (name, first.File.Mode, first.File.Sha, false)
                : (name, "40000", GitTreeSha(group.Select(f => (f.Path[(name.Length + 1)..], f.File)).ToList()), true));
        }

        // git orders entries by name, a directory's name taken with a trailing slash.
        entries.Sort((a, b) => string.CompareOrdinal(a.IsTree ? a.Name + "/" : a.Name, b.IsTree ? b.Name + "/" : b.Name));
        using var content = new MemoryStream();
        foreach (var entry in entries)
        {
            content.Write(Encoding.UTF8.GetBytes($"{entry.Mode} {entry.Name}\0"));
            content.Write(Convert.FromHexString(entry.Sha));
        }

        return Hash("tree", content.ToArray());
    }

    private static string Hash(string type, byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"{type} {content.Length}\0"), .. content]));

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeSeconds(Interlocked.Increment(ref _clock));

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private string ApiUrl(Match route, string rest) => $"{Url}api/v3/repos/{route.Groups["owner"].Value}/{route.Groups["repo"].Value}/{rest}";

    private static string? Text(JsonNode? json, string name) =>
        json is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static IResult Error(int status, string message) =>
        Results.Json(new { message, documentation_url = "https://docs.github.com/rest" }, statusCode: status);

    private static Regex RouteRegex(string rest) => new($"^repos/(?<owner>[^/]+)/(?<repo>[^/]+)/{rest}$");

    private static async Task<byte[]> GitAsync(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        using var output = new MemoryStream();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.BaseStream.CopyToAsync(output);
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output.ToArray() : throw new InvalidOperationException($"git {string.Join(' ', args)}: {await error}");
    }

    private sealed record TreeFile(string Mode, string Sha);

    private sealed record Trap(string Method, Regex Path, HeldRequest? Hold, int? FailWith);

    private sealed class FakeRepository
    {
        public Dictionary<string, string> Refs { get; } = [];
        public List<FakePullRequest> PullRequests { get; } = [];
    }
}

/// <summary>One request as the fake received it; Status is what it answered (0 while held).</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string Authorization, string Body)
{
    public int Status { get; set; }

    public JsonNode? Json => Body.Length > 0 ? JsonNode.Parse(Body) : null;
}

public sealed record FakeCommit(string Sha, string Tree, IReadOnlyList<string> Parents, string Message, string AuthorName, string AuthorEmail, DateTimeOffset At);

public sealed record FakePullRequest(string Owner, string Repo, int Number, string Title, string? Body, string Head, string HeadSha, string Base,
    bool Draft, string State, bool Merged, string? MergedBy, DateTimeOffset Created, DateTimeOffset? ClosedAt, DateTimeOffset? MergedAt);

/// <summary>A request the fake holds: <see cref="Reached"/> completes when it arrives; then Release (serve it) or Fail (answer an error, change nothing).</summary>
public sealed class HeldRequest
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int?> _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reached => _reached.Task;

    public void Release() => _released.TrySetResult(null);

    public void Fail(int status = 500) => _released.TrySetResult(status);

    internal Task<int?> WaitAsync()
    {
        _reached.TrySetResult();
        return _released.Task;
    }
}
