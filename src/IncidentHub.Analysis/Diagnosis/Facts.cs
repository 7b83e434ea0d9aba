using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis;

/// <summary>A piece of incident text (a template with examples, or a stack trace) the text features match against.</summary>
internal sealed record TextFact(EvidenceKind Kind, string EvidenceId, string Text, string Display, double Weight, DateTimeOffset? FirstSeen);

/// <summary>A probe failing from one place while a probe of the same target from elsewhere passes.</summary>
internal sealed record ConfinedProbe(string FailingEvidenceId, string Failing, string? HealthyEvidenceId, string Healthy, string? Target);

internal sealed partial class Facts
{
    public required DiagnosisInput Input { get; init; }
    public required DiagnosisOptions Options { get; init; }
    public required DateTimeOffset Anchor { get; init; }
    public required string ServiceName { get; init; }
    public required List<Cited<MetricOnset>> Onsets { get; init; }
    public required List<Cited<MetricOnset>> UserOnsets { get; init; }
    public required Cited<MetricOnset>? TrafficSurge { get; init; }

    /// <summary>Requests that rose as an echo of the failure (after it began, with the retries, or moved between instances), and why.</summary>
    public (Cited<MetricOnset> Surge, string Why)? TrafficEcho { get; init; }
    public required List<Cited<TemplateShift>> IncidentTemplates { get; init; }
    public required List<Cited<StackTrace>> IncidentTraces { get; init; }
    public required List<TextFact> IncidentTexts { get; init; }
    public required CorrelationResult Correlation { get; init; }
    public required bool UserImpact { get; init; }
    public required string ImpactReason { get; init; }
    public required HashSet<string> Recovered { get; init; }
    public required List<(string Name, string? EvidenceId)> AtMaximum { get; init; }
    public required bool NonCodeErrorText { get; init; }

    /// <summary>Material user-facing onsets and onsets of failed work (failed jobs, rejections, dead letters, lag, probe failures), by time.</summary>
    public required List<Cited<MetricOnset>> ImpactOnsets { get; init; }

    /// <summary>Something shows the alert is noise: a series that recovered or flaps, a flapping alert, a scheduled task, or no new error at all.</summary>
    public required bool NoiseShown { get; init; }

    /// <summary>Limit-reached errors and a usage series at its limit, both.</summary>
    public required bool ExhaustionShown { get; init; }

    /// <summary>Usage series at or near their limit, whatever the resource (see <see cref="LimitSeries"/>).</summary>
    public required List<NearLimit> NearLimit { get; init; }

    /// <summary>Configuration keys changed by commits whose diffs we have.</summary>
    public required List<ConfigEdit> ConfigEdits { get; init; }

    /// <summary>Commits in the window (shipped by a recent deploy or committed recently) that change a migration/schema file.</summary>
    public required List<(Cited<CommitInfo> Commit, string File, double Proximity)> Migrations { get; init; }

    /// <summary>
    /// The code change that best explains the failure: the commit of the window that explains the failing frames best
    /// (<see cref="ChangeCorrelator.Explain"/>), else the commit blamed for a failing frame.
    /// </summary>
    public ChangeCandidate? CodeSuspect => Correlation.BestExplained is { Explanation: >= 0.4 } best ? best : Correlation.BestBlame;

    /// <summary>
    /// The configuration change that best explains the failure: among the config candidates (by score), first one whose
    /// diff sets a key to an extreme value, then one whose changed key the errors name; the file is the edited one.
    /// </summary>
    public ChangeCandidate? ConfigSuspect
    {
        get
        {
            ConfigEdit? EditOf(ChangeCandidate c, bool extreme) => ConfigEdits.FirstOrDefault(e => e.MadeBy(c) && (!extreme || e.Extreme));
            var candidates = Correlation.Candidates.Where(c => c.TouchesConfig).ToList();
            var best = candidates.FirstOrDefault(c => EditOf(c, true) is not null) ?? candidates.FirstOrDefault(c => EditOf(c, false) is not null) ?? candidates.FirstOrDefault();
            return best is not null && (EditOf(best, true) ?? EditOf(best, false)) is { } edit ? best with { File = edit.File } : best;
        }
    }

