using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.Diagnosis;

public sealed record CorrelationOptions(TimeSpan Lookback, TimeSpan ProximityScale, TimeSpan ClockSkew)
{
    public static CorrelationOptions Default { get; } = new(TimeSpan.FromHours(24), TimeSpan.FromHours(4), TimeSpan.FromMinutes(2));
}

/// <summary>One change that may have caused the incident, with how strongly the evidence ties it to the failure.</summary>
public sealed record ChangeCandidate(
    string? Commit,
    string? Version,
    string? File,
    int? Line,
    double Score,
    string Reason,
    IReadOnlyList<string> EvidenceIds,
    bool BlameHit,
    bool TouchesConfig,
    TimeSpan? LeadTime,
    double Explanation = 0);

/// <summary>What the failure looks like, for ranking changes by how well they explain it.</summary>
public sealed record FailureContext(IReadOnlyList<StackFrame> Frames, IReadOnlyCollection<string> ErrorWords, IReadOnlyList<Cited<CommitDiff>> Diffs)
{
    public static FailureContext None { get; } = new([], [], []);
}

/// <summary>A deploy of the service before the anchor with the commits it shipped (previous deploy's commit .. its commit).</summary>
public sealed record DeployWindow(Cited<DeployEvent> Deploy, Cited<DeployEvent>? Previous, IReadOnlyList<Cited<CommitInfo>> Commits, TimeSpan LeadTime, double Proximity);

public sealed record CorrelationResult(
    IReadOnlyList<ChangeCandidate> Candidates,
    IReadOnlyList<DeployWindow> RecentDeploys,
    IReadOnlyList<Cited<CommitInfo>> RecentCommits,
    IReadOnlyList<ChangeCandidate>? Explained = null)
{
    public ChangeCandidate? BestBlame => Candidates.FirstOrDefault(c => c.BlameHit);

    /// <summary>The change of the window that best explains the failing frames and errors (see <see cref="ChangeCorrelator.Explain"/>).</summary>
    public ChangeCandidate? BestExplained => Explained?.FirstOrDefault();

    public ChangeCandidate? BestConfig => Candidates.FirstOrDefault(c => c.TouchesConfig);
}

/// <summary>
/// Ties deploys and commits to a failure: time proximity to the onset, and git blame of the failing
/// application frames landing on a commit a recent deploy shipped. Deploys of other services are ignored.
/// It only ranks changes; whether the cause is a code change at all is the engine's call.
/// </summary>
public static partial class ChangeCorrelator
{
    private static readonly string[] FailedStatuses = ["failed", "failure", "error", "rolled_back", "rolledback", "cancelled", "canceled", "aborted"];

