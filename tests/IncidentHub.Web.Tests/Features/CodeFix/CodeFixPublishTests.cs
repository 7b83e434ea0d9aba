using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.CodeFix;
using IncidentHub.Web.Features.CodeFix.GitHub;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Remediation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackTrace = IncidentHub.Analysis.Diagnosis.StackTrace;

namespace IncidentHub.Web.Tests.Features.CodeFix;

/// <summary>
/// Approve the plan's code action and what people get: a draft pull request on (loopback) GitHub whose commit is exactly the
/// approved patch on the base, or, without repository.github, a branch in the local clone; merged/closed come back by webhook.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class CodeFixPublishTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Approve_ServiceOnGitHub_OpensOneDraftPullRequestWhoseCommitIsThePatchOnBase()
    {
        using var repo = FixRepository.Create();
        var owner = "acme";
        var name = $"conv{Guid.NewGuid():N}"[..12];
        await app.GitHub.SeedFromGitAsync(owner, name, repo.Path, "main");
        var (number, action) = await PlannedAsync(repo, $"{owner}/{name}");

        var done = await ApproveAndWaitAsync(number, action);

        Assert.Equal(ActionState.Succeeded, done.State);
        var pr = Assert.Single(app.GitHub.PullRequests, p => p.Repo == name);
        Assert.True(pr.Draft);
        Assert.Equal("main", pr.Base);
        Assert.StartsWith($"incident/INC-{number}-", pr.Head, StringComparison.Ordinal);
        Assert.Contains($"INC-{number}", pr.Title, StringComparison.Ordinal);
        Assert.Contains($"/incidents/{number}", pr.Body, StringComparison.Ordinal);
        Assert.Contains(repo.Suspect, pr.Body, StringComparison.Ordinal);
        Assert.All(app.GitHub.Requests.Where(r => r.Path.Contains($"/{name}/", StringComparison.Ordinal)),
            r => Assert.Equal($"token {app.GitHub.Token}", r.Authorization, ignoreCase: true));

        // The commit: one, on main's head, with main's files and the approved patch applied.
        var commit = app.GitHub.Commit(pr.HeadSha);
        Assert.Equal([app.GitHub.BranchSha(owner, name, "main")!], commit.Parents);
        var expected = Files(repo.Path);
        await ApplyAsync(expected, number, action.Arguments["patch_sha256"]);
        Assert.Equal(expected, app.GitHub.FilesAt(pr.HeadSha));
        Assert.Contains("if sessions == 0:", app.GitHub.FilesAt(pr.HeadSha)["calc.py"], StringComparison.Ordinal);

        // The link is on the timeline, and a second run of the action finds the pull request instead of opening another.
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        await using (var db = DiagnosisSeed.Db(app))
        {
            var entry = await db.Timeline.SingleAsync(t => t.IncidentId == incidentId && t.Kind == TimelineKind.PullRequest);
            Assert.Equal($"{app.GitHub.Url.GetLeftPart(UriPartial.Authority)}/{owner}/{name}/pull/{pr.Number}", entry.Details["url"]);
        }

        using (var scope = app.Services.CreateScope())
        {
            var again = await scope.ServiceProvider.GetRequiredService<CodeFixPublisher>().PublishAsync(incidentId, action.Arguments["patch_sha256"], action.Id, "x@y", CancellationToken.None);
            Assert.True(again.Succeeded);
        }

        Assert.Single(app.GitHub.PullRequests, p => p.Repo == name);
    }

    [Fact]
    public async Task Approve_NoGitHubRepository_MakesALocalBranchWithThePatchAndLeavesTheCheckoutAlone()
    {
        using var repo = FixRepository.Create();
        var head = repo.Head();
        var (number, action) = await PlannedAsync(repo, gitHub: null);

        var done = await ApproveAndWaitAsync(number, action);

        Assert.Equal(ActionState.Succeeded, done.State);
        Assert.Contains("push it with: git", done.Result, StringComparison.Ordinal);
        var branch = repo.Git("for-each-ref", "--format=%(refname:short)", "refs/heads/incident/").Trim();
        Assert.StartsWith($"incident/INC-{number}-", branch, StringComparison.Ordinal);
        Assert.Equal(head, repo.Git("rev-parse", $"{branch}^").Trim());
        Assert.Equal(head, repo.Head());
        Assert.Equal("", repo.Git("status", "--porcelain"));
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        await using var db = DiagnosisSeed.Db(app);
        var patch = await db.CodeFixCandidates.Where(c => c.IncidentId == incidentId && c.PatchHash == action.Arguments["patch_sha256"]).Select(c => c.Patch).SingleAsync();
        Assert.Equal(Normalise(patch), Normalise(repo.Git("diff", "--full-index", head, branch)));
    }

    [Fact]
    public async Task Publish_HashOfNoTestedPatch_PublishesNothing()
    {
        using var repo = FixRepository.Create();
        var (number, action) = await PlannedAsync(repo, gitHub: null);
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);

        using var scope = app.Services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<CodeFixPublisher>().PublishAsync(incidentId, new string('0', 64), action.Id, "x@y", CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.StartsWith("nothing was published", outcome.Result, StringComparison.Ordinal);
        Assert.Equal("", repo.Git("for-each-ref", "refs/heads/incident/").Trim());
    }

    [Fact]
    public async Task GitHubWebhook_SignedMergedEvent_PutsTheMergeOnTheTimeline_ForgedIsRefused()
    {
        using var repo = FixRepository.Create();
        var (number, action, name, pr, url) = await DraftPullRequestOpenedAsync(repo, "conv");
        var body = new JsonObject
        {
            ["action"] = "closed",
            ["number"] = pr.Number,
            ["pull_request"] = new JsonObject
            {
                ["html_url"] = url, ["number"] = pr.Number, ["merged"] = true, ["merged_at"] = "2026-12-07T12:00:00Z",
                ["head"] = new JsonObject { ["ref"] = pr.Head }, ["merged_by"] = new JsonObject { ["login"] = "dana" },
            },
            ["repository"] = new JsonObject { ["name"] = name, ["owner"] = new JsonObject { ["login"] = "acme" }, ["full_name"] = $"acme/{name}" },
            ["sender"] = new JsonObject { ["login"] = "dana" },
        }.ToJsonString();
        using var http = app.Client();

        var forged = await PostHookAsync(http, body, "sha256=" + new string('a', 64));
        var accepted = await PostHookAsync(http, body, Sign(body));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        await using var db = DiagnosisSeed.Db(app);
        var entries = await db.Timeline.Where(t => t.IncidentId == incidentId && t.Kind == TimelineKind.PullRequest).OrderBy(t => t.Id).Select(t => t.Text).ToListAsync();
        Assert.Equal(2, entries.Count);
        Assert.Equal($"Pull request #{pr.Number} was merged by dana: {action.Title["Draft pull request: ".Length..]}", entries[1]);
    }

    [Fact]
    public async Task GitHubWebhook_ADeliveryStoredButNotApplied_ByAStoppedProcess_IsAppliedByTheSweep_ItsRedeliveryChangesNothing()
    {
        using var repo = FixRepository.Create();
        var (number, action, name, pr, url) = await DraftPullRequestOpenedAsync(repo, "swp");
        var body = new JsonObject
        {
            ["action"] = "closed",
            ["pull_request"] = new JsonObject { ["html_url"] = url, ["number"] = pr.Number, ["merged"] = false, ["head"] = new JsonObject { ["ref"] = pr.Head } },
            ["repository"] = new JsonObject { ["name"] = name, ["owner"] = new JsonObject { ["login"] = "acme" } },
            ["sender"] = new JsonObject { ["login"] = "lee" },
        }.ToJsonString();
        var deliveryId = Guid.NewGuid().ToString();

        // The endpoint stored the verified delivery, then the process stopped before applying it.
        long stored;
        using (var scope = app.Services.CreateScope())
        {
            stored = (await scope.ServiceProvider.GetRequiredService<GitHubDeliveries>().StoreAsync(deliveryId, "pull_request", Encoding.UTF8.GetBytes(body), CancellationToken.None)).Delivery.Id;
        }

        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        Assert.Empty(await ClosedLinesAsync(incidentId));

        // A minute later the sweep (on a worker) applies what was left.
        using (var scope = app.Services.CreateScope())
        {
            var later = new FakeTimeProvider(DateTimeOffset.UtcNow + GitHubDeliveries.LeftAfter + TimeSpan.FromSeconds(5));
            await new GitHubDeliveries(scope.ServiceProvider.GetRequiredService<IncidentHub.Web.Infrastructure.Data.AppDbContext>(),
                scope.ServiceProvider.GetRequiredService<CodeFixService>(), later, NullLogger<GitHubDeliveries>.Instance).SweepAsync(CancellationToken.None);
        }

        Assert.Equal([$"Pull request #{pr.Number} was closed without merging by lee"], await ClosedLinesAsync(incidentId));
        await using (var db = DiagnosisSeed.Db(app))
        {
            var delivery = await db.GitHubDeliveries.AsNoTracking().SingleAsync(d => d.Id == stored);
            Assert.Equal((GitHubDeliveryStatus.Processed, body), (delivery.Status, Encoding.UTF8.GetString(delivery.Body)));
        }

        // GitHub's "Redeliver" of the same delivery: acknowledged as a duplicate, nothing recorded twice.
        using var http = app.Client();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/github/{IncidentHubFactory.GitHubWebhookToken}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Event", "pull_request");
        request.Headers.Add("X-GitHub-Delivery", deliveryId);
        request.Headers.Add("X-Hub-Signature-256", Sign(body));
        var redelivered = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, redelivered.StatusCode);
        Assert.True((await redelivered.Content.ReadFromJsonAsync<JsonObject>())!["duplicate"]!.GetValue<bool>());
        Assert.Single(await ClosedLinesAsync(incidentId));
    }

    /// <summary>A repository on (loopback) GitHub, its incident planned and the code action approved: the draft pull request it opened.</summary>
    private async Task<(int Number, PlanAction Action, string Name, FakePullRequest Pr, string Url)> DraftPullRequestOpenedAsync(FixRepository repo, string prefix)
    {
        var name = $"{prefix}{Guid.NewGuid():N}"[..12];
        await app.GitHub.SeedFromGitAsync("acme", name, repo.Path, "main");
        var (number, action) = await PlannedAsync(repo, $"acme/{name}");
        await ApproveAndWaitAsync(number, action);
        var pr = Assert.Single(app.GitHub.PullRequests, p => p.Repo == name);
        return (number, action, name, pr, $"{app.GitHub.Url.GetLeftPart(UriPartial.Authority)}/acme/{name}/pull/{pr.Number}");
    }

    private async Task<List<string>> ClosedLinesAsync(Guid incidentId)
    {
        await using var db = DiagnosisSeed.Db(app);
        return await db.Timeline.Where(t => t.IncidentId == incidentId && t.Kind == TimelineKind.PullRequest && t.Text.Contains("closed"))
            .OrderBy(t => t.Id).Select(t => t.Text).ToListAsync();
    }

    private static Task<HttpResponseMessage> PostHookAsync(HttpClient http, string body, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/github/{IncidentHubFactory.GitHubWebhookToken}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-GitHub-Event", "pull_request");
        request.Headers.Add("X-Hub-Signature-256", signature);
        return http.SendAsync(request);
    }

    private static string Sign(string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(IncidentHubFactory.GitHubWebhookSecret), Encoding.UTF8.GetBytes(body)));

    /// <summary>An incident diagnosed as the suspect commit's fault, analysed (no test command) and planned; returns its code action.</summary>
    private async Task<(int Number, PlanAction Action)> PlannedAsync(FixRepository repo, string? gitHub)
    {
        var number = await CodeFixScenario.DiagnosedAsync(app, repo, testCommand: null, gitHub);
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<CodeAnalysisJob>().RunAsync(incidentId, CancellationToken.None);
            await scope.ServiceProvider.GetRequiredService<PlanJob>().RunAsync(incidentId, CancellationToken.None);
        }

        await using var read = DiagnosisSeed.Db(app);
        var action = await read.PlanActions.AsNoTracking()
            .Where(a => a.IncidentId == incidentId && a.Tool == "code.revert" && a.State == ActionState.Proposed).SingleAsync();
        return (number, action);
    }

    private async Task<PlanAction> ApproveAndWaitAsync(int number, PlanAction action)
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);
        (await http.PostAsJsonAsync($"/api/incidents/{number}/plan/actions/{action.Id}/approve", new { hash = action.Hash })).EnsureSuccessStatusCode();
        return await Eventually.HoldsAsync(async () =>
            {
                await using var db = DiagnosisSeed.Db(app);
                return await db.PlanActions.AsNoTracking().SingleAsync(a => a.Id == action.Id);
            },
            a => a.State is ActionState.Succeeded or ActionState.Failed, TimeSpan.FromSeconds(60), "the approved code action to run");
    }

    private async Task ApplyAsync(Dictionary<string, string> files, int number, string hash)
    {
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        await using var db = DiagnosisSeed.Db(app);
        var patch = await db.CodeFixCandidates.Where(c => c.IncidentId == incidentId && c.PatchHash == hash).Select(c => c.Patch).SingleAsync();
        using var copy = FixRepository.Create();
        copy.Write("approved.patch", patch);
        copy.Git("apply", "approved.patch");
        File.Delete(Path.Combine(copy.Path, "approved.patch"));
        foreach (var (path, _) in files.ToList())
        {
            files[path] = File.ReadAllText(Path.Combine(copy.Path, path));
        }
    }

    private static Dictionary<string, string> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/.git/", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f), f => File.ReadAllText(f), StringComparer.Ordinal);

    private static string Normalise(string patch) => patch.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd();
}