    /// <summary>Incident errors that name a key a config edit of the window changed (any telling word of its dotted path).</summary>
    public required List<(ConfigEdit Edit, TextFact Text)> NamedConfigKeys { get; init; }

    /// <summary>
    /// How well the configuration side of the window explains the failure (0..1): a config edit whose commit went live
    /// before the onset sets a key to an extreme value (0.6) and the errors name a changed key (0.4); a changed key the
    /// errors name alone gives 0.4. Compared with <see cref="CodeExplanation"/> when one release ships both.
    /// </summary>
    public double ConfigExplanation
    {
        get
        {
            var live = ConfigEdits.Where(e => Correlation.Candidates.Any(c => c.TouchesConfig && c.LeadTime is not null && e.MadeBy(c))).ToList();
            var extreme = live.Any(e => e.Extreme) ? 0.6 : 0;
            var named = NamedConfigKeys.Count > 0 ? 0.4 : 0;
            return extreme + named;
        }
    }

    /// <summary>
    /// How well the code side explains the failure (0..1): the best-explaining commit's explanation (its file 0.4, the
    /// failing line +0.3, the function +0.15, shared words), or 0.7 for a commit blamed for a failing line.
    /// </summary>
    public double CodeExplanation => Math.Max(Correlation.BestExplained?.Explanation ?? 0, Correlation.BestBlame is null ? 0 : 0.7);

    /// <summary>One message failing the same consumer again and again.</summary>
    public required List<PoisonMessage> Poison { get; init; }

    /// <summary>
    /// Texts of queries waiting on a lock: lock-wait language, or statement timeouts / cancelled queries while the window
    /// shipped a migration (a migration holding a lock makes every query on the table time out).
    /// </summary>
    public required List<TextFact> LockWaits { get; init; }

    /// <summary>
    /// A query lost its index: a database's full-scan series went up, or its index-scan series went down, in the window (a
    /// dropped or unusable index, a plan change after a migration or a statistics reset).
    /// </summary>
    public List<Cited<MetricOnset>> PlanChange => [.. Onsets.Where(x => (x.Fact.Direction == "up" && FullScanSeriesRegex().IsMatch(x.Fact.SeriesName))
        || (x.Fact.Direction == "down" && IndexScanSeriesRegex().IsMatch(x.Fact.SeriesName)))];

    /// <summary>Onsets of series that measure how far read replicas are behind their primary (replication lag going up).</summary>
    public required List<Cited<MetricOnset>> ReplicaLag { get; init; }

    /// <summary>
    /// A data mechanism shown twice over: the window shipped a migration, and queries wait on a lock or the read
    /// replicas fell behind (what a heavy or locking migration does).
    /// </summary>
    /// <summary>
    /// Data errors (constraint, overflow, decoding) that the window's code change wrote: a commit of the window touches a
    /// failing frame's file, no migration shipped, no single poison message is failing, and no error names a certificate,
    /// dependency or network cause. The data did not change on its own; the code that makes it did.
    /// </summary>
    public bool DataWrittenByCode =>
        Correlation.BestExplained is { Explanation: >= 0.4 } && Migrations.Count == 0 && Poison.Count == 0 && ReplicaLag.Count == 0 && LockWaits.Count == 0
        && IncidentTexts.Any(t => DataErrorRegex().IsMatch(t.Text))
        && !IncidentTexts.Any(t => CertificateErrorRegex().IsMatch(t.Text) || DependencyErrorRegex().IsMatch(t.Text) || NetworkErrorRegex().IsMatch(t.Text))
        && !ExhaustionShown;

