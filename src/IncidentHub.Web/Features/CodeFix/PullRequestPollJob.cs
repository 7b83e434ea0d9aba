using IncidentHub.Web.Features.CodeFix.GitHub;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.CodeFix;

/// <summary>
/// Every 5 minutes: asks GitHub about the pull requests IncidentHub opened that are still draft or open, for installations
/// GitHub cannot reach with its webhook. What changed goes on the incident's timeline once, as the webhook would put it.
/// </summary>
public sealed class PullRequestPollJob(AppDbContext db, GitHubPullRequests gitHub, CodeFixService codeFixes, IOptions<GitHubOptions> options, ILogger<PullRequestPollJob> logger)
{
    public const string RecurringId = "pull-request-poll";

    public async Task RunAsync(CancellationToken ct)
    {
        if (!options.Value.Configured)
        {
            return;
        }

        var open = await db.CodeFixCandidates.AsNoTracking()
            .Where(c => c.PullRequestUrl != null && (c.PullRequestState == "draft" || c.PullRequestState == "open"))
            .Join(db.CodeAnalyses, c => c.AnalysisId, a => a.Id, (c, a) => new { c.PullRequestUrl, c.PullRequestNumber, c.PullRequestState, a.GitHubRepository })
            .Take(200)
            .ToListAsync(ct);
        foreach (var pr in open)
        {
            if (pr.GitHubRepository?.Split('/') is not [var owner, var repo])
            {
                continue;
            }

            try
            {
                var state = await gitHub.GetStateAsync(owner, repo, pr.PullRequestNumber!.Value, ct);
                var now = state.Merged ? "merged" : state.State == "closed" ? "closed" : pr.PullRequestState!;
                await codeFixes.RecordPullRequestStateAsync(pr.PullRequestUrl!, now, state.MergedBy, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Could not read pull request {Url}: {Reason}", pr.PullRequestUrl, ex.Message);
            }
        }
    }
}
