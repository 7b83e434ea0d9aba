using System.ComponentModel;
using System.Text;
using IncidentHub.Analysis.Ai;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Investigation.Connectors;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;

namespace IncidentHub.Web.Features.Ai;

/// <summary>
/// The read-only functions the investigation agent may call, over the same connectors and stores the
/// deterministic investigation uses. Each answer passes the injection scanner (flagged lines quoted as data),
/// and what a call finds is stored as an observation, so the model can cite it like any other evidence.
/// There is no function that writes, runs an action or approves anything.
/// </summary>
public sealed class InvestigationTools(
    EvidenceRun run,
    IDbContextFactory<AppDbContext> dbs,
    LogFileConnector files,
    LokiConnector loki,
    IIncidentMemoryRecall memory,
    IOptions<InvestigationOptions> options,
    TimeProvider clock)
{
    private const int MaxLines = 30;

    /// <summary>Calls made, in order, for the timeline ("search_logs(timeout)").</summary>
    public List<string> Calls { get; } = [];

    [KernelFunction("list_evidence"), Description("Lists the evidence stored on this incident: id (obs-N), kind and summary.")]
    public async Task<string> ListEvidenceAsync(CancellationToken ct)
    {
        Calls.Add("list_evidence()");
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Observations.AsNoTracking().Where(o => o.IncidentId == run.IncidentId).OrderByDescending(o => o.Id).Take(80).ToListAsync(ct);
        return string.Join('\n', rows.Select(o => PromptData.Item(o.EvidenceId, $"{o.Kind}: {o.Summary}")));
    }

    [KernelFunction("log_templates"), Description("Lists the log templates found in the incident window with counts before and during the incident.")]
    public async Task<string> LogTemplatesAsync([Description("only templates not seen before the incident")] bool newOnly, CancellationToken ct)
    {
        Calls.Add($"log_templates(newOnly={newOnly})");
        var items = run.Templates.Where(t => !newOnly || t.Fact.IsNew).Take(40)
            .Select(t => PromptData.Item(t.EvidenceId, $"{(t.Fact.IsNew ? "NEW " : "")}{t.Fact.Template} ({t.Fact.BaselineCount} before, {t.Fact.IncidentCount} during)"));
        return await Task.FromResult(string.Join('\n', items) is { Length: > 0 } s ? s : "no log templates");
    }

    [KernelFunction("search_logs"), Description("Searches the service's logs in the incident window for lines containing the text (case-insensitive). Found lines are stored as evidence.")]
    public async Task<string> SearchLogsAsync([Description("plain text to look for, e.g. an exception name")] string text, CancellationToken ct)
    {
        text = (text ?? "").Trim();
        Calls.Add($"search_logs({(text.Length > 60 ? text[..60] : text)})");
        if (text.Length is 0 or > 200 || run.Service is null)
        {
            return run.Service is null ? "the service is not in the catalog: no logs to search" : "give 1 to 200 characters of text";
        }

        var o = options.Value;
        var from = run.Anchor.AddMinutes(-o.WindowBeforeMinutes);
        var to = run.Anchor.AddMinutes(o.WindowAfterMinutes);
        var lines = new List<LogLine>();
        foreach (var source in run.Service.Logs)
        {
            var read = source.Kind == "loki" && source.Url is { } url && source.Query is { } query
                ? await Connector.BoundedAsync($"loki:{url}", o.ConnectorTimeout, c => loki.QueryRangeAsync(new Uri(url), query, from, to, o.LogLineCap, c), ct)
                : source.Path is { } path
                    ? await Connector.BoundedAsync($"logs:file:{path}", o.ConnectorTimeout, c => files.ReadAsync(path, from, to, o.LogLineCap, c), ct)
                    : null;
            if (read is { Ok: true })
            {
                lines.AddRange(read.Value!.Lines.Where(l => l.Text.Contains(text, StringComparison.OrdinalIgnoreCase)));
            }
        }

        if (lines.Count == 0)
        {
            return $"no line contains '{text}'";
        }

        var shown = lines.Take(MaxLines).ToList();
        var shifts = shown.GroupBy(l => l.Text).Select(g => new TemplateShift(g.First().Source, g.Key, 0, g.Count(), g.First().At, [g.Key], false, 0, false)).ToList();
        var flagged = InjectionDetector.Scan(shown);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var found = Observation.Create(run.IncidentId, clock.GetUtcNow(), ObservationKind.LogTemplates, "ai:search_logs",
            $"AI search_logs '{text}': {lines.Count} line(s)", shifts, run.Attempt);
        db.Observations.Add(found);
        var suspicious = flagged.Select(s => Observation.Create(run.IncidentId, clock.GetUtcNow(), ObservationKind.SuspiciousLog, s.Source, "Log line reads like an instruction", s, run.Attempt)).ToList();
        db.Observations.AddRange(suspicious);
        await db.SaveChangesAsync(ct);

        var answer = new StringBuilder($"stored as {found.EvidenceId}; {lines.Count} line(s), first {shown.Count}:\n");
        foreach (var line in shown)
        {
            answer.AppendLine(PromptData.Item($"{found.EvidenceId}:{line.LineNumber}", line.Text));
        }

        return answer.ToString();
    }

    [KernelFunction("recent_deploys"), Description("Lists deploys of the service in the hours before the incident.")]
    public async Task<string> RecentDeploysAsync([Description("hours before the first alert, 1 to 72")] int hours, CancellationToken ct)
    {
        hours = Math.Clamp(hours, 1, 72);
        Calls.Add($"recent_deploys({hours})");
        var name = run.Service?.Name;
        if (name is null)
        {
            return "the service is not in the catalog";
        }

        await using var db = await dbs.CreateDbContextAsync(ct);
        var from = run.Anchor.AddHours(-hours);
        var deploys = await db.Deploys.AsNoTracking().Where(d => d.Service == name && d.At >= from && d.At <= run.Anchor.AddMinutes(15)).OrderBy(d => d.At).Take(50).ToListAsync(ct);
        var stored = run.Deploys.ToDictionary(d => (d.Fact.Version, d.Fact.At), d => d.EvidenceId);
        return deploys.Count == 0 ? "no deploys" : string.Join('\n', deploys.Select(d =>
            PromptData.Item(stored.GetValueOrDefault((d.Version, d.At)) ?? "deploy", $"{d.At:u} {d.Service} {d.Version} {d.Commit} {d.Status}")));
    }

    [KernelFunction("query_metrics"), Description("Summarises the metric series stored for this incident whose name contains the text (first, peak, last value).")]
    public Task<string> QueryMetricsAsync([Description("part of a series name, or empty for all")] string name)
    {
        Calls.Add($"query_metrics({name})");
        var series = run.Series.Where(s => string.IsNullOrEmpty(name) || s.Fact.Name.Contains(name, StringComparison.OrdinalIgnoreCase)).Take(20).ToList();
        return Task.FromResult(series.Count == 0 ? "no such series" : string.Join('\n', series.Select(s =>
            PromptData.Item(s.EvidenceId, $"{s.Fact.Name} ({s.Fact.Role}): first {First(s.Fact)}, peak {s.Fact.Points.Select(p => p.Value).DefaultIfEmpty(0).Max():0.###}, last {Last(s.Fact)}"))
            .Concat(run.Onsets.Select(o => PromptData.Item(o.EvidenceId, $"onset {o.Fact.SeriesName} at {o.Fact.At:u}: {o.Fact.Before:0.###} -> {o.Fact.After:0.###}")))));
    }

    [KernelFunction("recall_similar_incidents"), Description("Recalls resolved past incidents similar to this one, with their causes and fixes.")]
    public async Task<string> RecallSimilarAsync(CancellationToken ct)
    {
        Calls.Add("recall_similar_incidents()");
        if (run.Memory.Count > 0)
        {
            return string.Join('\n', run.Memory.Select(m => PromptData.Item(m.EvidenceId, $"{m.Fact.Reference} (similarity {m.Fact.Similarity:0.00}): {m.Fact.RootCause} fixed by {m.Fact.Fix}")));
        }

        await using var db = await dbs.CreateDbContextAsync(ct);
        var title = await db.Incidents.Where(i => i.Id == run.IncidentId).Select(i => i.Title).SingleAsync(ct);
        var past = await Connector.BoundedAsync("memory", options.Value.ConnectorTimeout, c => memory.RecallAsync(
            new MemoryQuery(run.IncidentId, run.Service?.Name, title, new Dictionary<string, string>(), [], [], []), c), ct);
        return past is { Ok: true, Value.Count: > 0 }
            ? string.Join('\n', past.Value!.Select(p => PromptData.Item(p.Reference, $"similarity {p.Similarity:0.00}: {p.RootCause} fixed by {p.Fix}")))
            : "nothing similar remembered";
    }

    private static string First(MetricSeries s) => s.Points.Count == 0 ? "-" : s.Points[0].Value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private static string Last(MetricSeries s) => s.Points.Count == 0 ? "-" : s.Points[^1].Value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
