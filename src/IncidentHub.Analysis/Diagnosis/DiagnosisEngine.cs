using System.Globalization;
using System.Text.RegularExpressions;
using IncidentHub.Analysis.Diagnosis.Scorers;
using IncidentHub.Analysis.Incidents;
using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis;


/// <summary>
/// The deterministic diagnosis: scores every hypothesis category from evidence features, computes
/// confidence from how many independent kinds of evidence agree, and abstains (Unknown) below the
/// threshold. Pure and fast: no I/O, no clock. See docs/decisions/009-deterministic-diagnosis.md.
/// </summary>
public static class DiagnosisEngine
{
    /// <summary>One scorer per category, in the order of <see cref="HypothesisCategory"/> (ties keep this order).</summary>
    private static readonly ICategoryScorer[] Scorers =
    [
        new BadDeployScorer(),
        new ConfigChangeScorer(),
        new CapacityExhaustionScorer(),
        new DependencyFailureScorer(),
        new CertificateExpiryScorer(),
        new DataSchemaScorer(),
        new NetworkDnsScorer(),
        new TrafficSpikeScorer(),
        new NoisyFalseAlarmScorer(),
    ];

    public static Diagnosis Diagnose(DiagnosisInput input, DiagnosisOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = options ?? new DiagnosisOptions();
        input = WithRecentTemplatesNew(input);
        var facts = Facts.From(input, o);

        var scored = Scorers.Select(c => Score(c, facts, o)).ToList();
        var live = scored.Where(s => !s.Discarded).OrderByDescending(s => s.Support).ToList();
        var top = live.FirstOrDefault();
        var second = live.Skip(1).FirstOrDefault();

        var confidence = 0.0;
        if (top is { Support: > 0 })
        {
            var r = second is null ? 0 : second.Support / top.Support;
            confidence = Math.Round(top.Support * (1 - 0.5 * r * r), 3);
        }

        var unknown = top is null || confidence < o.ConfidenceThreshold;
        // A change that explains the failing frames (their file and line) or sets a configuration value to an extreme,
        // and went live before the onset, names the cause even when a competing hypothesis keeps the margin small.
        if (unknown && top is not null && top.Support >= o.ConfidenceThreshold && StrongChange(top.Category, facts))
        {
            unknown = false;
            confidence = o.ConfidenceThreshold;
        }

        var category = unknown ? (HypothesisCategory?)null : top!.Category;

        var hypotheses = scored
            .OrderBy(s => s.Discarded)
            .ThenByDescending(s => s.Support)
            .Select(s => new Hypothesis(s.Category, Math.Round(s.Support, 3), s.Statement, s.EvidenceIds, s.Features, s.Discarded, s.DiscardReason))
            .ToList();

        // A change-caused best guess names its change even when the answer abstains: responders look there first.
        // (only a change tied to the failure by a file: never the bare deploy of an abstaining answer).
        var suspect = unknown ? (top is null ? null : Suspect(top.Category, facts) is { File: not null } guess ? guess : null) : Suspect(category!.Value, facts);
        var triage = Triage(input, facts, category, confidence, top); // an abstaining answer still sizes the impact by its best guess
        var (wouldPage, pageReason) = Page(input, facts, category, unknown, triage);
        var summary = unknown
            ? $"Unknown (confidence {confidence.ToString("0.00", CultureInfo.InvariantCulture)} below {o.ConfidenceThreshold.ToString("0.00", CultureInfo.InvariantCulture)})"
                + (top is null ? ": no hypothesis has supporting evidence" : $"; best guess {top.Category.ToName()}: {top.Statement}")
            : $"{category!.Value.ToName()} (confidence {confidence.ToString("0.00", CultureInfo.InvariantCulture)}): {top!.Statement}"
                + (suspect?.Commit is { } sha ? $"; suspect {ChangeCorrelator.Short(sha)}" + (suspect.File is null ? "" : $" {suspect.File}" + (suspect.Line is null ? "" : $":{suspect.Line}")) : "");

        return new Diagnosis(triage, category, confidence, unknown, summary, hypotheses, suspect, wouldPage, pageReason,
            input.Suspicious.Select(s => s.EvidenceId).Distinct().ToList(), Needs(input, facts, unknown));
    }