    /// <summary>
    /// The called service is down by its own measure: a health check or blackbox probe of another host fails (not one
    /// confined to one place) while the errors are what the calls to it returned. No change of ours fails their probe.
    /// </summary>
    public bool DependencyDown =>
        IncidentTexts.Any(t => DependencyErrorRegex().IsMatch(t.Text))
        && (Input.Health.Any(h => IsFailing(h.Fact) && !IsOwnHealth(h.Fact, Input.Service))
            || Onsets.Any(x => x.Fact.Direction == "down" && ProbeSeriesRegex().IsMatch(x.Fact.SeriesName) && ConfinedProbes.All(c => c.Failing != x.Fact.SeriesName)
                && (Input.Service is null || !x.Fact.SeriesName.Contains(Input.Service, StringComparison.OrdinalIgnoreCase))));

    /// <summary>
    /// The TLS errors are ours failing to verify a peer's certificate (not the peer refusing ours), and no change of the window
    /// touches certificates, trust or TLS (subject, files or diff lines): the certificate that changed is the other party's.
    /// </summary>
    public bool PeerCertificateChanged =>
        IncidentTexts.Any(t => CertificateErrorRegex().IsMatch(t.Text)) && !IncidentTexts.Any(t => PeerRejectedCertificateRegex().IsMatch(t.Text))
        && !Correlation.RecentDeploys.SelectMany(w => w.Commits).Concat(Correlation.RecentCommits)
            .Any(c => TlsChangeRegex().IsMatch(c.Fact.Subject) || c.Fact.Files.Any(p => TlsChangeRegex().IsMatch(p)))
        && !(Input.Diffs ?? []).Any(d => d.Fact.Patch.Split('\n').Any(l => l.Length > 1 && l[0] is '+' or '-' && !l.StartsWith("+++", StringComparison.Ordinal)
            && !l.StartsWith("---", StringComparison.Ordinal) && TlsChangeRegex().IsMatch(l)));

    public bool MigrationMechanismShown => Migrations.Count > 0 && (LockWaits.Count > 0 || ReplicaLag.Count > 0 || PlanChange.Count > 0);

    /// <summary>
    /// Probes that fail from one place (a zone, a host) while the same target answers probes from elsewhere: the target is
    /// healthy, the path to it is cut.
    /// </summary>
    public required List<ConfinedProbe> ConfinedProbes { get; init; }

    /// <summary>User-facing series (error ratio, latency) are measured and none moved materially.</summary>
    public required bool UsersMeasuredFine { get; init; }

