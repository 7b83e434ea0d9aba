using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Logs;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation.Connectors;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>
/// The evidence of one investigation attempt, each fact with the id of the observation that
/// stores it. A wider attempt replaces the extracted facts; memory and unavailable sources carry over.
/// </summary>
public sealed class EvidenceRun(Guid incidentId, DateTimeOffset anchor, ServiceDefinition? service, int attempt)
{
    public Guid IncidentId { get; } = incidentId;
    public DateTimeOffset Anchor { get; } = anchor;
    public ServiceDefinition? Service { get; } = service;
    public int Attempt { get; set; } = attempt;

    public List<Cited<TemplateShift>> Templates { get; } = [];
    public List<Cited<StackTrace>> StackTraces { get; } = [];
    public List<Cited<MetricOnset>> Onsets { get; } = [];
    public List<Cited<MetricSeries>> Series { get; } = [];
    public List<Cited<DeployEvent>> Deploys { get; } = [];
    public List<Cited<CommitInfo>> Commits { get; } = [];
    public List<Cited<BlameLine>> Blame { get; } = [];
    public List<Cited<CommitDiff>> Diffs { get; } = [];
    public List<Cited<HealthResult>> Health { get; } = [];
    public List<Cited<PastIncident>> Memory { get; } = [];
    public List<Cited<SuspiciousLine>> Suspicious { get; } = [];
    public List<string> Unavailable { get; } = [];

    /// <summary>Services the failing calls go to (named by an earlier attempt): their logs and metrics are read too.</summary>
    public List<ServiceDefinition> Related { get; } = [];

    public void ClearExtracted()
    {
        Templates.Clear();
        StackTraces.Clear();
        Onsets.Clear();
        Series.Clear();
        Deploys.Clear();
        Commits.Clear();
        Blame.Clear();
        Diffs.Clear();
        Health.Clear();
        Suspicious.Clear();
        Unavailable.Clear();
    }

    public DiagnosisInput ToInput(string title, Severity severity, IReadOnlyDictionary<string, string> labels, ServiceCatalog catalog, IReadOnlyList<Cited<PastIncident>> memory) =>
        new(
            Anchor,
            title,
            Service?.Name,
            Service?.Tier,
            Service is null ? [] : catalog.Services.Where(s => s.DependsOn.Contains(Service.Name, StringComparer.OrdinalIgnoreCase)).Select(s => s.Name).ToList(),
            severity,
            [.. Templates],
            [.. StackTraces],
            [.. Onsets],
            [.. Series],
            [.. Deploys],
            [.. Commits],
            [.. Blame],
            [.. Health],
            [.. memory],
            [.. Suspicious],
            [.. Unavailable.Distinct()],
            labels,
            catalog.Services.Select(s => s.Name).ToList(),
            [.. Diffs]);
}