    // ---- scoring ------------------------------------------------------------------------------

    private sealed record Scored(HypothesisCategory Category, double Support, string Statement, IReadOnlyList<string> EvidenceIds, IReadOnlyList<string> Features, bool Discarded, string? DiscardReason);

    private static Scored Score(ICategoryScorer scorer, Facts f, DiagnosisOptions o)
    {
        var signals = new List<Signal>();
        string? discard = null;
        var statement = scorer.Score(f, signals, ref discard);
        var category = scorer.Category;

        // A cause nobody felt: user-facing series are measured, none moved, and no work failed. Every cause but noise (and
        // capacity, which weighs its own recovery) keeps 60 % of its evidence.
        if (discard is null && !f.UserImpact && f.UsersMeasuredFine && category is not (HypothesisCategory.NoisyFalseAlarm or HypothesisCategory.CapacityExhaustion))
        {
            Scale(signals, UnfeltCause);
        }

        // Memory: a past incident of this category; a verified fix counts fully, an unverified one half.
        foreach (var past in f.Input.Memory.Where(m => m.Fact.Category == category))
        {
            var strength = Math.Clamp(past.Fact.Similarity, 0, 1) * (past.Fact.FixVerified ? 1.0 : 0.5);
            signals.Add(new Signal(EvidenceKind.Memory, strength, past.EvidenceId,
                $"past incident {past.Fact.Reference} ({(past.Fact.FixVerified ? "verified fix" : "fix not verified")}, similarity {past.Fact.Similarity:0.00})"));
        }

        var byKind = signals.GroupBy(s => s.Kind).ToDictionary(g => g.Key, g => Math.Clamp(g.Max(s => s.Strength), 0, 1));
        var support = discard is null ? 1 - byKind.Values.Aggregate(1.0, (acc, s) => acc * (1 - o.KindWeight * s)) : 0;
        if (discard is null && (signals.Count == 0 || support <= 0.001))
        {
            discard = "no supporting evidence";
            support = 0;
        }

        var features = signals.Where(s => s.Strength > 0).OrderByDescending(s => s.Strength)
            .Select(s => $"{s.Kind.ToString().ToLowerInvariant()}: {s.Feature}").Distinct().ToList();
        var ids = signals.Where(s => s.Strength > 0 && s.EvidenceId is not null).Select(s => s.EvidenceId!).Distinct().ToList();
        return new Scored(category, support, statement, ids, features, discard is not null, discard);
    }

    // ---- suspect, triage, paging ------------------------------------------------------------------

    private static SuspectChange? Suspect(HypothesisCategory category, Facts f)
    {
        switch (category)
        {
            case HypothesisCategory.BadDeployCode:
                if (f.CodeSuspect is { } blame)
                {
                    return new SuspectChange(blame.Commit, blame.File, blame.Line, blame.Version, blame.Reason, blame.EvidenceIds);
                }

                if (f.Correlation.RecentDeploys.FirstOrDefault() is { } w)
                {
                    return new SuspectChange(w.Deploy.Fact.Commit, null, null, w.Deploy.Fact.Version,
                        $"{w.Deploy.Fact.Service} {w.Deploy.Fact.Version} deployed {ChangeCorrelator.Minutes(w.LeadTime)} before the onset; no failing frame could be blamed on one commit",
                        [w.Deploy.EvidenceId]);
                }

                return null;
            case HypothesisCategory.ConfigChange:
                return f.ConfigSuspect is { } c ? new SuspectChange(c.Commit, c.File, c.Line, c.Version, c.Reason, c.EvidenceIds) : null;
            case HypothesisCategory.DataSchema:
                // A schema change shipped in the window: the newest migration (the one closest to the onset).
                return f.Migrations.Count > 0 && f.Migrations.MaxBy(m => m.Proximity) is var m
                    ? new SuspectChange(m.Commit.Fact.Sha, m.File, null, null, $"{ChangeCorrelator.Short(m.Commit.Fact.Sha)} \"{m.Commit.Fact.Subject}\" changes {m.File}", [m.Commit.EvidenceId])
                    : null;
            default:
                return null; // not a code change: no commit is suspected rather than a guess
        }
    }