    public static Facts From(DiagnosisInput input, DiagnosisOptions o)
    {
        var flaggedTexts = new HashSet<string>(input.Suspicious.Select(s => s.Fact.Text), StringComparer.Ordinal);
        bool Clean(string text) => !flaggedTexts.Contains(text) && InjectionDetector.Check(text) is null;

        var window = (From: input.AlertAt - TimeSpan.FromHours(3), To: input.AlertAt + TimeSpan.FromMinutes(15));
        var onsets = input.Onsets.Concat(DerivedErrorShares(input)).Where(x => x.Fact.At >= window.From && x.Fact.At <= window.To).ToList();
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
        // Any counter of demand (requests, sessions, connections...) that is not a failure count counts too: a surge of one
        // class of clients shows in its own series before the total doubles.
        var surges = onsets.Where(x => (x.Fact.Role == MetricRole.Traffic || (x.Fact.Role == MetricRole.Other && IsDemand(x.Fact.SeriesName)))
                && x.Fact.Direction == "up" && x.Fact.Before > 0 && x.Fact.After >= o.TrafficSurgeRatio * x.Fact.Before)
            .OrderBy(x => x.Fact.Role == MetricRole.Traffic ? 0 : 1).ThenBy(x => x.Fact.At).ToList();
        // More work per request is not more requests: when the service's incoming requests are measured (a traffic series, or
        // a counter of requests) and did not surge, a surge of another demand counter (calls, queries, connections, messages
        // it makes or handles per request) is amplification inside the service, not a traffic spike.
        bool CountsRequests(string name) => LimitSeries.Tokens(name).Any(t => t is "request" or "requests" or "rps" or "qps" or "hits" or "visits" or "pageviews");
        var requestsMeasured = input.Series.Any(x => x.Fact.Role == MetricRole.Traffic || (x.Fact.Role == MetricRole.Other && IsDemand(x.Fact.Name) && CountsRequests(x.Fact.Name)));
        if (requestsMeasured && !surges.Any(x => x.Fact.Role == MetricRole.Traffic || CountsRequests(x.Fact.SeriesName)))
        {
            surges.Clear();
        }

        // Incident templates: errors that are new or surged. Ones at their usual rate are the red herrings. A warning that
        // a limit was reached counts as an error (resource daemons report exhaustion at WARN: "watermark exceeded", "memory alarm").
        var templates = input.Templates
            .Where(t => (t.Fact.LooksLikeError || LimitLanguageRegex().IsMatch(t.Fact.Template)) && t.Fact.IncidentCount > 0 && (t.Fact.IsNew || t.Fact.Surge >= o.SurgeThreshold) && Clean(t.Fact.Template))
            .ToList();

        // Incident traces: first seen around or after the onset (a trace that was already there is a red herring).
        var traces = input.StackTraces
            .Where(t => t.Fact.FirstSeen is not { } seen || seen >= anchor - TimeSpan.FromMinutes(10))
            .Where(t => Clean(t.Fact.Message))
            .ToList();

        // A surge of requests is the cause only when it came first. Requests that rose after the failures had begun (the first
        // new error or stack trace in the logs, or failed work; log times are exact, a ratio's onset can be walked back), that
        // rose with the retries, or that moved from one instance or zone to another (the sum did not rise) are an echo of
        // the failure (clients retrying, failover), not demand.
        var firstFailure = templates.Where(t => t.Fact.IsNew && t.Fact.LooksLikeError && t.Fact.FirstSeen is not null).Select(t => t.Fact.FirstSeen!.Value)
            .Concat(traces.Where(t => t.Fact.FirstSeen is not null).Select(t => t.Fact.FirstSeen!.Value))
            .Concat(onsets.Where(x => x.Fact.Role is not (MetricRole.Traffic or MetricRole.Latency or MetricRole.ErrorRatio) && IsFailedWork(x.Fact)).Select(x => x.Fact.At))
            .DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        var retries = onsets.Where(x => x.Fact.Direction == "up" && LimitSeries.Tokens(x.Fact.SeriesName).Any(t => RetryTokenRegex().IsMatch(t))).ToList();
        Cited<MetricOnset>? traffic = null;
        (Cited<MetricOnset> Surge, string Why)? echo = null;
        foreach (var surge in surges)
        {
            var why = firstFailure < surge.Fact.At - SurgeLead
                    ? $"it began at {surge.Fact.At:HH:mm:ss}, after the failures had begun ({firstFailure:HH:mm:ss}): clients retrying or failing over"
                : retries.FirstOrDefault(r => r.Fact.At <= surge.Fact.At) is { } retry
                    ? $"{retry.Fact.SeriesName} rose with it: the extra requests are retries"
                : Redistributed(input, surge, o) is { } moved ? moved
                : null;
            if (why is null)
            {
                traffic = surge;
                break;
            }

            echo ??= (surge, why);
        }

        var texts = new List<TextFact>();
        foreach (var t in templates)
        {
            var examples = t.Fact.Examples.Where(Clean).Take(3);
            // A new error seen once or twice weighs less than one that repeats (a rare known message can first show in a short window).
            var weight = t.Fact.IsNew ? Math.Min(1.0, 0.5 + 0.1 * t.Fact.IncidentCount) : Math.Clamp(t.Fact.Surge / (2 * o.SurgeThreshold), 0.5, 1.0);
            texts.Add(new TextFact(EvidenceKind.Logs, t.EvidenceId, t.Fact.Template + "\n" + string.Join("\n", examples), t.Fact.Template, weight, t.Fact.FirstSeen));
        }

        foreach (var t in traces)
        {
            texts.Add(new TextFact(EvidenceKind.Traces, t.EvidenceId, t.Fact.ExceptionType + ": " + t.Fact.Message, $"{t.Fact.ExceptionType}: {t.Fact.Message} ({t.Fact.Count}x)", 1.0, t.Fact.FirstSeen));
        }

        // What a change must explain: the application frames of the incident traces (most frequent trace first,
        // innermost frame first) and the words of the new errors.
        var failure = new FailureContext(
            traces.OrderByDescending(t => t.Fact.Count).SelectMany(t => t.Fact.Frames.Where(fr => fr.IsApplicationCode)).ToList(),
            ChangeCorrelator.Words(string.Join(" ", texts.Select(t => t.Text))),
            input.Diffs ?? []);
        var correlation = ChangeCorrelator.Correlate(input.Service, anchor, input.Deploys, input.Commits, input.Blame,
            new CorrelationOptions(o.DeployLookback, o.ProximityScale, OnsetUncertainty), failure);

        // Failed work is impact too: counters of failed/rejected/dead-lettered jobs, consumer lag and retries that
        // at least doubled, and probes or success counters that halved.
        // A probe failing from one place while the same target answers probes from elsewhere, and users' own requests
        // (measured) did not fail or slow down: the probe's path is broken, not the users' service. Not impact by itself.
        var confinedProbes = FindConfinedProbes(input, onsets);
        var usersMeasuredFine = userOnsets.Count == 0 && input.Series.Any(x => x.Fact.Role is MetricRole.ErrorRatio or MetricRole.Latency);
        var failedWork = onsets.Where(x => x.Fact.Role is not (MetricRole.ErrorRatio or MetricRole.Latency or MetricRole.Traffic) && IsFailedWork(x.Fact)
            && !(usersMeasuredFine && confinedProbes.Any(c => c.Failing == x.Fact.SeriesName))).ToList();
        var impactOnsets = userOnsets.Concat(failedWork).OrderBy(x => x.Fact.At).ToList();
        var ownHealthFailing = input.Health.FirstOrDefault(h => IsFailing(h.Fact) && IsOwnHealth(h.Fact, input.Service));
        var recovered = RecoveredSeries(input, onsets);
        var errorTemplates = templates.Where(t => t.Fact.IsNew || t.Fact.Surge >= o.SurgeThreshold).ToList();
        var repeatedErrors = traces.Sum(t => t.Fact.Count) >= RepeatedErrors || errorTemplates.Any(t => t.Fact.IsNew && t.Fact.IncidentCount >= RepeatedErrors);
        var scheduled = input.Deploys.Any(d => IsScheduledTask(d.Fact) && d.Fact.At <= input.AlertAt && input.AlertAt - d.Fact.At <= TimeSpan.FromHours(2)
            && (input.Service is null || string.Equals(d.Fact.Service, input.Service, StringComparison.OrdinalIgnoreCase)));
        var noiseShown = recovered.Count > 0 || scheduled || FlappingRegex().IsMatch(input.Title) || input.AlertLabels.Values.Any(v => FlappingRegex().IsMatch(v))
            || (traces.Count == 0 && !errorTemplates.Any(t => t.Fact.IsNew));
        // Users are affected when a user-facing metric moved materially, when work failed, when our own health check
        // fails, or (the alert fired and nothing shows it is noise) when the same new error repeats in logs or traces.
        var impactOnset = impactOnsets.FirstOrDefault();
        var userImpact = impactOnset is not null || ownHealthFailing is not null || (!noiseShown && repeatedErrors);
        var impactReason = impactOnset is not null
            ? $"{impactOnset.Fact.SeriesName} went {impactOnset.Fact.Direction} from {Num(impactOnset.Fact.Before)} to {Num(impactOnset.Fact.After)}"
            : ownHealthFailing is not null ? $"health check {ownHealthFailing.Fact.Url} fails"
            : !userImpact ? "no user-facing metric moved materially"
            : traces.Count > 0 ? $"{traces.Sum(t => t.Fact.Count)} new stack traces" : $"{errorTemplates.Count(t => t.Fact.IsNew)} new error templates";

        var atMaximum = FindAtMaximum(input);
        var nearLimit = LimitSeries.Find(input, name => SequenceNameRegex().IsMatch(name) || atMaximum.Any(a => a.Name == name));
        // Exhaustion shown twice over: the errors say a limit was reached and a usage series sits at its limit.
        // The resource, not the code, is then the errors' own explanation (as a certificate or a constraint is).
        var exhaustionShown = (nearLimit.Count > 0 || atMaximum.Any(a => !SequenceNameRegex().IsMatch(a.Name)))
            && texts.Any(t => CapacityErrorRegex().IsMatch(t.Text) || (LimitLanguageRegex().IsMatch(t.Text) && !DependencyErrorRegex().IsMatch(t.Text)));
        var counts = templates.ToDictionary(t => t.EvidenceId, t => t.Fact.IncidentCount, StringComparer.Ordinal);
        foreach (var t in traces)
        {
            counts[t.EvidenceId] = t.Fact.Count;
        }

        var migrations = correlation.RecentDeploys.SelectMany(w => w.Commits.Select(c => (Commit: c, w.Proximity)))
            .Concat(correlation.RecentCommits.Select(c => (Commit: c, Proximity: Decay(anchor - c.Fact.At, o.ProximityScale))))
            .SelectMany(x => x.Commit.Fact.Files.Where(p => MigrationFileRegex().IsMatch(p)).Take(1).Select(file => (x.Commit, File: file, x.Proximity)))
            .GroupBy(x => x.Commit.Fact.Sha, StringComparer.OrdinalIgnoreCase).Select(g => g.OrderByDescending(x => x.Proximity).First())
            .ToList();

        var configEdits = ConfigDiff.From(input.Diffs ?? []).Concat(ConfigDiff.FromDeploys(correlation.RecentDeploys.Select(w => w.Deploy))).ToList();
        var lockWaits = texts.Where(t => LockWaitRegex().IsMatch(t.Text) || (migrations.Count > 0 && StatementTimeoutRegex().IsMatch(t.Text))).ToList();

        return new Facts
        {
            Input = input,
            Options = o,
            Anchor = anchor,
            ServiceName = input.Service ?? "the service",
            Onsets = onsets,
            UserOnsets = userOnsets,
            TrafficSurge = traffic,
            TrafficEcho = traffic is null ? echo : null,
            IncidentTemplates = templates,
            IncidentTraces = traces,
            IncidentTexts = texts,
            Correlation = correlation,
            UserImpact = userImpact,
            ImpactReason = impactReason,
            Recovered = recovered,
            AtMaximum = atMaximum,
            NonCodeErrorText = texts.Any(t => CertificateErrorRegex().IsMatch(t.Text) || DataErrorRegex().IsMatch(t.Text)
                || DependencyErrorRegex().IsMatch(t.Text) || NetworkErrorRegex().IsMatch(t.Text) || LockWaitRegex().IsMatch(t.Text))
                || exhaustionShown,
            ImpactOnsets = impactOnsets,
            NoiseShown = noiseShown,
            NearLimit = nearLimit,
            ExhaustionShown = exhaustionShown,
            ConfigEdits = configEdits,
            NamedConfigKeys = configEdits.SelectMany(e => ConfigDiff.KeyWords(e.Key).Count == 0 ? [] :
                    texts.Where(t => ConfigDiff.KeyWords(e.Key).Any(w => ConfigDiff.Normalise(t.Text).Contains(w, StringComparison.Ordinal))).Select(t => (e, t)))
                .ToList(),
            Migrations = migrations,
            Poison = PoisonMessages.Find(texts, counts),
            LockWaits = lockWaits,
            ConfinedProbes = confinedProbes,
            UsersMeasuredFine = usersMeasuredFine,
            ReplicaLag = onsets.Where(x => x.Fact.Direction == "up" && ReplicationLagSeriesRegex().IsMatch(x.Fact.SeriesName)).ToList(),
        };
    }