    public static CorrelationResult Correlate(
        string? service,
        DateTimeOffset anchor,
        IReadOnlyList<Cited<DeployEvent>> deploys,
        IReadOnlyList<Cited<CommitInfo>> commits,
        IReadOnlyList<Cited<BlameLine>> blame,
        CorrelationOptions? options = null,
        FailureContext? failure = null)
    {
        ArgumentNullException.ThrowIfNull(deploys);
        ArgumentNullException.ThrowIfNull(commits);
        ArgumentNullException.ThrowIfNull(blame);
        var o = options ?? CorrelationOptions.Default;

        var own = deploys
            .Where(d => service is null || string.Equals(d.Fact.Service, service, StringComparison.OrdinalIgnoreCase))
            .Where(d => d.Fact.Status is null || !FailedStatuses.Contains(d.Fact.Status.Trim().ToLowerInvariant()))
            .OrderBy(d => d.Fact.At)
            .ToList();

        // A release tag and the recorded deploy of the same version are one change: keep the deploy (its
        // time is when the change went live), so the tag does not become the "previous deploy" that
        // hides the version's own commits.
        var deployed = own.Where(d => !IsReleaseTag(d.Fact)).ToList();
        own = own.Where(d => !IsReleaseTag(d.Fact) || !deployed.Any(x => SameRelease(x.Fact, d.Fact))).ToList();
        var byTime = commits.OrderBy(c => c.Fact.At).ToList();

        var windows = new List<DeployWindow>();
        for (var i = 0; i < own.Count; i++)
        {
            var d = own[i];
            var lead = anchor - d.Fact.At;
            if (lead < -o.ClockSkew || lead > o.Lookback)
            {
                continue;
            }

            var previous = i > 0 ? own[i - 1] : null;
            var shipped = CommitsShipped(d.Fact, previous?.Fact, byTime);
            var positiveLead = lead < TimeSpan.Zero ? TimeSpan.Zero : lead;
            windows.Add(new DeployWindow(d, previous, shipped, positiveLead, Proximity(positiveLead, o)));
        }

        var recentCommits = byTime.Where(c => c.Fact.At <= anchor + o.ClockSkew && anchor - c.Fact.At <= o.Lookback).ToList();
        var candidates = new List<(ChangeCandidate Candidate, int Order)>();

        // Blame hits: a failing frame's line was last changed by a commit a recent deploy shipped.
        for (var i = 0; i < blame.Count; i++)
        {
            var b = blame[i];
            var window = windows.LastOrDefault(w => w.Commits.Any(c => ShaMatches(c.Fact.Sha, b.Fact.Sha)));
            var commit = byTime.FirstOrDefault(c => ShaMatches(c.Fact.Sha, b.Fact.Sha));
            if (window is not null)
            {
                var ids = new List<string> { b.EvidenceId, window.Deploy.EvidenceId };
                if (commit is not null)
                {
                    ids.Add(commit.EvidenceId);
                }

                var score = 0.6 + 0.4 * window.Proximity;
                candidates.Add((new ChangeCandidate(commit?.Fact.Sha ?? b.Fact.Sha, window.Deploy.Fact.Version, b.Fact.File, b.Fact.Line, score,
                    $"{b.Fact.File}:{b.Fact.Line} (a failing frame) was last changed by {Short(commit?.Fact.Sha ?? b.Fact.Sha)}"
                    + (commit is null ? "" : $" \"{commit.Fact.Subject}\"")
                    + $", shipped in {window.Deploy.Fact.Service} {window.Deploy.Fact.Version} deployed {Minutes(window.LeadTime)} before the onset",
                    ids, true, IsConfigFile(b.Fact.File), window.LeadTime), i));
            }
            else if (commit is not null && recentCommits.Contains(commit))
            {
                var lead = anchor - commit.Fact.At;
                candidates.Add((new ChangeCandidate(commit.Fact.Sha, null, b.Fact.File, b.Fact.Line, 0.35 * Proximity(lead, o),
                    $"{b.Fact.File}:{b.Fact.Line} (a failing frame) was changed by {Short(commit.Fact.Sha)} {Minutes(lead)} before the onset; no deploy of it is recorded",
                    [b.EvidenceId, commit.EvidenceId], true, IsConfigFile(b.Fact.File), lead), i));
            }
        }

        // Config changes committed in the window that no recorded deploy shipped (a rules or settings file pushed).
        var shippedShas = windows.SelectMany(w => w.Commits).Select(c => c.Fact.Sha).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var c in recentCommits.Where(c => !shippedShas.Contains(c.Fact.Sha) && c.Fact.Files.Any(IsConfigFile)))
        {
            var lead = anchor - c.Fact.At;
            var file = c.Fact.Files.First(IsConfigFile);
            candidates.Add((new ChangeCandidate(c.Fact.Sha, null, file, null, 0.4 * Proximity(lead, o),
                $"{Short(c.Fact.Sha)} \"{c.Fact.Subject}\" changed {file} {Minutes(lead)} before the onset (no deploy of it is recorded)",
                [c.EvidenceId], false, true, lead < TimeSpan.Zero ? TimeSpan.Zero : lead), int.MaxValue - 2));
        }