    /// <summary>
    /// The alert fires minutes after the failures begin, so the incident window of the log analysis can start after them:
    /// a template first seen within <see cref="RecentlyNew"/> before the alert, and seen at most a few times before the
    /// incident window (a quarter of its incident count), is new.
    /// </summary>
    internal static DiagnosisInput WithRecentTemplatesNew(DiagnosisInput input) => input with
    {
        Templates = input.Templates.Select(t => !t.Fact.IsNew && t.Fact.FirstSeen is { } seen && seen >= input.AlertAt - RecentlyNew
                && t.Fact.IncidentCount > 0 && t.Fact.BaselineCount <= 0.25 * t.Fact.IncidentCount
            ? t with { Fact = t.Fact with { IsNew = true } }
            : t).ToList(),
    };

    private static readonly TimeSpan RecentlyNew = TimeSpan.FromMinutes(30);

    /// <summary>What a cause keeps of its evidence when users are measured and nobody felt it.</summary>
    private const double UnfeltCause = 0.6;

    /// <summary>Below this share of failing requests (or with only latency up) an outage is partial: one level lower.</summary>
    private const double PartialFailureShare = 0.25;

    /// <summary>From this share of failing requests a tier 1 outage is one level higher (P0).</summary>
    private const double MajorFailureShare = 0.4;

    /// <summary>
    /// A series that counts background units (tasks, jobs, runs, batches, messages, records) and nothing that names requests
    /// (http, grpc, rpc, requests, routes): a worker's throughput, not users' requests.
    /// </summary>
    internal static bool CountsBackgroundWork(string name)
    {
        var tokens = System.Text.RegularExpressions.Regex.Split(name.ToLowerInvariant(), "[^a-z0-9]+");
        return tokens.Any(t => BackgroundUnits.Contains(t)) && !tokens.Any(t => RequestUnits.Contains(t));
    }

    private static readonly HashSet<string> BackgroundUnits = new(StringComparer.Ordinal)
        { "task", "tasks", "job", "jobs", "run", "runs", "batch", "batches", "message", "messages", "record", "records", "celery", "sidekiq", "consumer", "worker" };

    private static readonly HashSet<string> RequestUnits = new(StringComparer.Ordinal)
        { "http", "https", "grpc", "rpc", "request", "requests", "route", "routes", "endpoint", "api", "server" };

    private static bool StrongChange(HypothesisCategory category, Facts f) => category switch
    {
        // Not when the errors themselves name another mechanism (a certificate, a dependency, the network, the data, a resource
        // at its limit): the margin to that mechanism then decides.
        HypothesisCategory.BadDeployCode => f.Correlation.BestExplained is { Explanation: >= 0.7, Version: not null } && (!f.NonCodeErrorText || f.DataWrittenByCode),
        HypothesisCategory.ConfigChange => f.ConfigSuspect is { LeadTime: not null }
            && f.ConfigEdits.Any(e => e.Extreme && e.MadeBy(f.ConfigSuspect)),
        _ => false,
    };

