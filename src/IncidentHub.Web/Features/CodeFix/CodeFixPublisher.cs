using System.Globalization;
using IncidentHub.Analysis.CodeFix;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.CodeFix.GitHub;
using IncidentHub.Web.Infrastructure;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.CodeFix;

/// <summary>What publishing an approved fix did, in words for the plan, and the link or branch it made.</summary>
public sealed record PublishOutcome(bool Succeeded, string Result, string? Reference);

/// <summary>
/// Publishes an approved fix: with GitHub configured and the service naming <c>repository.github</c>, a draft pull request
/// (branch <c>incident/INC-n-slug</c> from the base branch, the patch as one commit); otherwise a branch in the local clone
/// and the command that pushes it. The patch is found by the hash the approval bound, and refused when its bytes no longer
/// hash to it. Safe to run again: a retried run finds the branch and the pull request it made.
/// </summary>
public sealed class CodeFixPublisher(
    AppDbContext db,
    GitHubPullRequests gitHub,
    LocalBranchPublisher local,
    Worktrees worktrees,
    IOptions<GitHubOptions> gitHubOptions,
    IOptions<IncidentHubOptions> hub,
    ServiceCatalog catalog,
    IIncidentNotifier notifier,
    TimeProvider clock)
{
    public const string Actor = "code-agent";

    public async Task<PublishOutcome> PublishAsync(Guid incidentId, string patchHash, Guid actionId, string? approvedBy, CancellationToken ct)
    {
        var candidate = await db.CodeFixCandidates.SingleOrDefaultAsync(c => c.IncidentId == incidentId && c.PatchHash == patchHash && c.Accepted, ct);
        if (candidate is null || !candidate.Matches(patchHash))
        {
            return new PublishOutcome(false, $"nothing was published: no tested fix of this incident hashes to {patchHash[..Math.Min(12, patchHash.Length)]}", null);
        }

        if (candidate.PullRequestUrl is { } existing)
        {
            return new PublishOutcome(true, $"draft pull request #{candidate.PullRequestNumber} was already opened: {existing}", existing);
        }

        if (candidate.Branch is { } made && candidate.PullRequestState == "local")
        {
            return new PublishOutcome(true, $"branch {made} was already made in the local clone; push it with: {candidate.PushCommand}", made);
        }

        var analysis = await db.CodeAnalyses.AsNoTracking().SingleAsync(a => a.Id == candidate.AnalysisId, ct);
        var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Id == incidentId, ct);
        var branch = BranchNames.For(incident.Number, candidate.Title);
        var message = CommitMessage(incident.Number, incident.Title, candidate, analysis, approvedBy);
        var now = clock.GetUtcNow();
        try
        {
            // Where the catalog says the repository lives now (an Admin may have named it on GitHub after the analysis).
            var gitHubName = catalog.Find(analysis.Service)?.Repository?.GitHub?.Trim() ?? analysis.GitHubRepository;
            if (gitHubOptions.Value.Configured && gitHubName is { } name && name.Split('/') is [var owner, var repo])
            {
                var changes = await ChangesAsync(analysis, candidate, ct);
                var pr = await gitHub.OpenDraftAsync(new PullRequestDraft(owner, repo, analysis.BaseBranch, branch, message,
                    $"INC-{incident.Number}: {candidate.Title}", Body(incident.Number, incident.Title, candidate, analysis, approvedBy, IncidentLink(incident.Number)), changes), ct);
                candidate.PublishedPullRequest(branch, pr.CommitSha, pr.Number, pr.Url, now, actionId.ToString());
                db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.PullRequest,
                    $"Draft pull request #{pr.Number} {(pr.Reused ? "found (opened by an earlier run)" : "opened")} on {name}: {pr.Url} ({candidate.Title}; branch {branch})",
                    new Dictionary<string, string>
                    {
                        ["url"] = pr.Url,
                        ["branch"] = branch,
                        ["commit"] = pr.CommitSha,
                        ["number"] = pr.Number.ToString(CultureInfo.InvariantCulture),
                        ["patch_sha256"] = candidate.PatchHash,
                    }));
                await db.SaveChangesAsync(ct);
                await notifier.PublishAsync([incidentId], ct);
                return new PublishOutcome(true, $"draft pull request #{pr.Number} opened: {pr.Url}", pr.Url);
            }

            var result = await local.CreateBranchAsync(analysis.RepositoryPath, analysis.BaseBranch, branch, candidate.Patch, message, ct);
            candidate.PublishedLocally(branch, result.CommitSha, result.PushCommand, actionId.ToString(), now);
            var why = gitHubOptions.Value.Configured ? $"{analysis.Service} names no repository.github" : "GitHub is not configured (GitHub:Token)";
            db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.PullRequest,
                $"Branch {branch} made in the local clone ({why}): one commit {result.CommitSha[..7]} with the approved patch. Push it with: {result.PushCommand}",
                new Dictionary<string, string>
                {
                    ["branch"] = branch,
                    ["commit"] = result.CommitSha,
                    ["push"] = result.PushCommand,
                    ["patch_sha256"] = candidate.PatchHash,
                }));
            await db.SaveChangesAsync(ct);
            await notifier.PublishAsync([incidentId], ct);
            return new PublishOutcome(true, $"branch {branch} made in the local clone; push it with: {result.PushCommand}", branch);
        }
        catch (BranchConflictException ex)
        {
            return new PublishOutcome(false, ex.Message, null);
        }
        catch (Exception ex) when (ex is GitHubPublishException or GitHubRequestException or InvalidInputException)
        {
            // A refusal that retrying will not fix (the patch no longer applies, GitHub says no); an unreachable GitHub throws, and the job retries.
            return new PublishOutcome(false, ex.Message, null);
        }
    }

    /// <summary>Every file the patch changes, with its content after the patch on the analysed base (null: deleted).</summary>
    private async Task<IReadOnlyList<FileChange>> ChangesAsync(CodeAnalysis analysis, CodeFixCandidate candidate, CancellationToken ct)
    {
        await using var tree = await worktrees.CreateAsync(analysis.RepositoryPath, analysis.BaseSha!, ct);
        if (await worktrees.ApplyAsync(tree, candidate.Patch, ct) is { } why)
        {
            throw new GitHubPublishException($"the approved patch no longer applies to {analysis.BaseBranch}: {why}");
        }

        var changes = new List<FileChange>();
        foreach (var file in UnifiedDiff.Parse(candidate.Patch))
        {
            if (file.NewPath == "/dev/null")
            {
                changes.Add(new FileChange(file.OldPath, null));
                continue;
            }

            if (file.OldPath != file.NewPath && file.OldPath != "/dev/null")
            {
                changes.Add(new FileChange(file.OldPath, null));
            }

            var path = Path.GetFullPath(Path.Combine(tree.Path, file.NewPath));
            if (!path.StartsWith(Path.GetFullPath(tree.Path) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new GitHubPublishException($"the patch names a path outside the repository: {file.NewPath}");
            }

            changes.Add(new FileChange(file.NewPath, await File.ReadAllTextAsync(path, ct)));
        }

        return changes;
    }

    private static string CommitMessage(int number, string title, CodeFixCandidate candidate, CodeAnalysis analysis, string? approvedBy) =>
        $"""
        INC-{number}: {candidate.Title}

        {candidate.Kind switch { FixKind.RestoreConfigValue => "Sets a configuration value back to what it was before", FixKind.AiPatch => "A model-written patch (checked by git apply and the sandboxed tests) for the lines broken by", _ => "Reverts" }} {analysis.SuspectCommit} ("{analysis.SuspectSubject}"),
        the suspect change of incident INC-{number} ({title}).
        Approved in IncidentHub by {approvedBy ?? "a responder"}; patch sha256 {candidate.PatchHash}.
        """;

    private string IncidentLink(int number) => $"{hub.Value.PublicBaseUrl.TrimEnd('/')}/incidents/{number}";

    private static string Body(int number, string title, CodeFixCandidate candidate, CodeAnalysis analysis, string? approvedBy, string link)
    {
        var findings = string.Join("\n", analysis.Findings.Take(5).Select(f =>
            $"- `{f.File}:{f.Line}`{(f.Function is { } fn ? $" in `{fn}`" : "")}: last changed by {(f.BlamedCommit is { } b ? b[..7] : "?")}{(f.IntroducedBySuspect ? " (the suspect commit)" : "")}"));
        var tests = analysis.TestCommand is null
            ? "No test command is configured for this service; the patch was not tested."
            : $"`{analysis.TestCommand}` in IncidentHub's sandbox (no network):\n- base ({analysis.BaseBranch} at {analysis.BaseSha?[..7]}): {analysis.BaseTests?.Describe()}\n- with this patch: {candidate.PatchedTests?.Describe()}";
        return $"""
            **Incident [INC-{number}]({link})**: {title}

            Suspect change: `{analysis.SuspectCommit}` "{analysis.SuspectSubject}". This pull request: {candidate.Title}.

            {analysis.Summary}

            ### Evidence
            {findings}

            ### Tests
            {tests}

            ### How to verify
            After this is merged and deployed, the incident's error ratio should fall back below its alert threshold and the failing frames above should stop appearing in the logs.

            Opened as a draft by IncidentHub after {approvedBy ?? "a responder"} approved the patch (sha256 `{candidate.PatchHash}`). Review before merging.
            """;
    }
}

/// <summary>Publishing failed for a reason worth showing on the plan (the patch no longer applies, GitHub refused).</summary>
public sealed class GitHubPublishException(string message) : Exception(message);