    /// <summary>
    /// A probe series that went down, beside a series of the same name that shares its target label value (same key and
    /// value) but differs in another label and did not go down: the failure is confined to where the probe runs from.
    /// </summary>
    private static List<ConfinedProbe> FindConfinedProbes(DiagnosisInput input, List<Cited<MetricOnset>> onsets)
    {
        static string Metric(string name) => name.Split('{')[0];
        var down = onsets.Where(x => x.Fact.Direction == "down" && ProbeSeriesRegex().IsMatch(x.Fact.SeriesName)).ToList();
        var downNames = down.Select(x => x.Fact.SeriesName).ToHashSet(StringComparer.Ordinal);
        var result = new List<ConfinedProbe>();
        foreach (var failing in down)
        {
            var series = input.Series.FirstOrDefault(s => s.Fact.Name == failing.Fact.SeriesName)?.Fact;
            if (series is null)
            {
                continue;
            }

            var healthy = input.Series.FirstOrDefault(s => s.Fact.Name != series.Name && Metric(s.Fact.Name) == Metric(series.Name) && !downNames.Contains(s.Fact.Name)
                && s.Fact.Points.Count > 0 && s.Fact.Points[^1].Value >= 0.5
                && s.Fact.Labels.Any(kv => series.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value)
                && s.Fact.Labels.Any(kv => series.Labels.TryGetValue(kv.Key, out var v) && v != kv.Value));
            if (healthy is not null)
            {
                var target = healthy.Fact.Labels.Where(kv => series.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value && kv.Key != "__name__").Select(kv => kv.Value).FirstOrDefault();
                result.Add(new ConfinedProbe(failing.EvidenceId, failing.Fact.SeriesName, healthy.EvidenceId, healthy.Fact.Name, target));
            }
        }

        return result;
    }

