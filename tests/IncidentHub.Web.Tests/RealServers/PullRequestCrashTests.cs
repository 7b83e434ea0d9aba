extern alias cli;

using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using cli::IncidentHub.Cli.Commands;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Remediation;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// Kill -9 after the branch is pushed and while GitHub holds the "open pull request" call, start again on the same
/// database: the interrupted action runs again, finds its branch (same tree), opens the pull request, and exactly one
/// draft pull request exists, whose commit is the approved patch applied to the base.
/// </summary>
public sealed partial class PullRequestCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminToken = "ih_prcrash_admin_token_0123456789abcdefghi";
    private const string Owner = "northwind";
    private const string Repo = "quota-service";

    private TestDatabase _database = default!;
    private readonly string _work = Directory.CreateTempSubdirectory("ih-prcrash-").FullName;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task KillBetweenPushingTheBranchAndOpeningThePullRequest_ThenRestart_ExactlyOneDraftPullRequest()
    {
        await using var gitHub = await GitHubFake.StartAsync();
        var origin = Path.Combine(_work, "origin");
        RealProcess.Run("bash", [Path.Combine(BundleSource(), "repo", "make_repo.sh"), origin]);
        await gitHub.SeedFromGitAsync(Owner, Repo, origin, "main");
        var held = gitHub.HoldNext("POST", $"repos/{Owner}/{Repo}/pulls$");

        var settings = Settings(gitHub);
        await AppProcess.MigrateAsync(_database.ConnectionString, settings);
        var app = await AppProcess.StartAsync(_database.ConnectionString, settings: settings);
        int number;
        PlanAction code;
        try
        {
            number = await ImportAsync(app.Address);
            code = await Eventually.HoldsAsync(() => CodeActionAsync(number), a => a is not null, TimeSpan.FromSeconds(150),
                "the imported incident's plan with its code fix") ?? throw new InvalidOperationException();

            using var http = new HttpClient { BaseAddress = app.Address };
            http.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
            var approved = await http.PostAsJsonAsync($"/api/incidents/{number}/plan/actions/{code.Id}/approve", new { hash = code.Hash });
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);

            await held.Reached.WaitAsync(TimeSpan.FromSeconds(90));
            Assert.Empty(gitHub.PullRequests);
            Assert.NotNull(gitHub.BranchSha(Owner, Repo, BranchOf(gitHub)));
        }
        finally
        {
            await app.KillAsync();
            output.WriteLine(app.Log);
            await app.DisposeAsync();
        }

        // The dead worker's call is answered with an error, as a dropped connection would be: nothing was created by it.
        held.Fail(502);
        await using var restarted = await AppProcess.StartAsync(_database.ConnectionString, settings: settings);
        var done = await Eventually.HoldsAsync(() => ActionAsync(code.Id), a => a.State != ActionState.Running, TimeSpan.FromSeconds(150),
            "the remediation sweep to run the interrupted code action again");
        output.WriteLine(restarted.Log);

        Assert.Equal(ActionState.Succeeded, done.State);
        var pr = Assert.Single(gitHub.PullRequests);
        Assert.True(pr.Draft);
        Assert.Equal("main", pr.Base);
        Assert.StartsWith($"incident/INC-{number}-", pr.Head, StringComparison.Ordinal);
        Assert.Contains(pr.Head, BranchOf(gitHub), StringComparison.Ordinal);
        Assert.Contains(pr.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), done.Result, StringComparison.Ordinal);

        // One commit on the base whose tree is the approved patch applied to the base.
        var commit = gitHub.Commit(pr.HeadSha);
        Assert.Equal([gitHub.BranchSha(Owner, Repo, "main")!], commit.Parents);
        Assert.Equal(await ExpectedFilesAsync(origin, code.Arguments["patch_sha256"]), gitHub.FilesAt(pr.HeadSha));
        Assert.Single(gitHub.Requests, r => r.Method == "POST" && r.Path.EndsWith("/git/refs", StringComparison.Ordinal) && r.Status is >= 200 and < 300);
    }

    private static string BranchOf(GitHubFake gitHub) =>
        gitHub.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/git/refs", StringComparison.Ordinal))
            .Select(r => r.Json!["ref"]!.GetValue<string>()["refs/heads/".Length..]).First();

    /// <summary>The base's files with the approved patch applied by git, in a fresh clone.</summary>
    private async Task<IReadOnlyDictionary<string, string>> ExpectedFilesAsync(string origin, string patchHash)
    {
        await using var db = NewDb();
        var patch = await db.CodeFixCandidates.Where(c => c.PatchHash == patchHash).Select(c => c.Patch).SingleAsync();
        var clone = Path.Combine(_work, "expected");
        RealProcess.Run("git", ["clone", "--quiet", origin, clone]);
        await File.WriteAllTextAsync(Path.Combine(_work, "approved.patch"), patch);
        RealProcess.Run("git", ["apply", Path.Combine(_work, "approved.patch")], clone);
        return Directory.EnumerateFiles(clone, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/.git/", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(clone, f), f => File.ReadAllText(f), StringComparer.Ordinal);
    }

    private Dictionary<string, string> Settings(GitHubFake gitHub) => new()
    {
        ["Seed:Admin:Email"] = "admin@prcrash.local",
        ["Seed:Admin:Password"] = "Admin!pass-123",
        ["Seed:Admin:ApiToken"] = AdminToken,
        ["Seed:CatalogPath"] = Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "services.yaml"),
        ["Seed:PlaybooksPath"] = Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "playbooks.yaml"),
        ["Bundles:DataDirectory"] = Path.Combine(_work, "bundles"),
        ["CodeFix:WorkDirectory"] = Path.Combine(_work, "worktrees"),
        ["GitHub:ApiUrl"] = gitHub.Url.ToString(),
        ["GitHub:Token"] = gitHub.Token,
        // The sweep is minutely; an action Running for 5 s with its process gone is taken for dead.
        ["Remediation:RunAgainAfterSeconds"] = "5",
    };

    /// <summary>Bundle 101 as shipped, plus a catalog part naming its GitHub repository.</summary>
    private async Task<int> ImportAsync(Uri address)
    {
        var bundle = Path.Combine(_work, "bundle");
        RealProcess.Run("cp", ["-r", BundleSource(), bundle]);
        await File.WriteAllTextAsync(Path.Combine(bundle, "catalog.yaml"), $"services:\n  - name: quota-service\n    repository:\n      github: {Owner}/{Repo}\n");
        var log = new StringWriter();
        var error = new StringWriter();
        var code = await ImportCommand.RunAsync([bundle, "--url", address.ToString(), "--token", AdminToken], log, error);
        Assert.True(code == 0, $"ih import failed ({code}): {error}");
        return int.Parse(IncidentReference().Match(log.ToString()).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string BundleSource() => Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "bundles", "101-quota-burst-nil-panic");

    private async Task<PlanAction?> CodeActionAsync(int number)
    {
        await using var db = NewDb();
        return await db.PlanActions.AsNoTracking()
            .Where(a => a.Tool == "code.revert" && a.State == ActionState.Proposed && db.Incidents.Any(i => i.Id == a.IncidentId && i.Number == number))
            .SingleOrDefaultAsync();
    }

    private async Task<PlanAction> ActionAsync(Guid id)
    {
        await using var db = NewDb();
        return await db.PlanActions.AsNoTracking().SingleAsync(a => a.Id == id);
    }

    private AppDbContext NewDb() => new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(_database.ConnectionString).Options);

    [GeneratedRegex(@"INC-(\d+)")]
    private static partial Regex IncidentReference();
}
