using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.CodeFix;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Remediation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StackTrace = IncidentHub.Analysis.Diagnosis.StackTrace;

namespace IncidentHub.Web.Tests.Features.CodeFix;

/// <summary>
/// The code-analysis agent on real repositories, the real sandbox and the real database: what it reads, which candidate
/// fixes it proposes, and which it refuses (a patch that does not apply, a patch that breaks a test that passes on the base).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class CodeAnalysisJobTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Analyse_SuspectCommitWithUnrelatedWork_ProposesOnlyTheFailingHunkTestedOnBaseAndPatch()
    {
        using var repo = FixRepository.Create();
        var number = await DiagnosedAsync(repo, FixRepository.TestCommand);

        var view = await AnalyseAsync(number);

        Assert.Equal(repo.Suspect, view.SuspectCommit);
        var finding = view.Findings.First(f => f.File == "calc.py" && f.Line == repo.FailingLine);
        Assert.Equal("conversion", finding.Function);
        Assert.Contains("tests/test_calc.py", finding.CoveringTests);
        Assert.Contains(finding.SourceAtDeployed, l => l.Contains("return orders / sessions", StringComparison.Ordinal));

        // The base fails the zero-sessions test; undoing only the guard's hunk fixes it and keeps the two-decimal labels.
        Assert.Equal("test_conversion_zero_sessions", Assert.Single(view.BaseTests!.FailingTests).Split('.', ' ', '(', ')').First(p => p.StartsWith("test_conv", StringComparison.Ordinal)));
        var best = view.Candidates.First(c => c.Accepted);
        Assert.Equal("RevertHunks", best.Kind);
        Assert.Contains("+    if sessions == 0:", best.Patch, StringComparison.Ordinal);
        Assert.DoesNotContain("rate:.1%", best.Patch, StringComparison.Ordinal);
        Assert.Equal(0, best.Tests!.Failed);
        Assert.Equal(3, best.Tests.Passed);

        // The whole revert also passes here (it reverts the label test with the label), so it is proposed second.
        Assert.Contains(view.Candidates, c => c is { Kind: "RevertCommit", Accepted: true });
        Assert.Contains("on main: 1 failing", view.Summary, StringComparison.Ordinal);
        await AssertTimelineSaysAsync(number, "Proposed: Undo the 1 of 3 hunk(s)");
    }

    [Fact]
    public async Task Analyse_WholeRevertBreaksALaterTest_RefusesItAndSaysWhich()
    {
        using var repo = FixRepository.Create(laterTestNeedsTwoDecimals: true);
        var number = await DiagnosedAsync(repo, FixRepository.TestCommand);

        var view = await AnalyseAsync(number);

        var whole = view.Candidates.Single(c => c.Kind == "RevertCommit");
        Assert.False(whole.Accepted);
        Assert.Contains("test_small_rates_keep_two_decimals", whole.Refusal, StringComparison.Ordinal);
        Assert.True(view.Candidates.Single(c => c.Kind == "RevertHunks").Accepted);
        await AssertTimelineSaysAsync(number, "Refused: Revert");
    }

    [Fact]
    public async Task Analyse_FailingCodeRewrittenSince_RefusesEveryPatchThatDoesNotApply()
    {
        using var repo = FixRepository.Create(laterEditOfFailingLine: true);
        var number = await DiagnosedAsync(repo, FixRepository.TestCommand);

        var view = await AnalyseAsync(number);

        Assert.NotEmpty(view.Candidates);
        Assert.All(view.Candidates.Where(c => c.Files.Contains("calc.py")), c =>
        {
            Assert.False(c.Accepted);
            Assert.StartsWith("does not apply to main at", c.Refusal, StringComparison.Ordinal);
        });
        Assert.DoesNotContain(view.Candidates, c => c.Accepted);
        // Nothing was written into the repository: its working tree is as the last commit left it.
        Assert.Equal("", repo.Git("status", "--porcelain"));
        // And no throwaway worktree stays behind (the pipeline may run the same analysis in the background: wait for it to end too).
        await Eventually.HoldsAsync(() => Task.FromResult(repo.Git("worktree", "list", "--porcelain").Split('\n').Count(l => l.StartsWith("worktree ", StringComparison.Ordinal))),
            count => count == 1, TimeSpan.FromSeconds(60), "every throwaway worktree to be removed");
        await AssertTimelineSaysAsync(number, "No fix proposed");
    }

    [Fact]
    public async Task Analyse_NoTestCommand_ProposesUntestedAndThePlanCarriesThePatchHash()
    {
        using var repo = FixRepository.Create();
        var number = await DiagnosedAsync(repo, testCommand: null);

        var view = await AnalyseAsync(number);

        Assert.Null(view.BaseTests);
        var best = view.Candidates.First(c => c.Accepted);
        Assert.Null(best.Tests);
        Assert.Contains("No test command is configured", view.Summary, StringComparison.Ordinal);

        // The plan's code action carries the patch's hash; approval binds to it like to every other action.
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<PlanJob>().RunAsync(incidentId, CancellationToken.None);
        }

        using var http = app.Client(IncidentHubFactory.AdminToken);
        var plan = await http.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}/plan");
        var code = plan!["actions"]!.AsArray().Single(a => a!["tool"]!.GetValue<string>() == "code.revert")!;
        Assert.Equal(best.PatchHash, code["arguments"]!["patch_sha256"]!.GetValue<string>());
        Assert.Equal("REVERSIBLE", code["tier"]!.GetValue<string>());
        Assert.Equal("proposed", code["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Analyse_RunTwice_KeepsOneAnalysis()
    {
        using var repo = FixRepository.Create();
        var number = await DiagnosedAsync(repo, testCommand: null);

        await AnalyseAsync(number);
        await AnalyseAsync(number);

        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        await using var db = DiagnosisSeed.Db(app);
        Assert.Equal(1, await db.CodeAnalyses.CountAsync(a => a.IncidentId == incidentId));
        Assert.Equal(1, await db.Timeline.CountAsync(t => t.IncidentId == incidentId && t.Kind == TimelineKind.CodeAnalysis));
    }

    [Fact]
    public async Task GetCodeAnalysis_IncidentWithoutOne_Returns404ProblemSayingWhy()
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(app, "no code here", $"svc-{Guid.NewGuid():N}"[..14]);
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var response = await http.GetAsync($"/api/incidents/{number}/code-analysis");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no code analysis", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private Task<int> DiagnosedAsync(FixRepository repo, string? testCommand) => CodeFixScenario.DiagnosedAsync(app, repo, testCommand);

    private async Task<CodeAnalysisView> AnalyseAsync(int number)
    {
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<CodeAnalysisJob>().RunAsync(incidentId, CancellationToken.None);
        }

        using var read = app.Services.CreateScope();
        return (await read.ServiceProvider.GetRequiredService<CodeFixService>().GetAsync(number))!;
    }

    private async Task AssertTimelineSaysAsync(int number, string text)
    {
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        await using var db = DiagnosisSeed.Db(app);
        var entry = await db.Timeline.SingleAsync(t => t.IncidentId == incidentId && t.Kind == TimelineKind.CodeAnalysis);
        Assert.Contains(text, entry.Text, StringComparison.Ordinal);
    }

}