    /// <summary>
    /// Request counters split by a status label (<c>http_requests_total{code="500"}</c>, <c>status</c>,
    /// <c>http_response_status_code</c>, <c>status_code</c>) with no error-ratio series measured: the share of 5xx among
    /// all of them, summed over every other label (pods, routes) point by point, is the error ratio users see. Its onset is
    /// found as any series' is and cited by the first 5xx series.
    /// </summary>
    internal static List<Cited<MetricOnset>> DerivedErrorShares(DiagnosisInput input)
    {
        if (input.Series.Any(x => x.Fact.Role == MetricRole.ErrorRatio) || input.Onsets.Any(x => x.Fact.Role == MetricRole.ErrorRatio))
        {
            return [];
        }

        var result = new List<Cited<MetricOnset>>();
        var byMetric = input.Series.Where(x => x.Fact.Role is MetricRole.Traffic or MetricRole.Other && StatusOf(x.Fact) is not null)
            .GroupBy(x => x.Fact.Name.Split('{')[0], StringComparer.Ordinal);
        foreach (var metric in byMetric)
        {
            var failing = metric.Where(x => StatusOf(x.Fact)!.StartsWith('5')).ToList();
            if (failing.Count == 0 || failing.Count == metric.Count())
            {
                continue;
            }

            var all = new SortedDictionary<DateTimeOffset, double>();
            var bad = new Dictionary<DateTimeOffset, double>();
            foreach (var series in metric.DistinctBy(x => x.Fact.Name))
            {
                var fails = StatusOf(series.Fact)!.StartsWith('5');
                foreach (var point in series.Fact.Points.Where(p => double.IsFinite(p.Value) && p.Value >= 0))
                {
                    all[point.At] = all.GetValueOrDefault(point.At) + point.Value;
                    if (fails)
                    {
                        bad[point.At] = bad.GetValueOrDefault(point.At) + point.Value;
                    }
                }
            }

            var points = all.Where(kv => kv.Value > 0).Select(kv => new MetricPoint(kv.Key, bad.GetValueOrDefault(kv.Key) / kv.Value)).ToList();
            var name = $"5xx share of {metric.Key}";
            if (OnsetDetector.Detect(name, MetricRole.ErrorRatio, points) is { } onset)
            {
                result.Add(new Cited<MetricOnset>(failing[0].EvidenceId, onset));
            }
        }

        return result;
    }