    private static RefinedTriage Triage(DiagnosisInput input, Facts f, HypothesisCategory? category, double confidence, Scored? top)
    {
        var ids = new List<string>();
        var tier = input.ServiceTier ?? 2;
        var maxErrorRatio = 0.0;
        foreach (var onset in f.Onsets.Where(x => x.Fact.Role == MetricRole.ErrorRatio && x.Fact.Direction == "up"))
        {
            maxErrorRatio = Math.Max(maxErrorRatio, onset.Fact.After);
            ids.Add(onset.EvidenceId);
        }

        var latencyImpact = f.Onsets.FirstOrDefault(x => x.Fact.Role == MetricRole.Latency && x.Fact.Direction == "up" && x.Fact.After >= 2 * x.Fact.Before);
        if (latencyImpact is not null)
        {
            ids.Add(latencyImpact.EvidenceId);
        }

        // Severity from measured impact, one rule (docs/diagnosis-rules.md, *Severity*): what kind of work fails (requests
        // users make, or background work), how much of it, what kind of cause (one that breaks the path outright, or load
        // and a degraded dependency that fail a part), and the tier. The alert's own severity is not used: sources disagree.
        // A service serves requests when a user-facing series (error ratio, latency, traffic) counts requests; one whose such
        // series all count background units (tasks, jobs, runs, messages) is a worker, whatever the series' role.
        var servesRequests = input.Series.Select(x => (x.Fact.Role, Name: x.Fact.Query.Length > 0 ? x.Fact.Query : x.Fact.Name))
            .Concat(f.Onsets.Select(x => (x.Fact.Role, Name: x.Fact.SeriesName)))
            .Any(x => x.Role is MetricRole.ErrorRatio or MetricRole.Latency or MetricRole.Traffic && !CountsBackgroundWork(x.Name));
        var cause = category ?? top?.Category;
        var degradation = cause is HypothesisCategory.CapacityExhaustion or HypothesisCategory.TrafficSpike or HypothesisCategory.DependencyFailure;
        var partial = servesRequests && (maxErrorRatio > 0 ? maxErrorRatio < PartialFailureShare : latencyImpact is not null || f.UserOnsets.Any(x => x.Fact.Role == MetricRole.Latency));
        Severity severity;
        string reason;
        if (category != HypothesisCategory.NoisyFalseAlarm && !f.UserImpact && input.Series.Count == 0 && input.Onsets.Count == 0 && input.Templates.Count == 0
            && input.StackTraces.Count == 0 && input.Health.Count == 0)
        {
            // Nothing to measure impact by (no metric, log or health reading): the absence of evidence is not the absence of
            // impact, and the alert that fired is the only reading there is. Its severity stands.
            severity = input.AlertSeverity;
            reason = "no metric, log or health reading to measure impact by; the alert's severity stands";
        }
        else if (category == HypothesisCategory.NoisyFalseAlarm || !f.UserImpact)
        {
            severity = Severity.P3;
            reason = "no user-facing impact found";
        }
        else
        {
            severity = servesRequests ? Severity.P1 : Severity.P2;
            reason = maxErrorRatio > 0 ? $"{maxErrorRatio.ToString("P0", CultureInfo.InvariantCulture)} of requests fail"
                : latencyImpact is not null ? $"{latencyImpact.Fact.SeriesName} rose {(latencyImpact.Fact.After / Math.Max(latencyImpact.Fact.Before, 1e-9)).ToString("0.0", CultureInfo.InvariantCulture)}x"
                : servesRequests ? "requests fail (" + f.ImpactReason + ")" : "background work fails (" + f.ImpactReason + ")";
            if (degradation || partial)
            {
                severity = Severity.P2;
                reason += degradation ? $"; {cause!.Value.ToName()} degrades part of the work" : "; part of the requests";
            }

            // Most users of a critical service, or a service many others depend on: one level higher.
            if ((tier <= 1 && maxErrorRatio >= MajorFailureShare) || input.Dependents.Count >= 3)
            {
                severity = severity == Severity.P0 ? Severity.P0 : severity - 1;
                reason += tier <= 1 && maxErrorRatio >= MajorFailureShare ? "; most requests of a tier 1 service" : $"; {input.Dependents.Count.ToString(CultureInfo.InvariantCulture)} dependent services";
            }
            else if (tier >= 3)
            {
                severity = Severity.P3;
                reason += $"; tier {tier.ToString(CultureInfo.InvariantCulture)}";
            }
        }

        // The service at fault: for a dependency, certificate or network cause, the catalog service the
        // failing calls were made to (the alert fired on the caller); otherwise the alerted service.
        var service = input.Service;
        if (Culprit(input, f, category, top) is { } culprit)
        {
            service = culprit.Service;
            reason += $"; the failing calls go to {culprit.Service} ({culprit.Host}), so the fault is there";
            ids.AddRange(culprit.EvidenceIds);
        }

        var blast = $"{f.ServiceName} (tier {tier.ToString(CultureInfo.InvariantCulture)})"
            + (maxErrorRatio > 0 ? $", {maxErrorRatio.ToString("P0", CultureInfo.InvariantCulture)} of requests failing" : "")
            + (input.Dependents.Count > 0 ? $"; dependents: {string.Join(", ", input.Dependents)}" : "; no known dependents");
        return new RefinedTriage(severity, service, confidence, blast, reason, ids.Distinct().ToList());
    }

