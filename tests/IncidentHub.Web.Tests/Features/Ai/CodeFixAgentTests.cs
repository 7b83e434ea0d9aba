using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.CodeFix;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Tests.Features.CodeFix;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Ai;

/// <summary>
/// The code agent's patch inside the real code-analysis job, on a real repository and the real sandbox: it is one more
/// candidate, which must pass git apply --check on a fresh worktree and the repository's tests like any other.
/// </summary>
[Collection(AiCollection.Name)]
public sealed class CodeFixAgentTests(AiAppFixture fixture)
{
    private IncidentHubFactory App => fixture.App;

    [Fact]
    public async Task CodeAgent_PatchThatAppliesAndPassesTheTests_BecomesACandidate_AndItsTierAndApprovalAreRefused()
    {
        using var repo = FixRepository.Create();
        var patch = PatchOf(repo, r =>
        {
            r.Write("calc.py", Read(r, "calc.py").Replace("def conversion(orders, sessions):\n", "def conversion(orders, sessions):\n    if not sessions:\n        return 0.0\n", StringComparison.Ordinal));
            r.Write("tests/test_guard.py", "import unittest\n\nfrom calc import conversion\n\n\nclass GuardTests(unittest.TestCase):\n    def test_no_sessions_is_zero(self):\n        self.assertEqual(conversion(5, 0), 0.0)\n");
        });

        var (number, view) = await AnalyseAsync(repo, _ => Answer(patch, tier: "READ", approve: true));

        var ai = Assert.Single(view.Candidates, c => c.Kind == "AiPatch");
        Assert.True(ai.Accepted, ai.Refusal);
        Assert.StartsWith("Model-written patch (ai-patch): Guard", ai.Title, StringComparison.Ordinal);
        Assert.Equal((0, 4), (ai.Tests!.Failed, ai.Tests.Passed)); // the model's new test ran too
        Assert.Equal(["calc.py", "tests/test_guard.py"], ai.Files.Order());
        // On a tie the targeted candidate made without a model is proposed first.
        Assert.Equal("RevertHunks", view.Candidates.First(c => c.Accepted).Kind);

        var lines = await CodeLinesAsync(number);
        Assert.Contains(lines, l => l.StartsWith("AI code agent wrote a patch touching calc.py, tests/test_guard.py", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("refused claimed tier 'READ'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("refused asked to approve its patch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CodeAgent_PatchThatDoesNotApply_IsRefusedWithTheReasonOnTheTimeline()
    {
        using var repo = FixRepository.Create();
        var patch = PatchOf(repo, r => r.Write("calc.py", Read(r, "calc.py").Replace("    return orders / sessions\n", "    return orders / max(sessions, 1)\n", StringComparison.Ordinal)))
            .Replace(" def conversion(orders, sessions):", " def conversion(orders, visits):", StringComparison.Ordinal);

        var (number, view) = await AnalyseAsync(repo, _ => Answer(patch));

        var ai = Assert.Single(view.Candidates, c => c.Kind == "AiPatch");
        Assert.False(ai.Accepted);
        Assert.StartsWith("does not apply to main at", ai.Refusal, StringComparison.Ordinal);
        Assert.Null(ai.Tests);
        Assert.Equal("", repo.Git("status", "--porcelain"));
        Assert.Contains("Refused: Model-written patch (ai-patch)", await AnalysisLineAsync(number), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodeAgent_PatchThatBreaksAPassingTest_IsRefusedNamingTheTest()
    {
        using var repo = FixRepository.Create();
        var patch = PatchOf(repo, r => r.Write("calc.py", Read(r, "calc.py")
            .Replace("    return orders / sessions\n", "    return orders / max(sessions, 1)\n", StringComparison.Ordinal)
            .Replace("{rate:.2%}", "{rate:.0%}", StringComparison.Ordinal)));

        var (number, view) = await AnalyseAsync(repo, _ => Answer(patch));

        var ai = Assert.Single(view.Candidates, c => c.Kind == "AiPatch");
        Assert.False(ai.Accepted);
        Assert.Contains("test_label", ai.Refusal, StringComparison.Ordinal);
        Assert.Contains("pass on the base", ai.Refusal, StringComparison.Ordinal);
        Assert.Contains("Refused: Model-written patch (ai-patch)", await AnalysisLineAsync(number), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodeAgent_MalformedTwice_IsRetriedOnceThenDropped_AndTheOtherCandidatesStand()
    {
        using var repo = FixRepository.Create();

        var (number, view) = await AnalyseAsync(repo, call => new TextReply(call.Step == 0 ? "Here is the fix: add a guard." : "{\"patch\": "));

        Assert.DoesNotContain(view.Candidates, c => c.Kind == "AiPatch");
        Assert.Contains(view.Candidates, c => c.Accepted);
        // Each run of the agent asks once more after a malformed answer, then drops it. (The pipeline's own analysis job,
        // enqueued by the real investigation, may run the same analysis beside this direct call: count per run.)
        var lines = await CodeLinesAsync(number);
        var retried = lines.Count(l => l.Contains("answer malformed", StringComparison.Ordinal));
        var dropped = lines.Count(l => l.Contains("answer dropped: malformed twice", StringComparison.Ordinal));
        Assert.InRange(dropped, 1, 2);
        Assert.Equal(dropped, retried);
        Assert.All(lines.Where(l => l.Contains("answer malformed", StringComparison.Ordinal)), l => Assert.Contains("asking once more", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CodeAgent_PatchOutsideTheFailingFiles_IsRejectedBeforeAnyWorktree()
    {
        using var repo = FixRepository.Create();
        const string patch = "diff --git a/../../etc/cron.d/x b/../../etc/cron.d/x\n--- a/../../etc/cron.d/x\n+++ b/../../etc/cron.d/x\n@@ -1 +1 @@\n-a\n+b\n";

        var (number, view) = await AnalyseAsync(repo, _ => Answer(patch));

        Assert.DoesNotContain(view.Candidates, c => c.Kind == "AiPatch");
        Assert.Contains(await CodeLinesAsync(number), l => l.Contains("patch rejected before any check on a worktree: the patch names a path outside the repository", StringComparison.Ordinal));
    }

    private static TextReply Answer(string patch, string? tier = null, bool? approve = null) =>
        new(FakeModelServer.Json(new { title = "Guard against zero sessions", patch, explanation = "sessions can be zero", tier, approve }));

    /// <summary>The diff of an edit to the repository's HEAD, made by git itself; the working tree is put back afterwards.</summary>
    private static string PatchOf(FixRepository repo, Action<FixRepository> edit)
    {
        edit(repo);
        repo.Git("add", "-A");
        var diff = repo.Git("diff", "--cached", "--no-color");
        repo.Git("reset", "--hard", "--quiet");
        return diff;
    }

    private static string Read(FixRepository repo, string file) => File.ReadAllText(Path.Combine(repo.Path, file));

    private async Task<(int Number, CodeAnalysisView View)> AnalyseAsync(FixRepository repo, Func<ModelCall, Reply> code)
    {
        var number = await CodeFixScenario.DiagnosedAsync(App, repo, FixRepository.TestCommand);
        var incidentId = await DiagnosisSeed.IncidentIdAsync(App, number);
        await using (var db = Db())
        {
            // The service's name is unique to this test and is in the code agent's prompt.
            var service = await db.Incidents.Where(i => i.Id == incidentId).Select(i => i.Service).SingleAsync();
            fixture.Model.Script($"Service: {service}", call => call.Model == AiAppFixture.CodeModel ? code(call) : new TextReply("{}"));
        }

        using (var scope = App.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<CodeAnalysisJob>().RunAsync(incidentId, CancellationToken.None);
        }

        using var read = App.Services.CreateScope();
        return (number, (await read.ServiceProvider.GetRequiredService<CodeFixService>().GetAsync(number))!);
    }

    private async Task<List<string>> CodeLinesAsync(int number)
    {
        var id = await DiagnosisSeed.IncidentIdAsync(App, number);
        await using var db = Db();
        return await db.Timeline.AsNoTracking().Where(t => t.IncidentId == id && t.Actor == "ai-code-agent").OrderBy(t => t.Id).Select(t => t.Text).ToListAsync();
    }

    private async Task<string> AnalysisLineAsync(int number)
    {
        var id = await DiagnosisSeed.IncidentIdAsync(App, number);
        await using var db = Db();
        return await db.Timeline.AsNoTracking().Where(t => t.IncidentId == id && t.Kind == TimelineKind.CodeAnalysis).Select(t => t.Text).SingleAsync();
    }

    private AppDbContext Db() => new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(App.ConnectionString).Options);
}