    /// <summary>The value of a status/code label (500, 5xx, 200), or null when the series has none.</summary>
    private static string? StatusOf(MetricSeries series)
    {
        foreach (var (key, value) in series.Labels)
        {
            if (StatusLabelRegex().IsMatch(key) && value.Length >= 3 && value[0] is >= '1' and <= '5')
            {
                return value;
            }
        }

        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:code|status|status_code|http_status|http_status_code|http_response_status_code|response_code|statuscode)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex StatusLabelRegex();

    /// <summary>How much earlier than a surge the failures must begin for the surge to be their echo (scrape intervals, ramps).</summary>
    internal static readonly TimeSpan SurgeLead = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The surging series has siblings (the same metric, other instances or zones) and their sum did not rise by the surge
    /// ratio: the requests moved (failover, a rebalance), they did not grow.
    /// </summary>
    private static string? Redistributed(DiagnosisInput input, Cited<MetricOnset> surge, DiagnosisOptions o)
    {
        var metric = surge.Fact.SeriesName.Split('{')[0];
        var siblings = input.Series.Where(x => x.Fact.Name.Split('{')[0] == metric && x.Fact.Points.Count > 0).DistinctBy(x => x.Fact.Name).ToList();
        if (siblings.Count < 2 || siblings.All(x => x.Fact.Name != surge.Fact.SeriesName))
        {
            return null;
        }

        double before = 0, after = 0;
        foreach (var series in siblings)
        {
            var prior = series.Fact.Points.Where(p => p.At < surge.Fact.At && double.IsFinite(p.Value)).Select(p => p.Value).ToList();
            var later = series.Fact.Points.Where(p => p.At >= surge.Fact.At && double.IsFinite(p.Value)).Select(p => p.Value).ToList();
            before += prior.Count > 0 ? prior.Average() : 0;
            after += later.Count > 0 ? later.Average() : 0;
        }

        return before > 0 && after < (1 + (o.TrafficSurgeRatio - 1) / 2) * before
            ? $"the {siblings.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)} series of {metric} together went from {Num(before)} to {Num(after)}: the requests moved between instances, they did not grow"
            : null;
    }