        // Config changes shipped by a recent deploy (or a config-kind deploy).
        foreach (var w in windows)
        {
            // Every config commit the deploy shipped, the newest first (the engine picks among them by their diffs).
            var configCommits = w.Commits.Where(c => c.Fact.Files.Any(IsConfigFile)).Reverse().ToList();
            var configKind = Evidence.IsConfigKind(w.Deploy.Fact.Kind);
            foreach (var configCommit in configCommits)
            {
                var file = configCommit.Fact.Files.First(IsConfigFile);
                candidates.Add((new ChangeCandidate(configCommit.Fact.Sha, w.Deploy.Fact.Version, file, null, 0.5 * w.Proximity,
                    $"{w.Deploy.Fact.Version} deployed {Minutes(w.LeadTime)} before the onset ships {Short(configCommit.Fact.Sha)} \"{configCommit.Fact.Subject}\" touching {file}",
                    [w.Deploy.EvidenceId, configCommit.EvidenceId], false, true, w.LeadTime), int.MaxValue - 1));
            }

            if (configCommits.Count == 0 && configKind)
            {
                candidates.Add((new ChangeCandidate(w.Deploy.Fact.Commit, w.Deploy.Fact.Version, null, null, 0.5 * w.Proximity,
                    $"config deploy {w.Deploy.Fact.Version} {Minutes(w.LeadTime)} before the onset",
                    [w.Deploy.EvidenceId], false, true, w.LeadTime), int.MaxValue - 1));
            }

            candidates.Add((new ChangeCandidate(w.Deploy.Fact.Commit, w.Deploy.Fact.Version, null, null, 0.3 * w.Proximity,
                $"{w.Deploy.Fact.Service} {w.Deploy.Fact.Version} deployed {Minutes(w.LeadTime)} before the onset ({w.Commits.Count} commits)",
                [w.Deploy.EvidenceId, .. w.Commits.Select(c => c.EvidenceId)], false, false, w.LeadTime), int.MaxValue));
        }

