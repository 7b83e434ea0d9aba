using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.CodeFix;

public sealed record CandidateView(
    string Kind,
    string Title,
    string Patch,
    string PatchHash,
    IReadOnlyList<string> Files,
    bool Accepted,
    string? Refusal,
    TestResult? Tests,
    string? Branch,
    int? PullRequestNumber,
    string? PullRequestUrl,
    string? PullRequestState,
    string? PushCommand);

public sealed record CodeAnalysisView(
    string Incident,
    DateTimeOffset At,
    string? Service,
    string? GitHubRepository,
    string BaseBranch,
    string? BaseSha,
    string? SuspectCommit,
    string? SuspectSubject,
    string? SuspectDiff,
    IReadOnlyList<CodeFinding> Findings,
    string? TestCommand,
    TestResult? BaseTests,
    string Summary,
    IReadOnlyList<CandidateView> Candidates);

/// <summary>Reads the code-analysis agent's work for the UI and the API, and records what GitHub says about its pull requests.</summary>
public sealed class CodeFixService(IDbContextFactory<AppDbContext> dbFactory, IIncidentNotifier notifier, TimeProvider clock)
{
    /// <summary>The analysis of the incident's newest final diagnosis; null when the incident does not exist, an empty list of none.</summary>
    public async Task<CodeAnalysisView?> GetAsync(int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var incidentId = await db.Incidents.AsNoTracking().Where(i => i.Number == number).Select(i => (Guid?)i.Id).SingleOrDefaultAsync(ct);
        if (incidentId is null)
        {
            return null;
        }

        var analysis = await db.CodeAnalyses.AsNoTracking().Include(a => a.Candidates)
            .Where(a => a.IncidentId == incidentId).OrderByDescending(a => a.DiagnosisId).FirstOrDefaultAsync(ct);
        return analysis is null ? null : ToView(number, analysis);
    }

    public async Task<bool> ExistsAsync(int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Incidents.AnyAsync(i => i.Number == number, ct);
    }

    /// <summary>
    /// Records a pull request's new state (from the webhook or the poll) with a timeline entry; nothing when the state is the one
    /// already known or no fix of IncidentHub's made that pull request.
    /// </summary>
    public async Task<bool> RecordPullRequestStateAsync(string url, string state, string? by, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidate = await db.CodeFixCandidates.FirstOrDefaultAsync(c => c.PullRequestUrl == url, ct);
        if (candidate is null || !candidate.PullRequestBecame(state))
        {
            return false;
        }

        var text = state switch
        {
            "merged" => $"Pull request #{candidate.PullRequestNumber} was merged{(by is null ? "" : $" by {by}")}: {candidate.Title}",
            "closed" => $"Pull request #{candidate.PullRequestNumber} was closed without merging{(by is null ? "" : $" by {by}")}",
            "open" => $"Pull request #{candidate.PullRequestNumber} is ready for review (no longer a draft)",
            _ => $"Pull request #{candidate.PullRequestNumber} is {state}",
        };
        db.Timeline.Add(TimelineEntry.Create(candidate.IncidentId, clock.GetUtcNow(), "github", TimelineKind.PullRequest, text,
            new Dictionary<string, string> { ["url"] = url, ["state"] = state }));
        await db.SaveChangesAsync(ct);
        await notifier.PublishAsync([candidate.IncidentId], ct);
        return true;
    }

    private static CodeAnalysisView ToView(int number, CodeAnalysis a) =>
        new($"INC-{number}", a.At, a.Service, a.GitHubRepository, a.BaseBranch, a.BaseSha, a.SuspectCommit, a.SuspectSubject, a.SuspectDiff, a.Findings,
            a.TestCommand, a.BaseTests, a.Summary,
            a.Candidates.OrderBy(c => c.Order).Select(c => new CandidateView(c.Kind.ToString(), c.Title, c.Patch, c.PatchHash, c.Files, c.Accepted, c.Refusal,
                c.PatchedTests, c.Branch, c.PullRequestNumber, c.PullRequestUrl, c.PullRequestState, c.PushCommand)).ToList());
}