/// <summary>
/// Runs the connectors for one attempt (fetches in parallel, each bounded by the connector timeout),
/// extracts facts (templates, stack traces, injection check, onsets, frame-to-file mapping) and
/// stores each as an observation, writing a timeline line per step.
/// </summary>
public sealed class EvidenceCollector(
    AppDbContext db,
    LogFileConnector files,
    LokiConnector loki,
    PrometheusConnector prometheus,
    OpenMetricsFileConnector openMetrics,
    GitConnector git,
    HealthConnector health,
    IOptions<InvestigationOptions> options,
    TimeProvider clock)
{
    private const int MaxTemplates = 40;
    private const int MaxTraces = 10;
    private const int MaxSuspicious = 20;
    private const int MaxCommitObservations = 200;
    private const int MaxPointsPerSeries = 400;
    private const int MaxBlamedFrames = 20;

    /// <summary>Deploys of other services in the window kept as evidence, newest first.</summary>
    private const int MaxOtherDeploys = 30;

    /// <summary>Diffs read per attempt: a handful of git show calls, each bounded by the connector timeout.</summary>
    private const int MaxDiffs = 6;

    /// <summary>Lines from this long before the anchor on count as "incident window"; earlier ones are the baseline.</summary>
    public static readonly TimeSpan IncidentLead = TimeSpan.FromMinutes(10);

    public async Task CollectAsync(EvidenceRun run, DateTimeOffset from, DateTimeOffset to, Func<TimelineKind, string, Task> timeline, CancellationToken ct)
    {
        run.ClearExtracted();
        var service = run.Service;

        // Start every fetch at once; store in a fixed order (one DbContext is not thread-safe).
        var logsTask = service is null ? Task.FromResult<List<Fetched<LogRead>>>([]) : FetchLogsAsync(service, from, to, ct);
        var metricsTask = service is null ? Task.FromResult<List<Fetched<IReadOnlyList<MetricSeries>>>>([]) : FetchMetricsAsync(service, from, to, ct);
        var gitTask = service?.Repository is null ? Task.FromResult<Fetched<GitEvidence>?>(null) : FetchGitAsync(service.Repository, from, to, ct);
        var healthTask = service is null ? Task.FromResult<List<Fetched<HealthResult>>>([]) : FetchHealthAsync(service, ct);
        var deploys = service is null ? [] : await db.Deploys.AsNoTracking()
            .Where(d => d.Service == service.Name && d.At >= from && d.At <= to)
            .OrderBy(d => d.At).Take(200).ToListAsync(ct);

        // 1. logs -> templates, stack traces, injection check
        var logReads = await logsTask;
        await StoreUnavailableAsync(run, logReads, ct);
        var lines = logReads.Where(r => r.Ok).SelectMany(r => r.Value!.Lines).ToList();
        if (service is not null && service.Logs.Count > 0)
        {
            var capped = logReads.Any(r => r.Ok && r.Value!.Capped) ? " (cut at the line cap)" : "";
            await timeline(TimelineKind.Evidence, $"Logs: {lines.Count} lines in the window from {logReads.Count(r => r.Ok)} of {logReads.Count} source(s){capped}.");
            await ExtractFromLogsAsync(run, lines, from, timeline, ct);
        }

        // 2. metrics -> series and onsets
        var metricReads = await metricsTask;
        await StoreUnavailableAsync(run, metricReads, ct);
        if (service is not null && service.Metrics.Count > 0)
        {
            await StoreMetricsAsync(run, metricReads.Where(r => r.Ok).SelectMany(r => r.Value!).ToList(), timeline, ct);
        }

        // 3. deploys, releases, commits, blame of the frames
        var gitRead = await gitTask;
        if (gitRead is { Ok: false })
        {
            await StoreUnavailableAsync(run, gitRead.Source, gitRead.Unavailable!, ct);
        }

        await StoreChangesAsync(run, deploys.Select(d => d.ToEvent()).ToList(), gitRead?.Value, from, to, timeline, ct);
        if (service is not null)
        {
            // Changes of other catalog services in the window (a DNS service's config push, a dependency's release): cited
            // as evidence of their own trouble, never as this service's change (the engine reads deploys by service).
            var elsewhere = await db.Deploys.AsNoTracking()
                .Where(d => d.Service != service.Name && d.At >= from && d.At <= to)
                .OrderByDescending(d => d.At).Take(MaxOtherDeploys).ToListAsync(ct);
            run.Deploys.AddRange(await StoreAsync(run, elsewhere.Select(d => d.ToEvent()).OrderBy(d => d.At).ToList(), d => (ObservationKind.Deploy, "deploys",
                $"{d.Kind ?? "deploy"} {d.Service} {d.Version}{(d.Commit is { } c ? $" ({Short7(c)})" : "")} at {d.At:u} (another service)"), ct));
        }

        // 4. health
        var healthReads = await healthTask;
        await StoreUnavailableAsync(run, healthReads, ct);
        var results = healthReads.Where(r => r.Ok).Select(r => r.Value!).ToList();
        if (results.Count > 0 || healthReads.Count > 0)
        {
            var stored = await StoreAsync(run, results, h => (ObservationKind.HealthCheck, $"health:{h.Url}",
                $"{h.Url}: {(h.StatusCode is { } s ? $"HTTP {s}" : "no answer")} in {h.ElapsedMs:0} ms"), ct);
            run.Health.AddRange(stored);
            await timeline(TimelineKind.Evidence,
                $"Health: {results.Count(h => h.StatusCode is >= 200 and < 400)} of {healthReads.Count} check(s) healthy"
                + (healthReads.Any(r => !r.Ok) ? $"; unavailable: {string.Join("; ", healthReads.Where(r => !r.Ok).Select(r => r.Unavailable))}" : "") + ".");
        }

        // 5. services the failing calls go to: their own logs and metrics (after blame, so their stack
        // traces are never mapped onto this service's repository).
        foreach (var related in run.Related)
        {
            var relatedLogsTask = FetchLogsAsync(related, from, to, ct);
            var relatedMetricsTask = FetchMetricsAsync(related, from, to, ct);
            var relatedLogs = await relatedLogsTask;
            var relatedMetrics = await relatedMetricsTask;
            await StoreUnavailableAsync(run, relatedLogs, ct);
            await StoreUnavailableAsync(run, relatedMetrics, ct);
            var relatedLines = relatedLogs.Where(r => r.Ok).SelectMany(r => r.Value!.Lines).ToList();
            await timeline(TimelineKind.Evidence, $"Related service {related.Name}: {relatedLines.Count} log lines, {relatedMetrics.Where(r => r.Ok).Sum(r => r.Value!.Count)} series.");
            if (relatedLines.Count > 0)
            {
                await ExtractFromLogsAsync(run, relatedLines, from, timeline, ct);
            }

            if (relatedMetrics.Any(r => r.Ok))
            {
                await StoreMetricsAsync(run, relatedMetrics.Where(r => r.Ok).SelectMany(r => r.Value!).ToList(), timeline, ct);
            }
        }
    }

    private async Task ExtractFromLogsAsync(EvidenceRun run, List<LogLine> lines, DateTimeOffset from, Func<TimelineKind, string, Task> timeline, CancellationToken ct)
    {
        // CPU-bound and independent: run side by side.
        var shiftsTask = Task.Run(() => Templates(lines, from, run.Anchor - IncidentLead), ct);
        var tracesTask = Task.Run(() => StackTraceExtractor.Extract(lines), ct);
        var suspiciousTask = Task.Run(() => InjectionDetector.Scan(lines), ct);
        var shifts = (await shiftsTask).ToList();
        run.Templates.AddRange(await StoreAsync(run, shifts, t => (ObservationKind.LogTemplates, $"logs:{t.Source}",
            $"{(t.IsNew ? "NEW " : "")}{TemplateSummary(t)} — {t.IncidentCount} in the incident window, {t.BaselineCount} before"), ct));
        var newOnes = shifts.Count(t => t.IsNew);
        await timeline(TimelineKind.Evidence,
            $"Log templates: {shifts.Count} notable, {newOnes} new, {shifts.Count(t => t.LooksLikeError)} error-like"
            + (shifts.FirstOrDefault(t => t.IsNew && t.LooksLikeError) is { } top ? $"; e.g. \"{Short(top.Template, 160)}\"" : "") + ".");

        var traces = (await tracesTask).OrderByDescending(t => t.Count).Take(MaxTraces).ToList();
        run.StackTraces.AddRange(await StoreAsync(run, traces, t => (ObservationKind.StackTrace, $"logs:{t.Source}",
            $"{t.ExceptionType}: {Short(t.Message, 200)} ({t.Count}x, {t.Language})"
            + (t.Frames.FirstOrDefault(f => f.IsApplicationCode) is { File: not null } f ? $" at {f.File}:{f.Line}" : "")), ct));
        if (traces.Count > 0)
        {
            await timeline(TimelineKind.Evidence, $"Stack traces: {string.Join("; ", traces.Take(3).Select(t => $"{t.ExceptionType} ({t.Count}x)"))}.");
        }

        // Log lines are data: a line that reads like an instruction is flagged and shown, never followed.
        var suspicious = (await suspiciousTask).Take(MaxSuspicious).ToList();
        run.Suspicious.AddRange(await StoreAsync(run, suspicious, s => (ObservationKind.SuspiciousLog, $"logs:{s.Source}",
            $"FLAGGED (not acted on): {s.Reason} ({Path.GetFileName(s.Source)} line {s.LineNumber}; the text is shown only as flagged data)"), ct));
        if (suspicious.Count > 0)
        {
            await timeline(TimelineKind.Evidence, $"Flagged {suspicious.Count} log line(s) that read like instructions; they are shown as data and never acted on.");
        }
    }

    /// <summary>Templates new or surging in <c>[incidentStart, ..]</c> against the baseline <c>[from, incidentStart)</c>.</summary>
    private static IReadOnlyList<TemplateShift> Templates(List<LogLine> lines, DateTimeOffset from, DateTimeOffset incidentStart) =>
        lines.Count == 0
            ? []
            : LogTemplateAnalysis.Compare(lines, incidentStart, incidentStart - from > TimeSpan.Zero ? incidentStart - from : TimeSpan.FromMinutes(1), new TemplateShiftOptions { MaxResults = MaxTemplates });

    /// <summary>
    /// A template's one-line summary. Summaries are what lists, plans and any model read first, so a
    /// template whose lines read like instructions is not quoted there: its text stays in the stored
    /// observation and in the flagged lines, marked as data.
    /// </summary>
    private static string TemplateSummary(TemplateShift t) =>
        InjectionDetector.Check(t.Template) is not null || t.Examples.Any(e => InjectionDetector.Check(e) is not null)
            ? "(template withheld: its lines read like instructions; see the flagged log lines)"
            : t.Template;

    private async Task StoreMetricsAsync(EvidenceRun run, List<MetricSeries> series, Func<TimelineKind, string, Task> timeline, CancellationToken ct)
    {
        var thinned = series.Select(s => s.Points.Count <= MaxPointsPerSeries ? s : s with { Points = Thin(s.Points) }).ToList();
        run.Series.AddRange(await StoreAsync(run, thinned, s => (ObservationKind.MetricSeries, $"metrics:{s.Query}",
            $"{s.Name} ({s.Role}): {s.Points.Count} points, last {(s.Points.Count > 0 ? s.Points[^1].Value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture) : "-")}"), ct));
        var onsets = series.Select(s => OnsetDetector.Detect(s)).OfType<MetricOnset>().ToList();
        run.Onsets.AddRange(await StoreAsync(run, onsets, m => (ObservationKind.MetricOnset, $"metrics:{m.SeriesName}",
            $"{m.SeriesName} went {m.Direction} at {m.At:HH:mm:ss} ({m.Before:0.####} -> {m.After:0.####})"), ct));
        await timeline(TimelineKind.Evidence, $"Metrics: {series.Count} series, {onsets.Count} onset(s)"
            + (onsets.OrderBy(m => m.At).FirstOrDefault() is { } first ? $"; first: {first.SeriesName} {first.Direction} at {first.At:u}" : "") + ".");
    }

    private async Task StoreChangesAsync(EvidenceRun run, List<DeployEvent> deploys, GitEvidence? repo, DateTimeOffset from, DateTimeOffset to, Func<TimelineKind, string, Task> timeline, CancellationToken ct)
    {
        var service = run.Service?.Name ?? "";
        var releases = repo?.Tags.Where(t => t.At >= from && t.At <= to).Select(t => new DeployEvent(service, t.Name, t.Commit, t.At, "released", "release-tag")).ToList() ?? [];
        var allDeploys = deploys.Concat(releases).OrderBy(d => d.At).ToList();
        run.Deploys.AddRange(await StoreAsync(run, allDeploys, d => (ObservationKind.Deploy, d.Kind == "release-tag" ? "git:tags" : "deploys",
            $"{d.Kind ?? "deploy"} {d.Service} {d.Version}{(d.Commit is { } c ? $" ({Short7(c)})" : "")} at {d.At:u}{(d.Status is { } s ? $", {s}" : "")}"), ct));

        // Application frames -> repository files; commits touching those files or named by a deploy are kept first.
        var frames = repo is null
            ? []
            : run.StackTraces
                .SelectMany(t => StackTraceExtractor.MapFrames(t.Fact, run.Service?.Repository?.PathInStackTraces, repo.Files))
                .DistinctBy(f => (f.File, f.Line))
                .Take(MaxBlamedFrames)
                .ToList();
        var frameFiles = frames.Select(f => f.File).ToHashSet(StringComparer.Ordinal);
        var deployed = allDeploys.Where(d => d.Commit is not null).Select(d => d.Commit!).ToList();
        var commits = (repo?.Commits ?? [])
            .OrderByDescending(c => c.Files.Any(frameFiles.Contains) || deployed.Any(d => c.Sha.StartsWith(d, StringComparison.OrdinalIgnoreCase)))
            .ThenByDescending(c => c.At)
            .Take(MaxCommitObservations)
            .OrderByDescending(c => c.At)
            .ToList();
        run.Commits.AddRange(await StoreAsync(run, commits, c => (ObservationKind.Commit, "git:log",
            $"{Short7(c.Sha)} {Short(c.Subject, 200)} by {c.Author} at {c.At:u} ({c.Files.Count} file(s))"), ct));
        if (run.Service is not null)
        {
            await timeline(TimelineKind.Evidence, $"Changes: {deploys.Count} deploy(s), {releases.Count} release tag(s), {repo?.Commits.Count ?? 0} commit(s) in the window ({commits.Count} kept as evidence)"
                + (allDeploys.LastOrDefault(d => d.At <= run.Anchor) is { } lastDeploy ? $"; last before the alert: {lastDeploy.Version} at {lastDeploy.At:u}" : "") + ".");
        }

        if (repo is null)
        {
            return;
        }

        // Who last touched the lines the stack traces point at.
        var blamed = new List<BlameLine>();
        foreach (var file in run.StackTraces.Count == 0 ? [] : frames.GroupBy(f => f.File))
        {
            var result = await Connector.BoundedAsync($"git:blame:{file.Key}", options.Value.ConnectorTimeout,
                c => git.BlameAsync(repo.Path, file.Key, file.Select(f => f.Line).ToList(), "HEAD", c), ct);
            if (result.Ok)
            {
                blamed.AddRange(result.Value!);
            }
            else
            {
                await StoreUnavailableAsync(run, result.Source, result.Unavailable!, ct);
            }
        }

        run.Blame.AddRange(await StoreAsync(run, blamed, b => (ObservationKind.Blame, $"git:blame:{b.File}",
            $"{b.File}:{b.Line} last changed by {Short7(b.Sha)}: {Short(b.Text.Trim(), 200)}"), ct));

        // The patch of each blamed commit inside the window, then of window commits that touch a failing frame's
        // file or a configuration file: for people and agents to read, and for the engine to rank the suspects
        // (changed lines and functions) and to see configuration values set to extremes.
        // A commit belongs to the window when it was committed in it or shipped by a deploy of it (commits are usually
        // written days before the release that ships them).
        var inWindow = commits.Select(c => c.Sha).ToHashSet(StringComparer.Ordinal);
        var shipped = ShippedCommits(commits, allDeploys.Where(d => d.At <= to && d.At >= to - TimeSpan.FromHours(24)).ToList(), allDeploys,
            repo.Tags.Select(t => t.Commit).OfType<string>().ToList());
        var shas = blamed.Select(b => b.Sha).Distinct().Where(inWindow.Contains).Take(3)
            .Concat(commits.Where(c => (shipped.Contains(c.Sha) || (c.At >= from && c.At <= to)) && c.Files.Any(f => frameFiles.Contains(f) || ChangeCorrelator.IsConfigFile(f)))
                .OrderByDescending(c => c.Files.Any(ChangeCorrelator.IsConfigFile)).ThenByDescending(c => c.At).Select(c => c.Sha))
            .Distinct()
            .Take(MaxDiffs)
            .ToList();
        var diffs = new List<CommitDiff>();
        foreach (var sha in shas)
        {
            var diff = await Connector.BoundedAsync($"git:show:{sha}", options.Value.ConnectorTimeout, c => git.DiffAsync(repo.Path, sha, 20_000, c), ct);
            if (diff.Ok)
            {
                diffs.Add(new CommitDiff(sha, diff.Value!));
            }
        }

        run.Diffs.AddRange(await StoreAsync(run, diffs, d => (ObservationKind.Diff, "git:show", $"Diff of {Short7(d.Sha)} ({d.Patch.Split('\n').Length} lines)"), ct,
            d => new { commit = d.Sha, diff = d.Patch }));
        if (blamed.Count > 0)
        {
            await timeline(TimelineKind.Evidence, $"Blame: {string.Join("; ", blamed.Take(3).Select(b => $"{b.File}:{b.Line} <- {Short7(b.Sha)}"))}.");
        }
    }

    /// <summary>
    /// The commits the given deploys shipped: those after the previous release (an earlier deploy's commit or tagged commit)
    /// up to the deploy's own commit, by commit time; without an earlier release, every commit read up to it.
    /// </summary>
    private static HashSet<string> ShippedCommits(IReadOnlyList<CommitInfo> commits, IReadOnlyList<DeployEvent> recent, IReadOnlyList<DeployEvent> all, IReadOnlyList<string> tagged)
    {
        CommitInfo? Find(string? sha) => sha is null ? null : commits.FirstOrDefault(c => c.Sha.StartsWith(sha, StringComparison.OrdinalIgnoreCase));
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var deploy in recent)
        {
            if (Find(deploy.Commit) is not { } head)
            {
                continue;
            }

            // The previous release: an earlier deploy's commit, or an earlier commit carrying a tag.
            var previous = all.Where(d => d.At < deploy.At && Find(d.Commit) is { } c && c.At < head.At).Select(d => Find(d.Commit)!)
                .Concat(commits.Where(c => c.At < head.At && (c.Tags.Count > 0 || tagged.Any(t => c.Sha.StartsWith(t, StringComparison.OrdinalIgnoreCase)))))
                .MaxBy(c => c.At);
            // Without an earlier release among the commits read (they are bounded by the look-back), every earlier one counts.
            foreach (var c in commits.Where(c => c.At <= head.At && (previous is null || c.At > previous.At)))
            {
                result.Add(c.Sha);
            }
        }

        return result;
    }

    /// <summary>Records an unavailable source as an observation; the investigation goes on without it.</summary>
    public async Task StoreUnavailableAsync(EvidenceRun run, string source, string reason, CancellationToken ct)
    {
        run.Unavailable.Add(source);
        db.Observations.Add(Observation.Create(run.IncidentId, clock.GetUtcNow(), ObservationKind.Unavailable, source, $"{source} unavailable: {reason}",
            new { source, reason }, run.Attempt));
        await db.SaveChangesAsync(ct);
    }

    private async Task StoreUnavailableAsync<T>(EvidenceRun run, IEnumerable<Fetched<T>> reads, CancellationToken ct)
    {
        foreach (var read in reads.Where(r => !r.Ok))
        {
            await StoreUnavailableAsync(run, read.Source, read.Unavailable!, ct);
        }
    }

    private async Task<List<Cited<T>>> StoreAsync<T>(EvidenceRun run, IReadOnlyList<T> facts, Func<T, (ObservationKind Kind, string Source, string Summary)> describe, CancellationToken ct, Func<T, object>? data = null)
    {
        if (facts.Count == 0)
        {
            return [];
        }

        var now = clock.GetUtcNow();
        var observations = facts.Select(f =>
        {
            var (kind, source, summary) = describe(f);
            return data is null
                ? Observation.Create(run.IncidentId, now, kind, source, summary, f, run.Attempt)
                : Observation.Create(run.IncidentId, now, kind, source, summary, data(f), run.Attempt);
        }).ToList();
        db.Observations.AddRange(observations);
        await db.SaveChangesAsync(ct);
        return observations.Zip(facts, (o, f) => new Cited<T>(o.EvidenceId, f)).ToList();
    }

    /// <summary>The lines a service's log sources hold in the window (sources that fail are skipped): a search, no observation is stored.</summary>
    public async Task<IReadOnlyList<string>> ReadLogTextAsync(ServiceDefinition service, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        [.. (await FetchLogsAsync(service, from, to, ct)).Where(r => r.Ok).SelectMany(r => r.Value!.Lines).Select(l => l.Text)];

    private async Task<List<Fetched<LogRead>>> FetchLogsAsync(ServiceDefinition service, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var o = options.Value;
        var reads = service.Logs.Select(source => source.Kind.ToLowerInvariant() switch
        {
            "file" when !string.IsNullOrWhiteSpace(source.Path) => Connector.BoundedAsync($"logs:file:{source.Path}", o.ConnectorTimeout,
                c => files.ReadAsync(source.Path, from, to, o.LogLineCap, c), ct),
            "loki" when Uri.TryCreate(source.Url, UriKind.Absolute, out var url) && !string.IsNullOrWhiteSpace(source.Query) => Connector.BoundedAsync($"logs:loki:{source.Url}", o.ConnectorTimeout,
                c => loki.QueryRangeAsync(url, source.Query, from, to, o.LogLineCap, c), ct),
            _ => Task.FromResult(Fetched<LogRead>.Fail($"logs:{source.Kind}:{source.Path ?? source.Url}", "incomplete log source (file needs path; loki needs url and query)")),
        });
        return [.. await Task.WhenAll(reads)];
    }

    private async Task<List<Fetched<IReadOnlyList<MetricSeries>>>> FetchMetricsAsync(ServiceDefinition service, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var o = options.Value;
        var reads = service.Metrics.Select(m =>
        {
            var role = Role(m.Role);
            return m.Source.ToLowerInvariant() switch
            {
                "prometheus" when Uri.TryCreate(m.Url, UriKind.Absolute, out var url) => Connector.BoundedAsync($"metrics:prometheus:{m.Query}", o.ConnectorTimeout,
                    c => prometheus.QueryRangeAsync(url, m.Query, role, from, to, PrometheusConnector.StepFor(from, to), c), ct),
                "openmetrics" when !string.IsNullOrWhiteSpace(m.Path) => Connector.BoundedAsync($"metrics:openmetrics:{m.Path}:{m.Query}", o.ConnectorTimeout,
                    c => openMetrics.QueryAsync(m.Path, m.Query, role, from, to, c), ct),
                _ => Task.FromResult(Fetched<IReadOnlyList<MetricSeries>>.Fail($"metrics:{m.Source}:{m.Query}", "incomplete metric source (prometheus needs url; openmetrics needs path)")),
            };
        });
        return [.. await Task.WhenAll(reads)];
    }

    private async Task<Fetched<GitEvidence>?> FetchGitAsync(ServiceRepository repository, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var o = options.Value;
        var name = repository.Path ?? repository.GitHub ?? "repository";

        // Cloning may take longer than one query; it gets the time budget, a query the connector timeout.
        var local = await Connector.BoundedAsync($"git:{name}", TimeSpan.FromSeconds(Math.Max(o.ConnectorTimeoutSeconds, o.TimeBudgetSeconds / 2)),
            c => git.EnsureLocalAsync(repository, c), ct);
        if (!local.Ok)
        {
            return Fetched<GitEvidence>.Fail(local.Source, local.Unavailable!);
        }

        return await Connector.BoundedAsync($"git:{name}", o.ConnectorTimeout, async c =>
        {
            // The commits a deploy shipped were written days before it: look back further than the
            // log window (capped by CommitCap) so blame can land on them.
            var commits = git.LogAsync(local.Value!, from - TimeSpan.FromDays(o.CommitLookbackDays), to, o.CommitCap, c);
            var tags = git.TagsAsync(local.Value!, c);
            var filesAtHead = git.FilesAsync(local.Value!, "HEAD", c);
            return new GitEvidence(local.Value!, await commits, await tags, await filesAtHead);
        }, ct);
    }

    private async Task<List<Fetched<HealthResult>>> FetchHealthAsync(ServiceDefinition service, CancellationToken ct) =>
        [.. await Task.WhenAll(service.HealthUrls.Select(url => Connector.BoundedAsync($"health:{url}", options.Value.ConnectorTimeout, c => health.CheckAsync(url, c), ct)))];

    public static MetricRole Role(string role) => role.ToLowerInvariant().Replace("-", "_", StringComparison.Ordinal) switch
    {
        "error_ratio" or "errors" => MetricRole.ErrorRatio,
        "latency" => MetricRole.Latency,
        "saturation" => MetricRole.Saturation,
        "traffic" => MetricRole.Traffic,
        _ => MetricRole.Other,
    };

    private static List<MetricPoint> Thin(IReadOnlyList<MetricPoint> points)
    {
        var step = (int)Math.Ceiling(points.Count / (double)MaxPointsPerSeries);
        return points.Where((_, i) => i % step == 0 || i == points.Count - 1).ToList();
    }

    private static string Short(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static string Short7(string sha) => sha.Length > 7 ? sha[..7] : sha;

    private sealed record GitEvidence(string Path, IReadOnlyList<CommitInfo> Commits, IReadOnlyList<ReleaseTag> Tags, IReadOnlyCollection<string> Files);
}
