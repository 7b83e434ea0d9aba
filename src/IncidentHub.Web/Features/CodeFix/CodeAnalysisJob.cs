using System.Globalization;
using IncidentHub.Analysis.CodeFix;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.CodeFix.Sandbox;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Investigation.Connectors;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Git;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IncidentHub.Web.Features.CodeFix;

/// <summary>
/// The code-analysis agent. After the final diagnosis names a suspect commit in a service's repository, it reads the
/// code at every failing line (at the deployed version), blames it, finds the tests that cover it, and proposes fixes
/// without a model: set the named config key back, undo only the suspect commit's hunks that touch the failing lines,
/// or revert the whole commit. Each candidate must pass <c>git apply --check</c> on a fresh worktree of the base
/// branch's head, then the repository's own tests run in the sandbox on the base and with the patch; a candidate that
/// breaks a test that passed on the base is refused. One analysis per final diagnosis: running it twice changes nothing.
/// </summary>
public sealed class CodeAnalysisJob(
    AppDbContext db,
    ServiceCatalog catalog,
    GitConnector git,
    Worktrees worktrees,
    TestSandbox sandbox,
    ICodeFixProposer proposer,
    IncidentPipeline pipeline,
    IIncidentNotifier notifier,
    IOptions<CodeFixOptions> options,
    TimeProvider clock,
    ILogger<CodeAnalysisJob> logger)
{
    public const string Actor = "code-agent";

    public async Task RunAsync(Guid incidentId, CancellationToken ct)
    {
        // One analysis of an incident at a time, across workers: a second run (the sweep, a retry, the pipeline's job beside
        // a direct call) waits, then finds the analysis stored and does nothing, so the repository's tests and a model are
        // not run twice. A dead worker's lock goes with its connection.
        var key = LockKey(incidentId);
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_lock({LockClass}, {key})", ct);
            try
            {
                await RunLockedAsync(incidentId, ct);
            }
            finally
            {
                await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_unlock({LockClass}, {key})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The advisory-lock class of code analyses (any constant no other lock uses).</summary>
    private const int LockClass = 0x1C0DE;

    private static int LockKey(Guid incidentId)
    {
        Span<byte> bytes = stackalloc byte[16];
        incidentId.TryWriteBytes(bytes);
        return BitConverter.ToInt32(bytes[..4]) ^ BitConverter.ToInt32(bytes[4..8]) ^ BitConverter.ToInt32(bytes[8..12]) ^ BitConverter.ToInt32(bytes[12..]);
    }

    private async Task RunLockedAsync(Guid incidentId, CancellationToken ct)
    {
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == incidentId, ct);
        var record = await db.Diagnoses.AsNoTracking().Where(d => d.IncidentId == incidentId && d.IsFinal).OrderByDescending(d => d.Id).FirstOrDefaultAsync(ct);
        if (incident is null || record is null || await db.CodeAnalyses.AnyAsync(a => a.IncidentId == incidentId && a.DiagnosisId == record.Id, ct))
        {
            return;
        }

        var diagnosis = record.Read();
        var service = catalog.Find(diagnosis.Triage.Service ?? incident.Service);
        if (diagnosis.Suspect?.Commit is not { Length: >= 7 } suspect || !suspect.All(char.IsAsciiHexDigit) || service?.Repository is not { } repository)
        {
            logger.LogDebug("No code analysis for {IncidentId}: no suspect commit or no repository", incidentId);
            return;
        }

        string repo;
        try
        {
            repo = await git.EnsureLocalAsync(repository, ct);
        }
        catch (Exception ex) when (ex is InvalidOperationException or DirectoryNotFoundException or ArgumentException)
        {
            await ConcludeWithoutRepositoryAsync(incidentId, record.Id, service, repository, $"the repository could not be read: {ex.Message}", ct);
            return;
        }

        await worktrees.CleanUpAsync(repo, ct);
        var analysis = CodeAnalysis.Create(incidentId, record.Id, clock.GetUtcNow(), service.Name, repo, repository.GitHub?.Trim(), repository.Branch,
            string.IsNullOrWhiteSpace(repository.TestCommand) ? null : repository.TestCommand.Trim());
        await AnalyseAsync(analysis, diagnosis, suspect, repository, repo, ct);
        await SaveAsync(analysis, ct);
    }

    private async Task AnalyseAsync(CodeAnalysis analysis, Diagnosis diagnosis, string suspectRef, ServiceRepository repository, string repo, CancellationToken ct)
    {
        var o = options.Value;
        var baseSha = await worktrees.ResolveAsync(repo, $"refs/remotes/origin/{repository.Branch}", ct) ?? await worktrees.ResolveAsync(repo, repository.Branch, ct);
        var suspect = await worktrees.ResolveAsync(repo, suspectRef, ct);
        if (baseSha is null || suspect is null)
        {
            analysis.Read(baseSha, suspect ?? suspectRef, null, null, []);
            analysis.Conclude(baseSha is null
                ? $"No fix proposed: the base branch '{repository.Branch}' is not in the repository."
                : $"No fix proposed: the suspect commit {Short7(suspectRef)} is not in the repository.");
            return;
        }

        var subject = (await worktrees.GitAsync(repo, ct, "show", "-s", "--format=%s", suspect)).Trim();
        var diff = await worktrees.GitAsync(repo, ct, "show", "--no-color", "--no-ext-diff", "--no-textconv", "--format=", suspect, "--");
        var deployed = await DeployedCommitAsync(analysis.IncidentId, analysis.Service, repo, ct) ?? baseSha;

        // The failing lines: application frames of the stack traces, and the line the diagnosis names.
        var files = (await worktrees.GitAsync(repo, ct, "ls-tree", "-r", "--name-only", "--full-tree", deployed)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var traces = await db.Observations.AsNoTracking().Where(x => x.IncidentId == analysis.IncidentId && x.Kind == ObservationKind.StackTrace)
            .OrderBy(x => x.Id).ToListAsync(ct);
        var frames = traces.Select(t => t.Read<StackTrace>()).OfType<StackTrace>()
            .SelectMany(t => StackTraceExtractor.MapFrames(t, repository.PathInStackTraces, files))
            .ToList();
        if (diagnosis.Suspect?.File is { } suspectFile && diagnosis.Suspect.Line is { } suspectLine && files.Contains(suspectFile))
        {
            // The line the diagnosis names comes first; a stack frame at the same place keeps its function name.
            var atSuspect = frames.FirstOrDefault(f => f.File == suspectFile && f.Line == suspectLine) ?? new RepositoryFrame(suspectFile, suspectLine, null);
            frames.Remove(atSuspect);
            frames.Insert(0, atSuspect);
        }

        frames = frames.DistinctBy(f => (f.File, f.Line)).Take(o.MaxFindings).ToList();
        var touched = (await worktrees.GitAsync(repo, ct, "show", "--format=", "--name-only", suspect, "--")).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var findings = new List<CodeFinding>();
        var failingAtSuspect = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        var config = new List<ConfigLine>();
        foreach (var frame in frames)
        {
            var blame = await BlameAsync(repo, deployed, frame.File, frame.Line, ct);
            var source = await SourceAsync(repo, deployed, frame.File, frame.Line, o.ContextLines, ct);
            var introduced = blame is not null && blame.Sha == suspect;
            if (introduced)
            {
                failingAtSuspect.TryAdd(blame!.File, []);
                failingAtSuspect[blame.File].Add(blame.Line);
                if (config.Count == 0 && FixCandidates.IsConfigFile(blame.File) && frame.File == diagnosis.Suspect?.File)
                {
                    config.Add(new ConfigLine(blame.File, blame.Line));
                }
            }
            else if (touched.Contains(frame.File) && await SameAsync(repo, suspect, deployed, frame.File, ct))
            {
                // An older line next to what the suspect commit removed (a deleted guard): same file at both, so the same line number.
                failingAtSuspect.TryAdd(frame.File, []);
                failingAtSuspect[frame.File].Add(frame.Line);
            }

            findings.Add(new CodeFinding(frame.File, frame.Line, frame.Function, blame?.Sha, blame?.Subject, introduced, source.Lines, source.Start,
                TestConventions.CoveringTests(frame.File, files)));
        }

        analysis.Read(baseSha, suspect, subject, diff.Length > o.MaxDiffChars ? diff[..o.MaxDiffChars] + "\n[diff cut]" : diff, findings);
        if (await worktrees.ResolveAsync(repo, suspect + "^", ct) is null)
        {
            analysis.Conclude($"No fix proposed: {Short7(suspect)} is the repository's first commit and has nothing to go back to.");
            return;
        }

        var reverse = await worktrees.GitAsync(repo, ct, "diff", "--no-color", "--no-ext-diff", "--no-textconv", suspect, suspect + "^", "--");
        if (config.Count == 0 && diagnosis.Suspect?.File is { } named && FixCandidates.IsConfigFile(named)
            && UnifiedDiff.Parse(reverse).FirstOrDefault(f => f.OldPath == named) is { } changed)
        {
            // The diagnosis names the configuration file, not the key: every value the commit changed there is a candidate.
            config.AddRange(UnifiedDiff.ReplacedOldLines(changed).Take(o.MaxFindings).Select(line => new ConfigLine(named, line)));
        }

        var configFile = config.Count == 0 ? null : (await worktrees.GitAsync(repo, ct, "show", $"{suspect}:{config[0].File}")).Split('\n');
        var proposals = FixCandidates.Propose(suspect, subject, reverse, failingAtSuspect.ToDictionary(p => p.Key, p => (IReadOnlySet<int>)p.Value), config, configFile).ToList();

        // A model's patch (when one is configured) is one more candidate: checked and tested below like the others, never applied any other way.
        proposals.AddRange(await proposer.ProposeAsync(new CodeFixContext(analysis.IncidentId, analysis.Service, diagnosis.Summary, suspect, subject,
            analysis.SuspectDiff, findings, files, analysis.TestCommand), ct));

        TestResult? baseTests = null;
        if (analysis.TestCommand is { } command && proposals.Count > 0)
        {
            await using var clean = await worktrees.CreateAsync(repo, baseSha, ct);
            baseTests = ToResult(await sandbox.RunAsync(clean.Path, command, ct));
            analysis.TestedBase(baseTests);
        }

        var order = 0;
        foreach (var proposal in proposals)
        {
            await using var tree = await worktrees.CreateAsync(repo, baseSha, ct);
            if (await worktrees.ApplyAsync(tree, proposal.Patch, ct) is { } why)
            {
                var refused = CodeFixCandidate.Create(analysis, ++order, proposal, proposal.Patch);
                refused.Refuse($"does not apply to {repository.Branch} at {Short7(baseSha)}: {why}");
                AddUnlessSeen(analysis, refused);
                continue;
            }

            var patch = await worktrees.DiffAsync(tree, ct);
            var candidate = CodeFixCandidate.Create(analysis, ++order, proposal, patch);
            if (analysis.Candidates.Any(c => c.PatchHash == candidate.PatchHash))
            {
                continue;
            }

            if (patch.Length > o.MaxPatchChars)
            {
                candidate.Refuse($"the patch is {patch.Length} characters, over the {o.MaxPatchChars} a reviewer is asked to read");
            }
            else if (analysis.TestCommand is { } testCommand)
            {
                var tests = ToResult(await sandbox.RunAsync(tree.Path, testCommand, ct));
                if (Breaks(baseTests!, tests) is { } broken)
                {
                    candidate.Refuse(broken, tests);
                }
                else
                {
                    candidate.Accept(tests);
                }
            }
            else
            {
                candidate.Accept(null);
            }

            analysis.Candidates.Add(candidate);
        }

        await RankAsync(analysis, ct);
        analysis.Conclude(Summarise(analysis, repository));
    }

    /// <summary>
    /// Orders the candidates a person sees first: the ones that fix the most of the base's failing tests, then the most
    /// targeted (one config value, then the failing hunks, then the whole revert), then the one whose words the incident's
    /// errors mention most.
    /// </summary>
    private async Task RankAsync(CodeAnalysis analysis, CancellationToken ct)
    {
        var evidence = string.Join("\n", await db.Observations.AsNoTracking()
            .Where(x => x.IncidentId == analysis.IncidentId && (x.Kind == ObservationKind.LogTemplates || x.Kind == ObservationKind.StackTrace))
            .Select(x => x.Summary).Take(200).ToListAsync(ct));
        var ranked = analysis.Candidates
            .OrderByDescending(c => c.Accepted)
            .ThenBy(c => c.PatchedTests is { Ran: true } t ? t.Failed : int.MaxValue)
            .ThenBy(c => c.Kind switch { FixKind.RestoreConfigValue => 1, FixKind.RevertHunks => 2, FixKind.RevertCommit => 3, _ => 4 })
            .ThenByDescending(c => FixCandidates.EvidenceOverlap(c.ConfigKey, evidence))
            .ToList();
        for (var i = 0; i < ranked.Count; i++)
        {
            ranked[i].Rank(i + 1);
        }
    }

    /// <summary>Why the patched run is worse than the base, or null when it breaks nothing that passed.</summary>
    internal static string? Breaks(TestResult baseline, TestResult patched)
    {
        if (!patched.Ran || !baseline.Ran)
        {
            return null;
        }

        if (patched.StoppedBy is { } stopped && baseline.StoppedBy is null)
        {
            return $"with the patch the tests were stopped by the {stopped}; on the base they finished";
        }

        var newlyFailing = patched.FailingTests.Except(baseline.FailingTests, StringComparer.Ordinal).ToList();
        if (newlyFailing.Count > 0)
        {
            return $"it makes {newlyFailing.Count} test(s) fail that pass on the base: {string.Join(", ", newlyFailing.Take(5))}";
        }

        return patched.Failed > baseline.Failed
            ? $"with the patch {patched.Failed} test(s) fail, on the base {baseline.Failed}"
            : null;
    }

    private static string Summarise(CodeAnalysis analysis, ServiceRepository repository)
    {
        var best = analysis.Best();
        var introduced = analysis.Findings.FirstOrDefault(f => f.IntroducedBySuspect);
        var text = $"Code analysis of {Short7(analysis.SuspectCommit!)} \"{analysis.SuspectSubject}\": ";
        var keys = analysis.Candidates.Where(c => c.Kind == FixKind.RestoreConfigValue && c.ConfigKey is not null).Select(c => c.ConfigKey!).ToList();
        text += introduced is not null
            ? $"{introduced.File}:{introduced.Line}{(introduced.Function is { } fn ? $" in {fn}" : "")} was introduced by it"
            : keys.Count > 0
                ? $"it changed {string.Join(", ", keys)} in {analysis.Candidates.First(c => c.Kind == FixKind.RestoreConfigValue).Files[0]}"
            : analysis.Findings.Count > 0
                ? $"none of the {analysis.Findings.Count} failing line(s) was changed by it"
                : "no failing line maps onto the repository";
        var covering = analysis.Findings.SelectMany(f => f.CoveringTests).Distinct().ToList();
        text += covering.Count > 0 ? $"; covered by {string.Join(", ", covering.Take(3))}" : "; no test file covers it by name";
        text += analysis.TestCommand is null
            ? $". No test command is configured for {analysis.Service} (repository.test_command), so the fix is not tested"
            : $". Tests ({analysis.TestCommand}) on {repository.Branch}: {analysis.BaseTests?.Describe() ?? "not run"}";
        text += best is not null
            ? $". Proposed: {best.Title}{(best.PatchedTests is { } t ? $" (with the patch: {t.Describe()})" : "")}"
            : analysis.Candidates.Count > 0 ? ". No fix proposed" : ". No candidate fix could be made";
        foreach (var refused in analysis.Candidates.Where(c => !c.Accepted))
        {
            text += $". Refused: {refused.Title}: {refused.Refusal}";
        }

        return text + ".";
    }

    private static void AddUnlessSeen(CodeAnalysis analysis, CodeFixCandidate candidate)
    {
        if (analysis.Candidates.All(c => c.PatchHash != candidate.PatchHash))
        {
            analysis.Candidates.Add(candidate);
        }
    }

    private async Task SaveAsync(CodeAnalysis analysis, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var best = analysis.Best();
        var details = new Dictionary<string, string>
        {
            ["analysis"] = analysis.Id.ToString(),
            ["suspect_commit"] = analysis.SuspectCommit ?? "",
            ["candidates"] = analysis.Candidates.Count.ToString(CultureInfo.InvariantCulture),
            ["proposed"] = best?.PatchHash ?? "",
        };
        db.CodeAnalyses.Add(analysis);
        db.Timeline.Add(TimelineEntry.Create(analysis.IncidentId, now, Actor, TimelineKind.CodeAnalysis, analysis.Summary, details));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another run of this job for the same diagnosis saved first; its analysis stands.
            logger.LogDebug("Code analysis of {IncidentId} was already saved by another run", analysis.IncidentId);
            return;
        }

        await notifier.PublishAsync([analysis.IncidentId], ct);
        pipeline.CodeAnalysed(analysis.IncidentId);
    }

    private async Task ConcludeWithoutRepositoryAsync(Guid incidentId, long diagnosisId, ServiceDefinition service, ServiceRepository repository, string why, CancellationToken ct)
    {
        var analysis = CodeAnalysis.Create(incidentId, diagnosisId, clock.GetUtcNow(), service.Name, repository.Path ?? "", repository.GitHub, repository.Branch, repository.TestCommand);
        analysis.Conclude($"No code analysis: {why}");
        await SaveAsync(analysis, ct);
    }

    /// <summary>The commit of the newest deploy of the service before the alert, when the repository has it.</summary>
    private async Task<string?> DeployedCommitAsync(Guid incidentId, string? service, string repo, CancellationToken ct)
    {
        var deploys = await db.Observations.AsNoTracking().Where(x => x.IncidentId == incidentId && x.Kind == ObservationKind.Deploy)
            .OrderByDescending(x => x.Id).ToListAsync(ct);
        foreach (var deploy in deploys.Select(d => d.Read<DeployEvent>()).OfType<DeployEvent>().Where(d => d.Service == service && d.Commit is not null).OrderByDescending(d => d.At))
        {
            if (await worktrees.ResolveAsync(repo, deploy.Commit!, ct) is { } sha)
            {
                return sha;
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="file"/> is byte-for-byte the same at both commits.</summary>
    private async Task<bool> SameAsync(string repo, string a, string b, string file, CancellationToken ct) =>
        a == b || (await GitTool.RunAsync(repo, TimeSpan.FromSeconds(30), ct, "diff", "--quiet", a, b, "--", file)).ExitCode == 0;

    private sealed record Blamed(string Sha, string File, int Line, string Subject);

    /// <summary>git blame --porcelain of one line: the commit that last changed it and the line's number and file in that commit.</summary>
    private async Task<Blamed?> BlameAsync(string repo, string revision, string file, int line, CancellationToken ct)
    {
        string output;
        try
        {
            output = await worktrees.GitAsync(repo, ct, "blame", "--porcelain", "-L", $"{line},{line}", revision, "--", file);
        }
        catch (CodeFixGitException)
        {
            return null;
        }

        var rows = output.Split('\n');
        var head = rows.FirstOrDefault()?.Split(' ');
        if (head is not { Length: >= 3 } || head[0].Length != 40)
        {
            return null;
        }

        var original = rows.FirstOrDefault(r => r.StartsWith("filename ", StringComparison.Ordinal))?[9..] ?? file;
        var subject = rows.FirstOrDefault(r => r.StartsWith("summary ", StringComparison.Ordinal))?[8..] ?? "";
        return new Blamed(head[0], original, int.Parse(head[1], CultureInfo.InvariantCulture), subject);
    }

    private async Task<(IReadOnlyList<string> Lines, int Start)> SourceAsync(string repo, string revision, string file, int line, int context, CancellationToken ct)
    {
        try
        {
            var text = (await worktrees.GitAsync(repo, ct, "show", $"{revision}:{file}")).Split('\n');
            var start = Math.Max(1, line - context);
            var end = Math.Min(text.Length, line + context);
            return (text[(start - 1)..end].Select(l => l.Length > 300 ? l[..300] : l).ToList(), start);
        }
        catch (CodeFixGitException)
        {
            return ([], line);
        }
    }

    private static TestResult ToResult(TestRun run) =>
        new(run.Ran, run.Passed, run.Failed, run.FailingTests, run.OutputTail, run.Elapsed.TotalSeconds, run.StoppedBy, run.Error);

    private static string Short7(string sha) => sha.Length > 7 ? sha[..7] : sha;
}
