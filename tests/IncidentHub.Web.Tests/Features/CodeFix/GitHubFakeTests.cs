using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Tests.Features.Investigation;

namespace IncidentHub.Web.Tests.Features.CodeFix;

/// <summary>The fake refuses what GitHub (and our rule of draft-only pull requests) would refuse, so a passing test means something.</summary>
public sealed class GitHubFakeTests : IAsyncLifetime
{
    private readonly GitRepo _git = new();
    private readonly HttpClient _http = new();
    private GitHubFake _fake = null!;

    public async Task InitializeAsync()
    {
        _git.Write("a.txt", "a\n");
        _git.Write("dir/b.txt", "b\n");
        _git.Commit("Base", new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero));
        _git.Git("branch", "topic");
        _fake = await GitHubFake.StartAsync();
        await _fake.SeedFromGitAsync("acme", "shop", _git.Path, "main");
        await _fake.SeedFromGitAsync("acme", "shop", _git.Path, "topic");
        _http.BaseAddress = new Uri(_fake.Url, "api/v3/repos/acme/shop/");
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", _fake.Token);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
        _git.Dispose();
    }

    [Fact]
    public async Task Seed_KeepsGitsShas()
    {
        var main = _git.Git("rev-parse", "main").Trim();

        var found = JsonNode.Parse(await _http.GetStringAsync("git/ref/heads/main"))!;

        Assert.Equal(main, found["object"]!["sha"]!.GetValue<string>());
        Assert.Equal(_git.Git("rev-parse", "main^{tree}").Trim(), _fake.Commit(main).Tree);
        Assert.Equal(new Dictionary<string, string> { ["a.txt"] = "a\n", ["dir/b.txt"] = "b\n" }, _fake.FilesAt(main));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("token wrong")]
    [InlineData("Basic Z2hwOng=")]
    public async Task Request_WithoutTheToken_Is401(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "git/ref/heads/main");
        _http.DefaultRequestHeaders.Authorization = null;
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"title":"t","head":"topic","base":"main"}""", 422)]
    [InlineData("""{"title":"t","head":"topic","base":"main","draft":false}""", 422)]
    [InlineData("""{"title":"t","head":"nope","base":"main","draft":true}""", 422)]
    [InlineData("""{"title":"t","head":"topic","base":"nope","draft":true}""", 422)]
    [InlineData("""{"title":"t","head":"topic","base":"main","draft":true""", 400)]
    [InlineData("""{"title":"t","head":"topic","base":"main","draft":true}""", 201)]
    public async Task CreatePullRequest_OnlyADraftBetweenExistingBranches_IsAccepted(string body, int status)
    {
        using var response = await _http.PostAsync("pulls", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(status == 201 ? 1 : 0, _fake.PullRequests.Count);
    }

    [Fact]
    public async Task CreateTree_EntryWithNeitherShaNorContent_Is422()
    {
        var main = _fake.Commit(_fake.BranchSha("acme", "shop", "main")!);
        var body = new JsonObject { ["base_tree"] = main.Tree, ["tree"] = new JsonArray(new JsonObject { ["path"] = "a.txt", ["mode"] = "100644", ["type"] = "blob" }) };

        using var response = await _http.PostAsync("git/trees", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Fact]
    public async Task FailNext_FailsOneMatchingRequestOnly()
    {
        _fake.FailNext("GET", "git/ref/heads/main$", 503);

        using var failed = await _http.GetAsync("git/ref/heads/main");
        using var served = await _http.GetAsync("git/ref/heads/main");

        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK), (failed.StatusCode, served.StatusCode));
        Assert.Equal([503, 200], _fake.Requests.Select(r => r.Status));
    }
}