    /// <summary>
    /// The catalog service that the top hypothesis's failing calls were addressed to: hosts in URLs,
    /// host:port pairs and cluster names (push-gateway.messaging.svc:8443) that name a known service other
    /// than the alerted one; the most mentioned wins. Only for causes that live on the far side of a call.
    /// </summary>
    private static (string Service, string Host, List<string> EvidenceIds)? Culprit(DiagnosisInput input, Facts f, HypothesisCategory? category, Scored? top)
    {
        if (top is null || input.KnownServices is not { Count: > 0 } known
            || category is not (HypothesisCategory.DependencyFailure or HypothesisCategory.CertificateExpiry or HypothesisCategory.NetworkDns))
        {
            return null;
        }

        var others = known.Where(k => !string.Equals(k, input.Service, StringComparison.OrdinalIgnoreCase)).ToList();
        var ids = top.EvidenceIds.ToHashSet(StringComparer.Ordinal);

        // The peer refused our own (client) certificate: the certificate at fault is the alerted service's.
        if (category == HypothesisCategory.CertificateExpiry
            && f.IncidentTexts.Any(t => ids.Contains(t.EvidenceId) && PeerRejectedCertificateRegex().IsMatch(t.Text) && !ServerSideHandshakeRegex().IsMatch(t.Text)))
        {
            return null;
        }

        // Names that do not resolve: neither the caller nor the callee is at fault but the DNS service the catalog lists.
        if (category == HypothesisCategory.NetworkDns)
        {
            var resolution = f.IncidentTexts.Where(t => NameResolutionRegex().IsMatch(t.Text)).Select(t => t.EvidenceId)
                .Concat(f.Onsets.Where(x => x.Fact.Direction == "up" && DnsFailureSeriesRegex().IsMatch(x.Fact.SeriesName)).Select(x => x.EvidenceId))
                .Distinct().ToList();
            var dnsServices = others.Where(k => DnsServiceNameRegex().IsMatch(k)).ToList();
            if (resolution.Count > 0 && dnsServices.Count > 0)
            {
                // Prefer the DNS service with its own evidence of trouble: a change of it went live in the 6 h before the
                // onset (2), a series labelled with its name moved (1 each, at most 2), the errors or a moving series name it
                // (0.5: a metric prefix such as coredns_ names the software, which several DNS services may run). Else the only one.
                double Trouble(string k) =>
                    (input.Deploys.Any(d => string.Equals(d.Fact.Service, k, StringComparison.OrdinalIgnoreCase) && d.Fact.At <= f.Anchor && f.Anchor - d.Fact.At <= TimeSpan.FromHours(6)) ? 2 : 0)
                    + Math.Min(2, f.Onsets.Count(x => x.Fact.SeriesName.Contains($"=\"{k}\"", StringComparison.OrdinalIgnoreCase) && !AnswersOnly(x.Fact.SeriesName)))
                    + (f.IncidentTexts.Any(t => IncidentHub.Analysis.Triage.ServiceNameMatcher.Occurs(t.Text, k))
                       || f.Onsets.Any(x => IncidentHub.Analysis.Triage.ServiceNameMatcher.Occurs(x.Fact.SeriesName, k) && !AnswersOnly(x.Fact.SeriesName)) ? 0.5 : 0);
                // More "no such name" answers is the DNS service doing its job, not trouble of its own.
                static bool AnswersOnly(string series) => series.Contains("NXDOMAIN", StringComparison.OrdinalIgnoreCase);
                var ranked = dnsServices.Select(k => (Service: k, Score: Trouble(k))).OrderByDescending(x => x.Score).ToList();
                var named = ranked[0].Score > 0 && (ranked.Count == 1 || ranked[0].Score > ranked[1].Score) ? ranked[0].Service : null;
                // The only DNS service is at fault without trouble of its own only when resolvers fail to answer (SERVFAIL,
                // timeouts, "try again"); names answered "does not exist" (NXDOMAIN) mean a record is missing, and the
                // incident stays with the service that needs it.
                var resolverFailing = f.IncidentTexts.Any(t => ResolverFailureRegex().IsMatch(t.Text))
                    || f.Onsets.Any(x => x.Fact.Direction == "up" && DnsFailureSeriesRegex().IsMatch(x.Fact.SeriesName) && ResolverFailureRegex().IsMatch(x.Fact.SeriesName));
                if (named is not null || (dnsServices.Count == 1 && resolverFailing))
                {
                    return (named ?? dnsServices[0], "name resolution", resolution);
                }
            }

            // A name that does not resolve is not the fault of the service it names.
            if (resolution.Count > 0)
            {
                return null;
            }
        }

        var hits = new List<(string Service, string Host, string EvidenceId)>();
        foreach (var text in f.IncidentTexts.Where(t => ids.Contains(t.EvidenceId)))
        {
            foreach (Match m in CallTargetRegex().Matches(text.Text))
            {
                var host = m.Groups["host"].Value;
                if (IncidentHub.Analysis.Triage.ServiceNameMatcher.Longest(others, host.Split('.')[0]) is { } name)
                {
                    hits.Add((name, m.Value.Length > 80 ? host : m.Value.TrimEnd('/'), text.EvidenceId));
                }
            }
        }

        var best = hits.GroupBy(h => h.Service, StringComparer.OrdinalIgnoreCase).OrderByDescending(g => g.Count()).FirstOrDefault();
        return best is null ? null : (best.Key, best.First().Host, best.Select(h => h.EvidenceId).Distinct().ToList());
    }

