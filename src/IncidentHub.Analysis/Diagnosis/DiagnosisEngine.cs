using System.Globalization;
using System.Text.RegularExpressions;
using IncidentHub.Analysis.Incidents;

namespace IncidentHub.Analysis.Diagnosis;

/// <summary>The independent kinds of evidence; confidence grows with how many kinds agree.</summary>
public enum EvidenceKind
{
    Logs,
    Traces,
    Metrics,
    Changes,
    Health,
    Memory,
}

/// <summary>One piece of evidence for a hypothesis: its kind, strength in [0, 1], proof and a readable feature.</summary>
public sealed record Signal(EvidenceKind Kind, double Strength, string? EvidenceId, string Feature);

/// <summary>
/// The deterministic diagnosis: scores every hypothesis category from evidence features, computes
/// confidence from how many independent kinds of evidence agree, and abstains (Unknown) below the
/// threshold. Pure and fast: no I/O, no clock. See docs/decisions/009-deterministic-diagnosis.md.
/// </summary>
public static partial class DiagnosisEngine
{
    private static readonly HypothesisCategory[] AllCategories = Enum.GetValues<HypothesisCategory>();

    public static Diagnosis Diagnose(DiagnosisInput input, DiagnosisOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = options ?? new DiagnosisOptions();
        var facts = Facts.From(input, o);

        var scored = AllCategories.Select(c => Score(c, facts, o)).ToList();
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
        var category = unknown ? (HypothesisCategory?)null : top!.Category;

        var hypotheses = scored
            .OrderBy(s => s.Discarded)
            .ThenByDescending(s => s.Support)
            .Select(s => new Hypothesis(s.Category, Math.Round(s.Support, 3), s.Statement, s.EvidenceIds, s.Features, s.Discarded, s.DiscardReason))
            .ToList();

        var suspect = unknown ? null : Suspect(category!.Value, facts);
        var triage = Triage(input, facts, category, confidence, unknown ? null : top);
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

    private static Scored Score(HypothesisCategory category, Facts f, DiagnosisOptions o)
    {
        var signals = new List<Signal>();
        string? discard = null;
        string statement;
        switch (category)
        {
            case HypothesisCategory.BadDeployCode:
                statement = BadDeploy(f, signals, ref discard);
                break;
            case HypothesisCategory.ConfigChange:
                statement = Config(f, signals, ref discard);
                break;
            case HypothesisCategory.CapacityExhaustion:
                statement = Capacity(f, signals, ref discard);
                break;
            case HypothesisCategory.DependencyFailure:
                statement = Dependency(f, signals, ref discard);
                break;
            case HypothesisCategory.CertificateExpiry:
                statement = Certificate(f, signals, ref discard);
                break;
            case HypothesisCategory.DataSchema:
                statement = DataSchema(f, signals, ref discard);
                break;
            case HypothesisCategory.NetworkDns:
                statement = Network(f, signals, ref discard);
                break;
            case HypothesisCategory.TrafficSpike:
                statement = Traffic(f, signals, ref discard);
                break;
            default:
                statement = Noisy(f, signals, ref discard);
                break;
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

    private static string BadDeploy(Facts f, List<Signal> s, ref string? discard)
    {
        var window = f.Correlation.RecentDeploys.FirstOrDefault();
        var blame = f.Correlation.BestBlame;
        if (window is null && blame is null)
        {
            discard = $"no deploy of {f.ServiceName} in the {Hours(f.Options.DeployLookback)} before the onset";
            return "a recent deploy introduced a code defect";
        }

        // A scheduled task, or a redeploy of the commit already running, ships no new code.
        if (blame is null && window is not null && (IsScheduledTask(window.Deploy.Fact)
                || (window.Previous?.Fact.Commit is { } before && window.Deploy.Fact.Commit is { } now && ChangeCorrelator.ShaMatches(before, now))))
        {
            discard = $"{window.Deploy.Fact.Service} {window.Deploy.Fact.Version} shipped no new code ({window.Deploy.Fact.Kind ?? "same commit as " + window.Previous?.Fact.Version})";
            return "a recent deploy introduced a code defect";
        }

        // A release that changed only configuration (settings files, or a config-kind deploy) shipped no code defect.
        if (blame is null && window is not null && OnlyConfiguration(window))
        {
            discard = $"{window.Deploy.Fact.Service} {window.Deploy.Fact.Version} changed only configuration, no code (see config-change)";
            return "a recent deploy introduced a code defect";
        }

        if (blame is not null)
        {
            s.Add(new Signal(EvidenceKind.Changes, blame.Score, blame.EvidenceIds.FirstOrDefault(), blame.Reason));
            s.AddRange(blame.EvidenceIds.Skip(1).Select(id => new Signal(EvidenceKind.Changes, blame.Score, id, "blamed change")));
        }

        if (window is not null)
        {
            s.Add(new Signal(EvidenceKind.Changes, 0.6 * window.Proximity, window.Deploy.EvidenceId,
                $"{window.Deploy.Fact.Service} {window.Deploy.Fact.Version} deployed {ChangeCorrelator.Minutes(window.LeadTime)} before the onset"));
        }

        var deployAt = window?.Deploy.Fact.At ?? f.Anchor;
        foreach (var t in f.IncidentTraces)
        {
            var after = t.Fact.FirstSeen is not { } seen || seen >= deployAt - TimeSpan.FromMinutes(2);
            var hasApp = t.Fact.Frames.Any(fr => fr.IsApplicationCode);
            if (!after || !hasApp)
            {
                continue;
            }

            var codeBug = CodeBugRegex().IsMatch(t.Fact.ExceptionType) || CodeBugRegex().IsMatch(t.Fact.Message);
            var proximity = t.Fact.FirstSeen is { } first ? Decay(first - deployAt, f.Options.ProximityScale) : 0.5;
            s.Add(new Signal(EvidenceKind.Traces, (codeBug ? 1.0 : 0.6) * proximity, t.EvidenceId,
                $"{t.Fact.ExceptionType} in application code ({t.Fact.Count}x) first seen after the deploy"));
        }

        foreach (var t in f.IncidentTemplates.Where(t => t.Fact.IsNew && t.Fact.FirstSeen is { } seen && seen >= deployAt - TimeSpan.FromMinutes(2)))
        {
            var proximity = Decay(t.Fact.FirstSeen!.Value - deployAt, f.Options.ProximityScale);
            var codeBug = CodeBugRegex().IsMatch(t.Fact.Template);
            s.Add(new Signal(EvidenceKind.Logs, (codeBug ? 0.8 : 0.5) * proximity, t.EvidenceId, $"new error template after the deploy: {Clip(t.Fact.Template)}"));
        }

        foreach (var onset in f.UserOnsets.Where(x => x.Fact.At >= deployAt - TimeSpan.FromMinutes(2)))
        {
            s.Add(new Signal(EvidenceKind.Metrics, 0.7 * Decay(onset.Fact.At - deployAt, f.Options.ProximityScale), onset.EvidenceId,
                $"{onset.Fact.SeriesName} went {onset.Fact.Direction} after the deploy"));
        }

        // A better explanation in the errors themselves (an expired certificate, a full sequence) weakens "the code changed".
        if (f.NonCodeErrorText)
        {
            Scale(s, 0.5, EvidenceKind.Traces, EvidenceKind.Logs);
        }

        var what = blame is not null ? $"{blame.File}:{blame.Line} changed by {ChangeCorrelator.Short(blame.Commit)}" : "the deployed code";
        return window is not null
            ? $"{window.Deploy.Fact.Service} {window.Deploy.Fact.Version} introduced a defect ({what}) that fails requests since the deploy"
            : $"a recent commit ({what}) introduced a defect";
    }

    private static string Config(Facts f, List<Signal> s, ref string? discard)
    {
        var candidate = f.Correlation.BestConfig;
        var textHits = TextSignals(f, ConfigErrorRegex(), 0.9, "configuration error");
        if (candidate is null && textHits.Count == 0)
        {
            discard = "no deploy or commit touched configuration and no configuration errors were logged";
            return "a configuration change broke the service";
        }

        if (candidate is not null)
        {
            var lead = candidate.LeadTime ?? TimeSpan.Zero;
            s.Add(new Signal(EvidenceKind.Changes, 0.3 + 0.7 * Decay(lead, f.Options.ProximityScale), candidate.EvidenceIds.FirstOrDefault(), candidate.Reason));
            if (f.Correlation.RecentDeploys.FirstOrDefault() is { } latest && OnlyConfiguration(latest)
                && string.Equals(latest.Deploy.Fact.Version, candidate.Version, StringComparison.OrdinalIgnoreCase))
            {
                s.Add(new Signal(EvidenceKind.Changes, 1.0, latest.Deploy.EvidenceId, $"{latest.Deploy.Fact.Version} changed only configuration"));
            }

            s.AddRange(candidate.EvidenceIds.Skip(1).Select(id => new Signal(EvidenceKind.Changes, 0.3, id, "configuration change")));
            foreach (var onset in f.UserOnsets.Where(x => x.Fact.At >= f.Anchor - lead - TimeSpan.FromMinutes(2)))
            {
                s.Add(new Signal(EvidenceKind.Metrics, 0.6 * Decay(lead, f.Options.ProximityScale), onset.EvidenceId, $"{onset.Fact.SeriesName} went {onset.Fact.Direction} after the change"));
            }
        }

        s.AddRange(textHits);
        s.AddRange(Coincident(f, textHits));
        return candidate?.File is { } file ? $"the change to {file} ({candidate.Version}) broke the service" : "a configuration problem: " + FirstFeature(textHits);
    }

    private static string Capacity(Facts f, List<Signal> s, ref string? discard)
    {
        var saturation = f.Onsets.Where(x => x.Fact.Role == MetricRole.Saturation && x.Fact.Direction == "up").ToList();
        var text = TextSignals(f, CapacityErrorRegex(), 0.9, "resource exhaustion");
        var atMax = f.AtMaximum.Where(m => !SequenceNameRegex().IsMatch(m.Name)).ToList();
        if (saturation.Count == 0 && text.Count == 0 && atMax.Count == 0)
        {
            discard = "no saturation metric moved and no resource-exhaustion errors were logged";
            return "a resource ran out";
        }

        // A queue or pool that filled only after requests had started failing is a consequence of the failure, not its cause.
        s.AddRange(saturation.Select(x => x.Fact.At > f.Anchor + CoincidenceWindow
            ? new Signal(EvidenceKind.Metrics, 0.4, x.EvidenceId, $"{x.Fact.SeriesName} rose from {Num(x.Fact.Before)} to {Num(x.Fact.After)}, after the failures began ({x.Fact.At:HH:mm:ss})")
            : new Signal(EvidenceKind.Metrics, 0.9, x.EvidenceId, $"{x.Fact.SeriesName} rose from {Num(x.Fact.Before)} to {Num(x.Fact.After)}")));
        s.AddRange(atMax.Select(m => new Signal(EvidenceKind.Metrics, 0.9, m.EvidenceId, $"{m.Name} reached its maximum")));
        s.AddRange(text);

        if (f.TrafficSurge is { } surge)
        {
            Scale(s, 0.5);
            s.Add(new Signal(EvidenceKind.Metrics, 0, surge.EvidenceId, "saturation follows a traffic surge"));
        }

        if (!f.UserImpact)
        {
            // Saturation nobody felt: weaker, and weaker still when it came back down by itself.
            var recovered = saturation.Count > 0 && saturation.All(x => f.Recovered.Contains(x.Fact.SeriesName));
            Scale(s, recovered ? 0.3 : 0.5);
        }

        var first = saturation.FirstOrDefault()?.Fact.SeriesName ?? (atMax.Count > 0 ? atMax[0].Name : null);
        return first is not null ? $"{first} saturated and requests failed for lack of capacity" : "resources ran out: " + FirstFeature(text);
    }

    private static string Dependency(Facts f, List<Signal> s, ref string? discard)
    {
        var text = TextSignals(f, DependencyErrorRegex(), 0.9, "upstream error");
        var health = f.Input.Health.Where(h => IsFailing(h.Fact) && !IsOwnHealth(h.Fact, f.Input.Service))
            .Select(h => new Signal(EvidenceKind.Health, 0.9, h.EvidenceId, $"dependency health check {h.Fact.Url} failed ({h.Fact.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? h.Fact.Error})")).ToList();
        var metrics = f.Onsets.Where(x => x.Fact.Direction == "up" && x.Fact.Role is MetricRole.ErrorRatio or MetricRole.Latency or MetricRole.Other
                && UpstreamSeriesRegex().IsMatch(x.Fact.SeriesName))
            .Select(x => new Signal(EvidenceKind.Metrics, 0.7, x.EvidenceId, $"{x.Fact.SeriesName} rose")).ToList();
        // A blackbox probe of something other than this service that started failing.
        health.AddRange(f.Onsets.Where(x => x.Fact.Direction == "down" && ProbeSeriesRegex().IsMatch(x.Fact.SeriesName)
                && (f.Input.Service is null || !x.Fact.SeriesName.Contains(f.Input.Service, StringComparison.OrdinalIgnoreCase)))
            .Select(x => new Signal(EvidenceKind.Health, 0.9, x.EvidenceId, $"{x.Fact.SeriesName} fell from {Num(x.Fact.Before)} to {Num(x.Fact.After)} (the dependency's probe fails)")));
        if (text.Count == 0 && health.Count == 0 && metrics.Count == 0)
        {
            discard = "no errors from an upstream dependency and no failing dependency health check";
            return "an upstream dependency failed";
        }

        s.AddRange(text);
        s.AddRange(health);
        s.AddRange(metrics);
        s.AddRange(Coincident(f, text));
        if (f.TrafficSurge is not null)
        {
            Scale(s, 0.6);
        }

        var host = f.IncidentTexts.Select(t => HostRegex().Match(t.Text)).FirstOrDefault(m => m.Success)?.Value;
        return $"an upstream dependency{(host is null ? "" : $" ({host})")} is failing: " + FirstFeature(text.Count > 0 ? text : health);
    }

    private static string Certificate(Facts f, List<Signal> s, ref string? discard)
    {
        var text = TextSignals(f, CertificateErrorRegex(), 1.0, "certificate/TLS error");
        var health = f.Input.Health.Where(h => h.Fact.Error is { } e && CertificateErrorRegex().IsMatch(e))
            .Select(h => new Signal(EvidenceKind.Health, 0.9, h.EvidenceId, $"health check {h.Fact.Url}: {Clip(h.Fact.Error!)}")).ToList();
        var metrics = new List<Signal>();
        foreach (var series in f.Input.Series.Where(x => CertificateSeriesRegex().IsMatch(x.Fact.Name) && x.Fact.Points.Count > 0))
        {
            var last = series.Fact.Points[^1].Value;
            if (series.Fact.Name.Contains("expir", StringComparison.OrdinalIgnoreCase) && last > 1e9 && last < 1e11)
            {
                var expiry = DateTimeOffset.FromUnixTimeSeconds((long)last);
                if (expiry <= f.Input.AlertAt)
                {
                    metrics.Add(new Signal(EvidenceKind.Metrics, 1.0, series.EvidenceId, $"{series.Fact.Name} says a certificate expired at {expiry:yyyy-MM-ddTHH:mm:ssZ}"));
                }
                else if (expiry - f.Input.AlertAt < TimeSpan.FromDays(2))
                {
                    metrics.Add(new Signal(EvidenceKind.Metrics, 0.5, series.EvidenceId, $"{series.Fact.Name}: a certificate expires at {expiry:yyyy-MM-ddTHH:mm:ssZ}"));
                }
            }
        }

        metrics.AddRange(f.Onsets.Where(x => x.Fact.Direction == "up" && CertificateSeriesRegex().IsMatch(x.Fact.SeriesName))
            .Select(x => new Signal(EvidenceKind.Metrics, 0.8, x.EvidenceId, $"{x.Fact.SeriesName} rose")));
        if (text.Count == 0 && health.Count == 0 && metrics.Count == 0)
        {
            discard = "no certificate or TLS errors";
            return "a certificate expired";
        }

        s.AddRange(text);
        s.AddRange(health);
        s.AddRange(metrics);
        s.AddRange(Coincident(f, text));
        return "a TLS certificate expired or is invalid: " + FirstFeature(text.Count > 0 ? text : metrics.Count > 0 ? metrics : health);
    }

    private static string DataSchema(Facts f, List<Signal> s, ref string? discard)
    {
        var text = TextSignals(f, DataErrorRegex(), 0.9, "data/schema error");
        var atMax = f.AtMaximum.Where(m => SequenceNameRegex().IsMatch(m.Name))
            .Select(m => new Signal(EvidenceKind.Metrics, 1.0, m.EvidenceId, $"{m.Name} reached its maximum")).ToList();
        var migrations = f.Correlation.RecentDeploys
            .SelectMany(w => w.Commits.Where(c => c.Fact.Files.Any(p => MigrationFileRegex().IsMatch(p))).Select(c => (w, c)))
            .Select(x => new Signal(EvidenceKind.Changes, 0.8 * x.w.Proximity, x.c.EvidenceId, $"{ChangeCorrelator.Short(x.c.Fact.Sha)} changes a migration/schema file")).ToList();
        if (text.Count == 0 && atMax.Count == 0)
        {
            discard = "no overflow, constraint, migration or column errors";
            return "data or schema problem";
        }

        s.AddRange(text);
        s.AddRange(atMax);
        s.AddRange(migrations);
        s.AddRange(Coincident(f, text));
        return "data no longer fits the schema: " + FirstFeature(text.Count > 0 ? text : atMax);
    }

    private static string Network(Facts f, List<Signal> s, ref string? discard)
    {
        var text = TextSignals(f, NetworkErrorRegex(), 0.9, "network/DNS error");
        var health = f.Input.Health.Where(h => h.Fact.Error is { } e && NetworkErrorRegex().IsMatch(e))
            .Select(h => new Signal(EvidenceKind.Health, 0.9, h.EvidenceId, $"health check {h.Fact.Url}: {Clip(h.Fact.Error!)}")).ToList();
        var dns = f.Onsets.Where(x => x.Fact.Direction == "up" && DnsFailureSeriesRegex().IsMatch(x.Fact.SeriesName))
            .Select(x => new Signal(EvidenceKind.Metrics, 0.8, x.EvidenceId, $"{x.Fact.SeriesName} rose from {Num(x.Fact.Before)} to {Num(x.Fact.After)}")).ToList();
        if (text.Count == 0 && health.Count == 0 && dns.Count == 0)
        {
            discard = "no DNS, connection refused/reset or routing errors";
            return "network or DNS failure";
        }

        s.AddRange(text);
        s.AddRange(health);
        s.AddRange(dns);
        s.AddRange(Coincident(f, text));
        return "network/DNS failure: " + FirstFeature(text.Count > 0 ? text : health);
    }

    private static string Traffic(Facts f, List<Signal> s, ref string? discard)
    {
        if (f.TrafficSurge is not { } surge)
        {
            discard = "traffic did not rise";
            return "a traffic spike overloaded the service";
        }

        var ratio = surge.Fact.After / Math.Max(Math.Abs(surge.Fact.Before), 1e-9);
        s.Add(new Signal(EvidenceKind.Metrics, Math.Clamp((ratio - 1) / 1.5, 0.3, 1.0), surge.EvidenceId,
            $"{surge.Fact.SeriesName} rose {ratio:0.0}x from {Num(surge.Fact.Before)} to {Num(surge.Fact.After)}"));
        foreach (var onset in f.Onsets.Where(x => x.Fact.Direction == "up" && x.Fact.Role is MetricRole.Latency or MetricRole.ErrorRatio or MetricRole.Saturation
                     && x.Fact.At >= surge.Fact.At - TimeSpan.FromMinutes(2) && x.Fact.At <= surge.Fact.At + TimeSpan.FromMinutes(30)))
        {
            s.Add(new Signal(EvidenceKind.Metrics, 0.8, onset.EvidenceId, $"{onset.Fact.SeriesName} followed the surge"));
        }

        s.AddRange(TextSignals(f, OverloadErrorRegex(), 0.7, "overload symptom"));
        var recentDeploy = f.Correlation.RecentDeploys.FirstOrDefault(w => w.LeadTime < TimeSpan.FromHours(6));
        if (recentDeploy is null)
        {
            s.Add(new Signal(EvidenceKind.Changes, 0.5, null, "no deploy of the service in the 6 h before the surge"));
        }
        else
        {
            Scale(s, 0.7);
        }

        return $"a traffic surge ({surge.Fact.SeriesName} x{ratio:0.0}) overloaded {f.ServiceName}";
    }

    private static string Noisy(Facts f, List<Signal> s, ref string? discard)
    {
        if (f.UserImpact)
        {
            discard = "users are affected: " + f.ImpactReason;
            return "the alert is noise";
        }

        var userSeries = f.Input.Series.Where(x => x.Fact.Role is MetricRole.ErrorRatio or MetricRole.Latency).ToList();
        if (userSeries.Count > 0)
        {
            s.Add(new Signal(EvidenceKind.Metrics, 0.8, userSeries[0].EvidenceId, "no user-facing metric (error ratio, latency) changed"));
        }
        else if (f.Input.Series.Any(x => x.Fact.Role is MetricRole.Saturation) && f.Input.Series.All(x => x.Fact.Role is not MetricRole.Traffic)
                 && (f.Input.ServiceTier is null or >= 3))
        {
            var sat = f.Input.Series.First(x => x.Fact.Role is MetricRole.Saturation);
            s.Add(new Signal(EvidenceKind.Metrics, 0.6, sat.EvidenceId, "only a saturation metric, on a host that serves no user traffic"));
        }

        foreach (var name in f.Recovered)
        {
            var series = f.Input.Series.FirstOrDefault(x => x.Fact.Name == name);
            s.Add(new Signal(EvidenceKind.Metrics, 0.8, series?.EvidenceId, $"{name} went back down on its own (flapping)"));
        }

        // Known messages at a changed rate are what a busy batch looks like; a new error or a stack trace is not.
        if (f.Input.Templates.Count > 0 && !f.IncidentTemplates.Any(t => t.Fact.IsNew) && f.IncidentTraces.Count == 0)
        {
            s.Add(new Signal(EvidenceKind.Logs, 0.8, f.Input.Templates[0].EvidenceId,
                f.IncidentTemplates.Count == 0 ? "no new or surging error templates in the logs" : "no new error templates or stack traces in the logs, only known messages"));
        }

        // The alarm fired during a scheduled batch of the same service: expected load.
        foreach (var task in f.Input.Deploys.Where(d => IsScheduledTask(d.Fact) && d.Fact.At <= f.Input.AlertAt && f.Input.AlertAt - d.Fact.At <= TimeSpan.FromHours(2)
                     && (f.Input.Service is null || string.Equals(d.Fact.Service, f.Input.Service, StringComparison.OrdinalIgnoreCase))))
        {
            s.Add(new Signal(EvidenceKind.Changes, 0.7, task.EvidenceId,
                $"scheduled {task.Fact.Kind} {task.Fact.Version} started {ChangeCorrelator.Minutes(f.Input.AlertAt - task.Fact.At)} before the alarm: expected load"));
        }

        var healthy = f.Input.Health.Where(h => !IsFailing(h.Fact)).ToList();
        if (healthy.Count > 0 && healthy.Count == f.Input.Health.Count)
        {
            s.Add(new Signal(EvidenceKind.Health, 0.7, healthy[0].EvidenceId, "all health checks pass"));
        }

        if (FlappingRegex().IsMatch(f.Input.Title) || f.Input.AlertLabels.Values.Any(v => FlappingRegex().IsMatch(v)))
        {
            s.Add(new Signal(EvidenceKind.Metrics, 0.6, null, "the alert is described as flapping"));
        }

        return "the alert fired without user impact (noisy threshold)";
    }

    // ---- text features ---------------------------------------------------------------------------

    private static List<Signal> TextSignals(Facts f, Regex regex, double strength, string label)
    {
        var result = new List<Signal>();
        foreach (var t in f.IncidentTexts)
        {
            if (regex.Match(t.Text) is { Success: true } m)
            {
                result.Add(new Signal(t.Kind, strength * t.Weight, t.EvidenceId, $"{label}: {Clip(t.Display)} (matched \"{Clip(m.Value, 60)}\")"));
            }
        }

        return result;
    }

    /// <summary>
    /// Metric corroboration of text evidence: a user-facing metric (error ratio, latency) that rose within
    /// a few minutes of the moment these errors first appeared. Independent of the logs: a different
    /// system (the metrics pipeline) saw the same moment.
    /// </summary>
    private static List<Signal> Coincident(Facts f, List<Signal> textSignals, double strength = 0.6)
    {
        var ids = textSignals.Where(x => x.Strength > 0 && x.EvidenceId is not null).Select(x => x.EvidenceId!).ToHashSet(StringComparer.Ordinal);
        var firstSeen = f.IncidentTexts.Where(t => ids.Contains(t.EvidenceId) && t.FirstSeen is not null).Select(t => t.FirstSeen!.Value).DefaultIfEmpty().Min();
        if (ids.Count == 0 || firstSeen == default)
        {
            return [];
        }

        var onset = f.UserOnsets.FirstOrDefault(x => (x.Fact.At - firstSeen).Duration() <= CoincidenceWindow);
        return onset is null ? [] :
        [
            new Signal(EvidenceKind.Metrics, strength, onset.EvidenceId,
                $"{onset.Fact.SeriesName} rose at {onset.Fact.At:HH:mm:ss}, when these errors first appeared ({firstSeen:HH:mm:ss})"),
        ];
    }

    private static readonly TimeSpan CoincidenceWindow = TimeSpan.FromMinutes(3);

    private static string FirstFeature(List<Signal> signals) =>
        signals.OrderByDescending(x => x.Strength).FirstOrDefault()?.Feature ?? "";

    private static void Scale(List<Signal> signals, double factor, params EvidenceKind[] kinds)
    {
        for (var i = 0; i < signals.Count; i++)
        {
            if (kinds.Length == 0 || kinds.Contains(signals[i].Kind))
            {
                signals[i] = signals[i] with { Strength = signals[i].Strength * factor };
            }
        }
    }

    /// <summary>
    /// A user-facing change worth the name: an error ratio that reached 1% and at least doubled, or a latency
    /// that grew by half and by 50 ms or more (a p99 from 66 to 100 ms is not an incident).
    /// </summary>
    private static bool IsMaterial(MetricOnset m) => m.Role switch
    {
        MetricRole.ErrorRatio => m.After >= 0.01 && m.After >= 2 * m.Before,
        MetricRole.Latency => m.After >= 1.5 * m.Before && m.After - m.Before >= 0.05,
        _ => false,
    };

    /// <summary>A deploy whose shipped commits touch configuration files only, or a config-kind deploy that shipped no commits we know.</summary>
    private static bool OnlyConfiguration(DeployWindow w) =>
        w.Commits.Count > 0
            ? w.Commits.All(c => c.Fact.Files.Count > 0 && c.Fact.Files.All(ChangeCorrelator.IsConfigFile))
            : w.Deploy.Fact.Kind is { } kind && kind.Contains("config", StringComparison.OrdinalIgnoreCase);

    private static bool IsScheduledTask(DeployEvent d) => d.Kind is { } kind && ScheduledKindRegex().IsMatch(kind);

    private static double Decay(TimeSpan span, TimeSpan scale) => Math.Exp(-Math.Max(0, span.TotalSeconds) / scale.TotalSeconds);

    /// <summary>A failed check: an error, no status, a 5xx, or 429 (the dependency refuses us).</summary>
    private static bool IsFailing(HealthResult h) => h.Error is not null || h.StatusCode is null or >= 500 or 429;

    private static bool IsOwnHealth(HealthResult h, string? service) =>
        service is not null && Uri.TryCreate(h.Url, UriKind.Absolute, out var uri) && uri.Host.StartsWith(service, StringComparison.OrdinalIgnoreCase);

    private static string Clip(string text, int max = 140) => text.Length <= max ? text : text[..max] + "…";

    private static string Num(double v) => v.ToString(Math.Abs(v) >= 100 ? "0" : "0.###", CultureInfo.InvariantCulture);

    private static string Hours(TimeSpan span) => $"{span.TotalHours:0} h";

    // ---- suspect, triage, paging ------------------------------------------------------------------

    private static SuspectChange? Suspect(HypothesisCategory category, Facts f)
    {
        switch (category)
        {
            case HypothesisCategory.BadDeployCode:
                if (f.Correlation.BestBlame is { } blame)
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
                return f.Correlation.BestConfig is { } c ? new SuspectChange(c.Commit, c.File, c.Line, c.Version, c.Reason, c.EvidenceIds) : null;
            default:
                return null; // not a code change: no commit is suspected rather than a guess
        }
    }

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

        // The alert's severity (already adjusted for the service tier by triage) is the prior. Measured
        // impact can raise it by one level, never lower it (metrics may miss impact); no impact at all means P3.
        Severity impact;
        string reason;
        if (maxErrorRatio >= 0.5)
        {
            impact = tier <= 2 ? Severity.P0 : Severity.P1;
            reason = $"{maxErrorRatio.ToString("P0", CultureInfo.InvariantCulture)} of requests fail";
        }
        else if (maxErrorRatio >= 0.05)
        {
            impact = tier <= 2 ? Severity.P1 : Severity.P2;
            reason = $"{maxErrorRatio.ToString("P0", CultureInfo.InvariantCulture)} of requests fail";
        }
        else if (latencyImpact is not null)
        {
            impact = tier <= 1 ? Severity.P1 : Severity.P2;
            reason = $"{latencyImpact.Fact.SeriesName} rose {(latencyImpact.Fact.After / Math.Max(latencyImpact.Fact.Before, 1e-9)).ToString("0.0", CultureInfo.InvariantCulture)}x";
        }
        else
        {
            impact = tier <= 1 ? Severity.P2 : Severity.P3;
            reason = "errors in the logs (" + f.ImpactReason + ")";
        }

        if (input.Dependents.Count >= 3 && impact > Severity.P0)
        {
            impact--;
            reason += $"; {input.Dependents.Count.ToString(CultureInfo.InvariantCulture)} dependent services";
        }

        Severity severity;
        if (category == HypothesisCategory.NoisyFalseAlarm || !f.UserImpact)
        {
            severity = Severity.P3;
            reason = "no user-facing impact found";
        }
        else if (impact < input.AlertSeverity)
        {
            severity = input.AlertSeverity - 1;
            reason += $"; raised one level from the alert's {input.AlertSeverity}";
        }
        else
        {
            severity = input.AlertSeverity;
            reason += $"; alert said {input.AlertSeverity}";
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

    // ---- facts derived once ------------------------------------------------------------------------

    private sealed record TextFact(EvidenceKind Kind, string EvidenceId, string Text, string Display, double Weight, DateTimeOffset? FirstSeen);

    private sealed class Facts
    {
        public required DiagnosisInput Input { get; init; }
        public required DiagnosisOptions Options { get; init; }
        public required DateTimeOffset Anchor { get; init; }
        public required string ServiceName { get; init; }
        public required List<Cited<MetricOnset>> Onsets { get; init; }
        public required List<Cited<MetricOnset>> UserOnsets { get; init; }
        public required Cited<MetricOnset>? TrafficSurge { get; init; }
        public required List<Cited<TemplateShift>> IncidentTemplates { get; init; }
        public required List<Cited<StackTrace>> IncidentTraces { get; init; }
        public required List<TextFact> IncidentTexts { get; init; }
        public required CorrelationResult Correlation { get; init; }
        public required bool UserImpact { get; init; }
        public required string ImpactReason { get; init; }
        public required HashSet<string> Recovered { get; init; }
        public required List<(string Name, string? EvidenceId)> AtMaximum { get; init; }
        public required bool NonCodeErrorText { get; init; }

        public static Facts From(DiagnosisInput input, DiagnosisOptions o)
        {
            var flaggedTexts = new HashSet<string>(input.Suspicious.Select(s => s.Fact.Text), StringComparer.Ordinal);
            bool Clean(string text) => !flaggedTexts.Contains(text) && InjectionDetector.Check(text) is null;

            var window = (From: input.AlertAt - TimeSpan.FromHours(3), To: input.AlertAt + TimeSpan.FromMinutes(15));
            var onsets = input.Onsets.Where(x => x.Fact.At >= window.From && x.Fact.At <= window.To).ToList();
            var userOnsets = onsets.Where(x => x.Fact.Direction == "up" && IsMaterial(x.Fact)).OrderBy(x => x.Fact.At).ToList();
            // The onset: the first user-facing metric change; else the first new error template; else
            // the first saturation or traffic change; else the alert itself.
            var firstNewError = input.Templates
                .Where(t => t.Fact.IsNew && t.Fact.LooksLikeError && t.Fact.FirstSeen is { } seen && seen >= window.From && seen <= input.AlertAt)
                .Select(t => t.Fact.FirstSeen).Min();
            var anchor = userOnsets.FirstOrDefault()?.Fact.At
                ?? firstNewError
                ?? onsets.Where(x => x.Fact.Role is MetricRole.Saturation or MetricRole.Traffic).OrderBy(x => x.Fact.At).FirstOrDefault()?.Fact.At
                ?? input.AlertAt;
            if (anchor > input.AlertAt)
            {
                anchor = input.AlertAt;
            }

            // A surge: traffic that was flowing (a baseline above zero) at least doubled.
            var traffic = onsets.Where(x => x.Fact.Role == MetricRole.Traffic && x.Fact.Direction == "up" && x.Fact.Before > 0 && x.Fact.After >= o.TrafficSurgeRatio * x.Fact.Before)
                .OrderBy(x => x.Fact.At).FirstOrDefault();

            // Incident templates: errors that are new or surged. Ones at their usual rate are the red herrings.
            var templates = input.Templates
                .Where(t => t.Fact.LooksLikeError && t.Fact.IncidentCount > 0 && (t.Fact.IsNew || t.Fact.Surge >= o.SurgeThreshold) && Clean(t.Fact.Template))
                .ToList();

            // Incident traces: first seen around or after the onset (a trace that was already there is a red herring).
            var traces = input.StackTraces
                .Where(t => t.Fact.FirstSeen is not { } seen || seen >= anchor - TimeSpan.FromMinutes(10))
                .Where(t => Clean(t.Fact.Message))
                .ToList();

            var texts = new List<TextFact>();
            foreach (var t in templates)
            {
                var examples = t.Fact.Examples.Where(Clean).Take(3);
                var weight = t.Fact.IsNew ? 1.0 : Math.Clamp(t.Fact.Surge / (2 * o.SurgeThreshold), 0.5, 1.0);
                texts.Add(new TextFact(EvidenceKind.Logs, t.EvidenceId, t.Fact.Template + "\n" + string.Join("\n", examples), t.Fact.Template, weight, t.Fact.FirstSeen));
            }

            foreach (var t in traces)
            {
                texts.Add(new TextFact(EvidenceKind.Traces, t.EvidenceId, t.Fact.ExceptionType + ": " + t.Fact.Message, $"{t.Fact.ExceptionType}: {t.Fact.Message} ({t.Fact.Count}x)", 1.0, t.Fact.FirstSeen));
            }

            var correlation = ChangeCorrelator.Correlate(input.Service, anchor, input.Deploys, input.Commits, input.Blame,
                new CorrelationOptions(o.DeployLookback, o.ProximityScale, TimeSpan.FromMinutes(2)));

            var impactOnset = userOnsets.FirstOrDefault();
            var errorTemplates = templates.Where(t => t.Fact.IsNew || t.Fact.Surge >= o.SurgeThreshold).ToList();
            // Users are affected when a user-facing metric moved materially; where no such metric is measured,
            // new errors in the logs stand in for it (a measured, unmoved error ratio outweighs log noise).
            var userSeriesMeasured = input.Series.Any(x => x.Fact.Role is MetricRole.ErrorRatio or MetricRole.Latency);
            var userImpact = impactOnset is not null || (!userSeriesMeasured && (traces.Count > 0 || errorTemplates.Any(t => t.Fact.IsNew)));
            var impactReason = impactOnset is not null
                ? $"{impactOnset.Fact.SeriesName} went {impactOnset.Fact.Direction} from {Num(impactOnset.Fact.Before)} to {Num(impactOnset.Fact.After)}"
                : !userImpact ? "no user-facing metric moved materially"
                : traces.Count > 0 ? $"{traces.Sum(t => t.Fact.Count)} new stack traces" : $"{errorTemplates.Count(t => t.Fact.IsNew)} new error templates";

            return new Facts
            {
                Input = input,
                Options = o,
                Anchor = anchor,
                ServiceName = input.Service ?? "the service",
                Onsets = onsets,
                UserOnsets = userOnsets,
                TrafficSurge = traffic,
                IncidentTemplates = templates,
                IncidentTraces = traces,
                IncidentTexts = texts,
                Correlation = correlation,
                UserImpact = userImpact,
                ImpactReason = impactReason,
                Recovered = RecoveredSeries(input, onsets),
                AtMaximum = FindAtMaximum(input),
                NonCodeErrorText = texts.Any(t => CertificateErrorRegex().IsMatch(t.Text) || DataErrorRegex().IsMatch(t.Text)
                    || DependencyErrorRegex().IsMatch(t.Text) || NetworkErrorRegex().IsMatch(t.Text)),
            };
        }

        /// <summary>
        /// Saturation series that went up and came back down on their own: an onset whose last points are
        /// back near the baseline, or a series that oscillates (several high plateaus of a minute or more
        /// separated by low ones, as a threshold alert that fires and resolves).
        /// </summary>
        private static HashSet<string> RecoveredSeries(DiagnosisInput input, List<Cited<MetricOnset>> onsets)
        {
            var result = new HashSet<string>(StringComparer.Ordinal);
            foreach (var series in input.Series.Where(s => s.Fact.Role == MetricRole.Saturation && IsFlapping(s.Fact.Points)))
            {
                result.Add(series.Fact.Name);
            }

            foreach (var onset in onsets.Where(x => x.Fact.Role == MetricRole.Saturation && x.Fact.Direction == "up"))
            {
                var series = input.Series.FirstOrDefault(s => s.Fact.Name == onset.Fact.SeriesName)?.Fact;
                if (series is null || series.Points.Count < 4)
                {
                    continue;
                }

                var mid = (onset.Fact.Before + onset.Fact.After) / 2;
                var after = series.Points.Where(p => p.At >= onset.Fact.At).Select(p => p.Value).ToList();
                var crossings = 0;
                for (var i = 1; i < after.Count; i++)
                {
                    if ((after[i - 1] > mid) != (after[i] > mid))
                    {
                        crossings++;
                    }
                }

                if (series.Points[^1].Value < mid || crossings >= 4)
                {
                    result.Add(series.Name);
                }
            }

            return result;
        }

        internal static bool IsFlapping(IReadOnlyList<MetricPoint> points)
        {
            if (points.Count < 24)
            {
                return false;
            }

            var sorted = points.Select(p => p.Value).Where(double.IsFinite).OrderBy(v => v).ToArray();
            var lo = sorted[(int)(0.1 * (sorted.Length - 1))];
            var hi = sorted[(int)(0.9 * (sorted.Length - 1))];
            var mid = (hi + lo) / 2;
            if (hi - lo <= 0.03 * Math.Abs(mid) || hi - lo <= 0)
            {
                return false;
            }

            // Hysteresis: a point is high above mid + a quarter of the spread, low below mid - a quarter.
            var high = new List<int>();
            var low = new List<int>();
            var state = 0;
            var run = 0;
            foreach (var p in points)
            {
                var s = p.Value > mid + 0.25 * (hi - lo) ? 1 : p.Value < mid - 0.25 * (hi - lo) ? -1 : 0;
                if (s == 0 || s == state)
                {
                    run++;
                    continue;
                }

                if (state == 1)
                {
                    high.Add(run);
                }
                else if (state == -1)
                {
                    low.Add(run);
                }

                state = s;
                run = 1;
            }

            // Several plateaus of at least a minute each (4 points at 15 s); white noise flips every point or two.
            return high.Count >= 3 && low.Count >= 3 && high.Average() >= 4 && low.Average() >= 4;
        }

        /// <summary>Pairs like x_last_value / x_max_value (same labels) where the value reached the maximum.</summary>
        private static List<(string Name, string? EvidenceId)> FindAtMaximum(DiagnosisInput input)
        {
            var result = new List<(string, string?)>();
            foreach (var max in input.Series.Where(s => MaxNameRegex().IsMatch(s.Fact.Name) && s.Fact.Points.Count > 0))
            {
                var stem = MaxNameRegex().Replace(max.Fact.Name, "_");
                foreach (var value in input.Series.Where(s => s != max && s.Fact.Points.Count > 0 && !MaxNameRegex().IsMatch(s.Fact.Name)
                             && Stem(s.Fact.Name) == Stem(stem) && SameLabels(s.Fact.Labels, max.Fact.Labels)))
                {
                    var limit = max.Fact.Points[^1].Value;
                    if (limit > 0 && value.Fact.Points[^1].Value >= 0.999 * limit)
                    {
                        result.Add((value.Fact.Name, value.EvidenceId));
                    }
                }
            }

            return result;
        }

        private static string Stem(string name) => StemRegex().Replace(name, "");

        private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
            a.Where(kv => kv.Key != "__name__").All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }

    // ---- vocabularies ------------------------------------------------------------------------------

    [GeneratedRegex(@"_max(?:imum)?_|_limit_", RegexOptions.IgnoreCase)]
    private static partial Regex MaxNameRegex();

    [GeneratedRegex(@"_(?:last|current|used|value|count|total)(?=_|$)", RegexOptions.IgnoreCase)]
    private static partial Regex StemRegex();

    [GeneratedRegex(@"sequence|_seq|serial|autoincrement|auto_increment|identity", RegexOptions.IgnoreCase)]
    private static partial Regex SequenceNameRegex();

    [GeneratedRegex(@"IndexError|KeyError|AttributeError|TypeError|NameError|UnboundLocalError|ZeroDivisionError|AssertionError|NullPointerException|NullReferenceException|ClassCastException|IndexOutOfRange|ArrayIndexOutOfBounds|StringIndexOutOfBounds|ArgumentOutOfRange|ArgumentNullException|InvalidCastException|IllegalArgumentException|IllegalStateException|UnsupportedOperationException|NoSuchMethodError|NoSuchFieldError|ReferenceError|is not a function|Cannot read propert|undefined is not|nil pointer dereference|index out of range|invalid memory address|ConcurrentModificationException|NumberFormatException|FormatException|KeyNotFoundException|MissingMethodException")]
    private static partial Regex CodeBugRegex();

    [GeneratedRegex(@"x509|certificate (?:has )?expired|certificate (?:verify|verification) failed|CERTIFICATE_VERIFY_FAILED|CERT_HAS_EXPIRED|certificate is not yet valid|bad certificate|certificate unknown|SSLHandshakeException|PKIX path|unable to verify the first certificate|self[- ]signed certificate|TLS handshake (?:error|fail)|handshake_failure|SSL routines|AuthenticationException: The remote certificate|RemoteCertificateValidation|certificate (?:chain|revoked)|NotAfter|expired certificate", RegexOptions.IgnoreCase)]
    private static partial Regex CertificateErrorRegex();

    [GeneratedRegex(@"ssl|tls|cert", RegexOptions.IgnoreCase)]
    private static partial Regex CertificateSeriesRegex();

    [GeneratedRegex(@"reached maximum value of sequence|value out of range|integer out of range|out of range for type|numeric field overflow|arithmetic overflow|integer overflow|OverflowException|Data truncat|Out of range value|violates (?:unique|foreign key|not-null|check) constraint|duplicate key value|IntegrityError|UniqueViolation|ForeignKeyViolation|DataIntegrityViolation|ConstraintViolation|column ""?[\w.]+""? (?:of relation ""?\w+""? )?does not exist|relation ""?[\w.]+""? does not exist|Unknown column|no such column|no such table|undefined column|UndefinedColumn|UndefinedTable|invalid input syntax for|migration (?:failed|error|pending)|pending migrations?|schema mismatch|SqlState: (?:22|23|42P01|42703)|\b(?:22003|2200H|23505|23503|23502|42P01|42703)\b|JsonMappingException|UnrecognizedPropertyException|DeserializationException|could not deserialize|malformed (?:row|record|data)|ValidationError.*(?:field required|value is not a valid)", RegexOptions.IgnoreCase)]
    private static partial Regex DataErrorRegex();

    [GeneratedRegex(@"(?:^|/)(?:migrations?|db/migrate|alembic|flyway|liquibase|schema)/|\.sql$", RegexOptions.IgnoreCase)]
    private static partial Regex MigrationFileRegex();

    [GeneratedRegex(@"OutOfMemory|OOMKilled|\bOOM\b|out of memory|Cannot allocate memory|MemoryError|Java heap space|GC overhead limit|too many (?:connections|clients|open files)|remaining connection slots|connection pool (?:exhausted|is full|timeout)|pool (?:exhausted|timeout)|Timeout waiting for (?:a )?connection|unable to acquire (?:a )?connection|could not obtain connection|max(?:imum)? pool size|no space left on device|disk (?:is )?full|ENOSPC|EMFILE|RejectedExecutionException|queue (?:is )?full|thread pool (?:exhausted|starvation)|resource exhausted|RESOURCE_EXHAUSTED|memory limit|evicted|maxmemory", RegexOptions.IgnoreCase)]
    private static partial Regex CapacityErrorRegex();

    [GeneratedRegex(@"(?:responded|returned|status(?: code)?|received|got|answered|replied)\s*[:=]?\s*(?:HTTP\s*)?(?:429|50[0-4])\b|\b(?:429|502|503|504)\b\s*(?:Too Many Requests|Bad Gateway|Service Unavailable|Gateway Time-?out)|Too Many Requests|rate[- ]limit(?:ed)?|quota exceeded|upstream (?:error|timed? ?out|connect|request|returned|unavailable)|circuit (?:breaker )?(?:is )?open|CircuitBreakerOpen|BrokenCircuit|deadline exceeded|DEADLINE_EXCEEDED|UNAVAILABLE:|(?:timed out|timeout) (?:calling|contacting|waiting for|after \d+\s*m?s (?:calling|to))|dependency \S+ (?:unhealthy|down|failed)", RegexOptions.IgnoreCase)]
    private static partial Regex DependencyErrorRegex();

    [GeneratedRegex(@"(?:upstream|client|outbound|external|vendor|dependency|downstream)", RegexOptions.IgnoreCase)]
    private static partial Regex UpstreamSeriesRegex();

    [GeneratedRegex(@"\b(?:[a-z0-9-]+\.)+(?:com|net|io|org|svc|internal|local|cloud|dev|example)\b|\b(?:[a-z0-9-]+-(?:api|service|gateway|svc))\b", RegexOptions.IgnoreCase)]
    private static partial Regex HostRegex();

    [GeneratedRegex(@"NXDOMAIN|no such host|Name or service not known|Temporary failure in name resolution|getaddrinfo|ENOTFOUND|EAI_AGAIN|UnknownHostException|could not resolve|Could not resolve host|name resolution|SERVFAIL|DNS (?:lookup|resolution) (?:failed|error)|connection refused|ECONNREFUSED|Connection reset|ECONNRESET|reset by peer|no route to host|EHOSTUNREACH|network is unreachable|ENETUNREACH|broken pipe|EPIPE|i/o timeout|dial tcp[^:]*: (?:lookup|connect)|SocketException|NoRouteToHostException|ConnectException", RegexOptions.IgnoreCase)]
    private static partial Regex NetworkErrorRegex();

    [GeneratedRegex(@"\bconfig(?:uration)?\b.*\b(?:invalid|missing|error|not found|failed|unknown|malformed)|\b(?:invalid|missing|unknown|malformed|bad)\b.*\bconfig(?:uration)?\b|environment variable|env var|ConfigurationException|InvalidConfiguration|OptionsValidationException|BeanCreationException|Could not resolve placeholder|KeyError: '[A-Z][A-Z0-9_]+'|feature flag|setting \S+ (?:is )?(?:missing|invalid|not set)|required (?:setting|property|key) \S+", RegexOptions.IgnoreCase)]
    private static partial Regex ConfigErrorRegex();

    [GeneratedRegex(@"RejectedExecution|timed out|timeout|queue (?:is )?full|too many requests|\b503\b|overload|thread pool|busy threads|shed|backpressure", RegexOptions.IgnoreCase)]
    private static partial Regex OverloadErrorRegex();

    /// <summary>Where a call went: a URL's host, or host:port, or a cluster DNS name (x.ns.svc).</summary>
    [GeneratedRegex(@"(?:\b[a-z][a-z0-9+.-]*://(?<host>[A-Za-z0-9][A-Za-z0-9.-]*))|(?:\b(?<host>[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*):\d{2,5}\b)|(?:\b(?<host>[A-Za-z0-9][A-Za-z0-9-]*\.[A-Za-z0-9-]+\.svc(?:\.cluster\.local)?)\b)")]
    private static partial Regex CallTargetRegex();

    [GeneratedRegex(@"scheduled|cron|batch|job|task", RegexOptions.IgnoreCase)]
    private static partial Regex ScheduledKindRegex();

    [GeneratedRegex(@"^probe_success\b|^probe_http_status|^up\{", RegexOptions.IgnoreCase)]
    private static partial Regex ProbeSeriesRegex();

    [GeneratedRegex(@"NXDOMAIN|SERVFAIL|dns.*(?:fail|error)", RegexOptions.IgnoreCase)]
    private static partial Regex DnsFailureSeriesRegex();

    [GeneratedRegex(@"flap", RegexOptions.IgnoreCase)]
    private static partial Regex FlappingRegex();
}