    private static bool IsDemand(string seriesName)
    {
        var tokens = LimitSeries.Tokens(seriesName);
        // "x per y" is a ratio of two counts (queries per request), not a count of demand.
        return !tokens.Contains("per") && tokens.Any(t => DemandTokenRegex().IsMatch(t)) && !tokens.Any(t => FailedWorkTokenRegex().IsMatch(t))
            && !seriesName.Contains("5..", StringComparison.Ordinal) && !seriesName.Contains("=\"5", StringComparison.Ordinal)
            && !seriesName.Contains("=\"4", StringComparison.Ordinal);
    }

    /// <summary>
    /// How far a detected onset may precede the change that caused it: the detector walks a ramp back to where it began and
    /// metrics are scraped at intervals, so a deploy up to this long after the detected onset still counts as before it.
    /// </summary>
    internal static readonly TimeSpan OnsetUncertainty = TimeSpan.FromMinutes(5);

    /// <summary>The same new error this many times is not a one-off.</summary>
    internal const int RepeatedErrors = 5;

    /// <summary>A counter of failed work that at least doubled, or a success/probe series that at least halved.</summary>
    private static bool IsFailedWork(MetricOnset m)
    {
        var tokens = LimitSeries.Tokens(m.SeriesName);
        return m.Direction == "up"
            ? tokens.Any(t => FailedWorkTokenRegex().IsMatch(t)) && m.After > 0 && m.After >= 2 * Math.Max(m.Before, 0)
            : tokens.Any(t => SuccessTokenRegex().IsMatch(t)) && m.Before > 0 && m.After <= 0.5 * m.Before;
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