    private static (bool WouldPage, string Reason) Page(DiagnosisInput input, Facts f, HypothesisCategory? category, bool unknown, RefinedTriage triage)
    {
        if (category == HypothesisCategory.NoisyFalseAlarm)
        {
            return (false, "noisy false alarm: no user impact; tune the alert rule instead of paging");
        }

        if (unknown)
        {
            return (true, "cause unknown: escalate to a human");
        }

        if (triage.Severity == Severity.P3 && !f.UserImpact)
        {
            return (false, "P3 without user-facing impact: a ticket is enough");
        }

        return (true, $"{triage.Severity} with user impact ({triage.Reason})");
    }

    private static IReadOnlyList<EvidenceNeed> Needs(DiagnosisInput input, Facts f, bool unknown)
    {
        var needs = new List<EvidenceNeed>();
        foreach (var source in input.UnavailableSources)
        {
            needs.Add(new EvidenceNeed(source, "was unavailable; retry it"));
        }

        if (!unknown)
        {
            return needs;
        }

        if (input.Templates.Count == 0 && input.StackTraces.Count == 0)
        {
            needs.Add(new EvidenceNeed("logs", "no log evidence: add the service's logs"));
        }

        if (input.Series.Count == 0 && input.Onsets.Count == 0)
        {
            needs.Add(new EvidenceNeed("metrics", "no metrics: add error ratio, latency, traffic and saturation series"));
        }

        if (input.Deploys.Count == 0 && input.Commits.Count == 0)
        {
            needs.Add(new EvidenceNeed("deploys", "no deploys or commits known"));
        }

        if (f.IncidentTraces.Any(t => t.Fact.Frames.Any(fr => fr.IsApplicationCode)) && input.Blame.Count == 0)
        {
            needs.Add(new EvidenceNeed("blame", "application frames were not blamed"));
        }

        if (input.Health.Count == 0)
        {
            needs.Add(new EvidenceNeed("health", "no health checks ran"));
        }

        needs.Add(new EvidenceNeed("window", "widen the time window"));
        return needs;
    }

}
