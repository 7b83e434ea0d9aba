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
    TimeSpan? LeadTime);

/// <summary>A deploy of the service before the anchor with the commits it shipped (previous deploy's commit .. its commit).</summary>
public sealed record DeployWindow(Cited<DeployEvent> Deploy, Cited<DeployEvent>? Previous, IReadOnlyList<Cited<CommitInfo>> Commits, TimeSpan LeadTime, double Proximity);

public sealed record CorrelationResult(IReadOnlyList<ChangeCandidate> Candidates, IReadOnlyList<DeployWindow> RecentDeploys, IReadOnlyList<Cited<CommitInfo>> RecentCommits)
{
    public ChangeCandidate? BestBlame => Candidates.FirstOrDefault(c => c.BlameHit);

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
        CorrelationOptions? options = null)
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

        // Config changes shipped by a recent deploy (or a config-kind deploy).
        foreach (var w in windows)
        {
            var configCommit = w.Commits.LastOrDefault(c => c.Fact.Files.Any(IsConfigFile));
            var configKind = w.Deploy.Fact.Kind is { } kind && kind.Contains("config", StringComparison.OrdinalIgnoreCase);
            if (configCommit is not null || configKind)
            {
                var file = configCommit?.Fact.Files.First(IsConfigFile);
                var ids = new List<string> { w.Deploy.EvidenceId };
                if (configCommit is not null)
                {
                    ids.Add(configCommit.EvidenceId);
                }

                candidates.Add((new ChangeCandidate(configCommit?.Fact.Sha ?? w.Deploy.Fact.Commit, w.Deploy.Fact.Version, file, null, 0.5 * w.Proximity,
                    configCommit is not null
                        ? $"{w.Deploy.Fact.Version} deployed {Minutes(w.LeadTime)} before the onset ships {Short(configCommit.Fact.Sha)} \"{configCommit.Fact.Subject}\" touching {file}"
                        : $"config deploy {w.Deploy.Fact.Version} {Minutes(w.LeadTime)} before the onset",
                    ids, false, true, w.LeadTime), int.MaxValue - 1));
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
        return new CorrelationResult(ranked, windows.OrderBy(w => w.LeadTime).ToList(), recentCommits);
    }

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
    [GeneratedRegex(@"(?:^|/)(?:pyproject\.toml|Cargo\.toml|Pipfile|poetry\.lock|package(?:-lock)?\.json|go\.(?:mod|sum)|pom\.xml|build\.gradle(?:\.kts)?|requirements[\w.-]*\.txt|[\w.-]+\.csproj|Directory\.Packages\.props)$|(?:^|/)\.github/|(?:^|/)\.gitlab-ci\.yml$", RegexOptions.IgnoreCase)]
    private static partial Regex DependencyManifestRegex();

    [GeneratedRegex(@"(?:^|/)(?:config|configs|conf|settings|deploy|k8s|helm|charts|manifests|flags)/|\.(?:ya?ml|toml|ini|env|properties|conf|cfg|tfvars)$|(?:^|/)(?:appsettings[\w.]*\.json|\.env[\w.]*|settings\.py|config\.(?:js|ts|json|py|go)|values[\w.-]*\.ya?ml|Dockerfile|docker-compose[\w.-]*)$", RegexOptions.IgnoreCase)]
    private static partial Regex ConfigFileRegex();

    internal static string Short(string? sha) => sha is null ? "?" : sha.Length > 7 ? sha[..7] : sha;

    internal static string Minutes(TimeSpan span) =>
        span.TotalMinutes < 120 ? $"{Math.Max(0, (int)Math.Round(span.TotalMinutes))} min" : $"{span.TotalHours:0.#} h";
}