        var ranked = candidates
            .OrderByDescending(c => c.Candidate.Score)
            .ThenBy(c => c.Order)
            .Select(c => c.Candidate)
            .ToList();
        var explained = Explain(windows, recentCommits, blame, failure ?? FailureContext.None, anchor, o);
        return new CorrelationResult(ranked, windows.OrderBy(w => w.LeadTime).ToList(), recentCommits, explained);
    }

    /// <summary>
    /// Ranks every commit of the window (those the recent deploys shipped, and recent ones no deploy recorded, at half
    /// weight) by how much of the failure it explains: it touches the file of an application frame (0.4, less for
    /// frames further from where the error was raised), the frame's exact line (blame on it, or a diff hunk around it:
    /// +0.3), the frame's function (named in its diff: +0.15), and words of the new errors (subject and added lines:
    /// +0.05 each, at most 0.15). Score = explanation x (0.6 + 0.4 proximity). Only commits touching a frame's file rank.
    /// </summary>
    public static List<ChangeCandidate> Explain(
        IReadOnlyList<DeployWindow> windows,
        IReadOnlyList<Cited<CommitInfo>> recentCommits,
        IReadOnlyList<Cited<BlameLine>> blame,
        FailureContext failure,
        DateTimeOffset anchor,
        CorrelationOptions o)
    {
        var frames = failure.Frames.Where(f => f.IsApplicationCode && f.File is not null).ToList();
        if (frames.Count == 0)
        {
            return [];
        }

        var pool = windows.OrderBy(w => w.LeadTime).SelectMany(w => w.Commits.Select(c => (Commit: c, Window: (DeployWindow?)w, Weight: 1.0)))
            .Concat(recentCommits.Select(c => (Commit: c, Window: (DeployWindow?)null, Weight: 0.5)))
            .GroupBy(x => x.Commit.Fact.Sha, StringComparer.OrdinalIgnoreCase).Select(g => g.First())
            .ToList();
        var result = new List<ChangeCandidate>();
        foreach (var (commit, window, weight) in pool)
        {
            var diff = failure.Diffs.FirstOrDefault(d => ShaMatches(d.Fact.Sha, commit.Fact.Sha));
            var hunks = diff is null ? null : Hunks.Parse(diff.Fact.Patch);
            double best = 0;
            (string File, int? Line, string Why, List<string> Ids)? hit = null;
            for (var i = 0; i < frames.Count; i++)
            {
                var frame = frames[i];
                var file = commit.Fact.Files.FirstOrDefault(p => SameFile(frame.File!, p));
                if (file is null)
                {
                    continue;
                }

                var depth = 1.0 / (1 + 0.5 * i);
                var score = 0.4 * depth;
                var why = new List<string> { $"touches {file} (a failing frame)" };
                var ids = new List<string> { commit.EvidenceId };
                var blamed = frame.Line is { } line ? blame.FirstOrDefault(b => b.Fact.Line == line && SameFile(frame.File!, b.Fact.File) && ShaMatches(b.Fact.Sha, commit.Fact.Sha)) : null;
                if (blamed is not null)
                {
                    score += 0.3;
                    why.Add($"line {blamed.Fact.Line} was last changed by it");
                    ids.Insert(0, blamed.EvidenceId);
                }
                // Blame is authoritative on who last changed the line: a hunk near it counts only when the line was not blamed.
                else if (frame.Line is { } l && hunks?.Covers(file, l) == true
                         && !blame.Any(b => b.Fact.Line == l && SameFile(frame.File!, b.Fact.File)))
                {
                    score += 0.3;
                    why.Add($"its diff changes the lines around {l}");
                    ids.Add(diff!.EvidenceId);
                }

                if (frame.Function is { Length: >= 3 } fn && hunks?.Mentions(file, fn) == true)
                {
                    score += 0.15;
                    why.Add($"its diff changes {fn}");
                }

                if (score > best)
                {
                    best = score;
                    hit = (file, frame.Line, string.Join(", ", why), ids);
                }
            }

            if (hit is null)
            {
                continue;
            }

            var words = Words(commit.Fact.Subject + " " + (hunks?.AddedText ?? "")).Intersect(failure.ErrorWords, StringComparer.OrdinalIgnoreCase).Take(3).ToList();
            var explanation = Math.Min(1, best + 0.05 * words.Count);
            var lead = window?.LeadTime ?? anchor - commit.Fact.At;
            var proximity = window?.Proximity ?? Proximity(lead, o);
            var (hitFile, hitLine, why2, evidence) = hit.Value;
            if (window is not null)
            {
                evidence.Add(window.Deploy.EvidenceId);
            }

            // Explaining the frame's file and line (0.7) counts as fully as a blame hit always did.
            result.Add(new ChangeCandidate(commit.Fact.Sha, window?.Deploy.Fact.Version, hitFile, hitLine, weight * Math.Min(1, explanation / 0.7) * (0.6 + 0.4 * proximity),
                $"{Short(commit.Fact.Sha)} \"{commit.Fact.Subject}\" {why2}" + (words.Count > 0 ? $"; shares \"{string.Join("\", \"", words)}\" with the new errors" : "")
                + (window is not null ? $"; shipped in {window.Deploy.Fact.Service} {window.Deploy.Fact.Version} deployed {Minutes(window.LeadTime)} before the onset" : $"; committed {Minutes(lead)} before the onset, no deploy of it is recorded"),
                evidence.Distinct().ToList(), blame.Any(b => ShaMatches(b.Fact.Sha, commit.Fact.Sha)), IsConfigFile(hitFile), lead, weight * explanation));
        }

        return result.OrderByDescending(c => c.Explanation).ThenByDescending(c => c.Score).ToList();
    }

    /// <summary>A stack frame's path (often absolute, from the container) and a repository path name the same file.</summary>
    public static bool SameFile(string framePath, string repoPath)
    {
        var a = framePath.Replace('\\', '/').TrimStart('.', '/');
        var b = repoPath.Replace('\\', '/').TrimStart('.', '/');
        return a.Length > 0 && b.Length > 0
            && (string.Equals(a, b, StringComparison.OrdinalIgnoreCase)
                || a.EndsWith("/" + b, StringComparison.OrdinalIgnoreCase) || b.EndsWith("/" + a, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Words worth sharing: four letters or more, split at case changes, digits and punctuation.</summary>
    public static HashSet<string> Words(string text)
    {
        var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match m in WordRegex().Matches(text))
        {
            var w = m.Value.ToLowerInvariant();
            if (w.Length >= 4 && !StopWords.Contains(w))
            {
                result.Add(w);
            }
        }

        return result;
    }

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "this", "that", "with", "from", "have", "when", "then", "than", "into", "were", "will", "would", "should", "could", "there", "their",
        "return", "none", "null", "true", "false", "self", "error", "errors", "exception", "failed", "fail", "line", "file", "self", "void",
        "public", "private", "static", "class", "import", "const", "func", "function", "string", "value", "values", "http", "https", "info", "warn",
    };

    [GeneratedRegex(@"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")]
    private static partial Regex WordRegex();

    /// <summary>The commits between the previous deploy's commit (exclusive) and this deploy's commit (inclusive), by commit time.</summary>
    private static List<Cited<CommitInfo>> CommitsShipped(DeployEvent deploy, DeployEvent? previous, List<Cited<CommitInfo>> byTime)
    {
        var head = Find(deploy, byTime);
        var end = head?.Fact.At ?? deploy.At;
        var prevCommit = previous is null ? null : Find(previous, byTime);
        var start = prevCommit?.Fact.At ?? previous?.At ?? end - TimeSpan.FromDays(14);
        return byTime.Where(c => c.Fact.At > start && c.Fact.At <= end && (prevCommit is null || !ShaMatches(c.Fact.Sha, prevCommit.Fact.Sha))).ToList();
    }

    private static Cited<CommitInfo>? Find(DeployEvent deploy, List<Cited<CommitInfo>> byTime)
    {
        if (deploy.Commit is { Length: > 0 } sha && byTime.FirstOrDefault(c => ShaMatches(c.Fact.Sha, sha)) is { } bySha)
        {
            return bySha;
        }

        // A release tag naming the version (v1.2.3 or 1.2.3) identifies the commit too.
        return byTime.FirstOrDefault(c => c.Fact.Tags.Any(t => string.Equals(t.TrimStart('v', 'V'), deploy.Version.TrimStart('v', 'V'), StringComparison.OrdinalIgnoreCase)));
    }

    private static bool IsReleaseTag(DeployEvent d) => string.Equals(d.Kind, "release-tag", StringComparison.OrdinalIgnoreCase);

    private static bool SameRelease(DeployEvent a, DeployEvent b) =>
        string.Equals(a.Version.TrimStart('v', 'V'), b.Version.TrimStart('v', 'V'), StringComparison.OrdinalIgnoreCase)
        || (a.Commit is { } x && b.Commit is { } y && ShaMatches(x, y));

    public static bool ShaMatches(string a, string b) =>
        a.Length >= 7 && b.Length >= 7 && (a.StartsWith(b, StringComparison.OrdinalIgnoreCase) || b.StartsWith(a, StringComparison.OrdinalIgnoreCase));

    private static double Proximity(TimeSpan lead, CorrelationOptions o) =>
        Math.Exp(-Math.Max(0, lead.TotalSeconds) / o.ProximityScale.TotalSeconds);

    /// <summary>Configuration rather than code: settings files, manifests, env files, feature flags.</summary>
    public static bool IsConfigFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var p = path.Replace('\\', '/');
        return ConfigFileRegex().IsMatch(p) && !DependencyManifestRegex().IsMatch(p);
    }

    /// <summary>Package manifests and CI files look like config by extension but ship code changes.</summary>
    /// <summary>Documentation: neither code nor configuration (docs/, *.md/.rst/.adoc, README, CHANGELOG, LICENSE ...).</summary>
    public static bool IsDocumentation(string path) => DocumentationRegex().IsMatch(path.Replace('\\', '/'));

    [GeneratedRegex(@"(?:^|/)docs?/|\.(?:md|markdown|rst|adoc|asciidoc)$|(?:^|/)(?:README|CHANGELOG|CHANGES|LICENSE|NOTICE|AUTHORS|CONTRIBUTING|CODEOWNERS)(?:\.\w+)?$", RegexOptions.IgnoreCase)]
    private static partial Regex DocumentationRegex();

    [GeneratedRegex(@"(?:^|/)(?:pyproject\.toml|Cargo\.toml|Pipfile|poetry\.lock|package(?:-lock)?\.json|go\.(?:mod|sum)|pom\.xml|build\.gradle(?:\.kts)?|requirements[\w.-]*\.txt|[\w.-]+\.csproj|Directory\.Packages\.props)$|(?:^|/)\.github/|(?:^|/)\.gitlab-ci\.yml$", RegexOptions.IgnoreCase)]
    private static partial Regex DependencyManifestRegex();

    [GeneratedRegex(@"(?:^|/)(?:config|configs|conf|settings|deploy|k8s|helm|charts|manifests|flags)/|(?:^|/)(?:rules|policies)/[^/]+\.(?:json|txt|csv)$|\.(?:ya?ml|toml|ini|env|properties|conf|cfg|tfvars|rules|hcl|jsonnet|cue)$|(?:^|/)(?:appsettings[\w.]*\.json|\.env[\w.]*|settings\.py|config\.(?:js|ts|json|py|go)|values[\w.-]*\.ya?ml|Dockerfile|docker-compose[\w.-]*)$", RegexOptions.IgnoreCase)]
    private static partial Regex ConfigFileRegex();

    internal static string Short(string? sha) => sha is null ? "?" : sha.Length > 7 ? sha[..7] : sha;

    internal static string Minutes(TimeSpan span) =>
        span.TotalMinutes < 120 ? $"{Math.Max(0, (int)Math.Round(span.TotalMinutes))} min" : $"{span.TotalHours:0.#} h";
}
