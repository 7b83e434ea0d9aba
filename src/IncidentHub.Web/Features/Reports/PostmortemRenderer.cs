using IncidentHub.Analysis.Ingestion;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace IncidentHub.Web.Features.Reports;

/// <summary>Renders a report to a full HTML document (Razor component through HtmlRenderer) and to Markdown.</summary>
public sealed class PostmortemRenderer(IServiceProvider services, ILoggerFactory loggerFactory)
{
    public async Task<string> RenderHtmlAsync(PostmortemReport report)
    {
        await using var renderer = new HtmlRenderer(services, loggerFactory);
        var body = await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var parameters = ParameterView.FromDictionary(new Dictionary<string, object?> { [nameof(PostmortemDocument.Report)] = report });
            var output = await renderer.RenderComponentAsync<PostmortemDocument>(parameters);
            return output.ToHtmlString();
        });
        return $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{WebUtility.HtmlEncode($"Post-mortem {report.Reference}")}</title>
            <style>@page {"{"} size: A4; margin: 14mm 12mm; {"}"} body {"{"} margin: 0; {"}"}</style></head>
            <body>{body}</body></html>
            """;
    }

    /// <summary>When an action ran: "12:03:10 to 12:03:11 UTC", "did not run".</summary>
    public static string Ran(ActionRow a) => (a.StartedAt, a.FinishedAt) switch
    {
        ({ } s, { } f) => $"{s.UtcDateTime:HH:mm:ss} to {f.UtcDateTime:HH:mm:ss} UTC",
        ({ } s, null) => $"from {s.UtcDateTime:HH:mm:ss} UTC",
        (null, { } f) when a.Result is not null => $"refused at {f.UtcDateTime:HH:mm:ss} UTC",
        _ => "did not run",
    };

    public static string RenderMarkdown(PostmortemReport r)
    {
        var md = new StringBuilder();
        void Line(string s = "") => md.Append(s).Append('\n');
        string T(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

        Line($"# Post-mortem {r.Reference}: {r.Title}");
        Line();
        Line($"**{r.Severity}** · {r.State} · service **{r.Service ?? "unknown"}**{(r.ServiceOwner is null ? "" : $" · owner {r.ServiceOwner}")}");
        Line();
        Line("## Summary");
        Line();
        Line(r.Summary);
        Line();
        if (r.Narrative is { } narrative)
        {
            Line("## Narrative (model-written)");
            Line();
            Line($"_Written by a model ({narrative.Model}) from the stored facts only; every sentence cites evidence or timeline ids that code checked exist on this incident{(narrative.Dropped > 0 ? $"; {narrative.Dropped} sentence(s) dropped" : "")}._");
            foreach (var section in narrative.Sections.Where(s => s.Sentences.Count > 0))
            {
                Line();
                Line($"### {section.Name}");
                Line();
                Line(string.Join(" ", section.Sentences.Select(s => $"{s.Text} [{string.Join(", ", s.Cites)}]")));
            }

            Line();
        }

        Line("## Impact");
        Line();
        Line($"- Duration: {Durations.Format(r.Impact.Duration ?? TimeSpan.Zero)}{(r.Impact.Ongoing ? " (ongoing)" : "")}");
        Line($"- Severity: {r.Impact.Severity}");
        Line($"- Services: {(r.Impact.Services.Count == 0 ? "unknown" : string.Join(", ", r.Impact.Services))}");
        Line($"- Alerts: {r.Impact.AlertCount} ({r.Impact.NotificationCount} notifications{(r.Impact.FlappingAlerts > 0 ? $", {r.Impact.FlappingAlerts} flapping" : "")})");
        Line($"- Customers affected: {(r.Impact.CustomersAffected.Count == 0 ? "not known from the alerts" : string.Join(", ", r.Impact.CustomersAffected))}");
        Line();
        Line("## Phases");
        Line();
        Line("| Phase | At (UTC) | After trigger | Driven by |");
        Line("|---|---|---|---|");
        foreach (var p in r.Phases)
        {
            Line($"| {p.Phase} | {T(p.At)} | {Durations.Format(p.SinceTrigger)} | {p.Who} |");
        }

        Line();
        Line("## Root cause");
        Line();
        Line(r.RootCause.Summary);
        if (r.RootCause.Diagnosed)
        {
            Line();
            Line($"- Category: {r.RootCause.Category}");
            Line($"- Confidence: {r.RootCause.Confidence?.ToString("0.00", CultureInfo.InvariantCulture)}");
            if (r.RootCause.Suspect is not null)
            {
                Line($"- Suspect change: {r.RootCause.Suspect}");
            }
        }

        foreach (var e in r.RootCause.Evidence)
        {
            Line($"- `{e.Id}` {e.Kind} ({e.Source}): {e.Summary}");
        }

        Line();
        Line("## What was done");
        Line();
        if (r.Actions.Count == 0)
        {
            Line("No remediation actions were recorded.");
        }

        foreach (var a in r.Actions)
        {
            Line($"- {T(a.At)} **{a.Title}** ({a.Tier}, `{a.Tool}`)");
            Line($"  - decision: {a.Decision}{(a.DecidedAt is { } d ? $" at {T(d)}" : "")}");
            Line($"  - ran: {Ran(a)}");
            Line($"  - result: {a.Result?.ReplaceLineEndings(" ") ?? "none"}");
            Line($"  - verification: {a.Verification.ReplaceLineEndings(" ")}");
        }

        foreach (var pr in r.PullRequests)
        {
            Line(WebLinks.HttpOrNull(pr.Url) is { } url ? $"- [{pr.Title}]({url}) {pr.State}" : $"- {pr.Title} {pr.State}");
        }

        Line();
        Line("## What went well");
        Line();
        foreach (var w in r.WentWell)
        {
            Line($"- {w}");
        }

        Line();
        Line("## What did not go well");
        Line();
        foreach (var b in r.WentBadly)
        {
            Line($"- {b}");
        }

        Line();
        Line("## Action items");
        Line();
        for (var i = 0; i < r.ActionItems.Count; i++)
        {
            Line($"{i + 1}. {r.ActionItems[i]}");
        }

        Line();
        Line("## Timeline");
        Line();
        foreach (var t in r.Timeline)
        {
            Line($"- {T(t.At)} **{t.Actor}**: {t.Text.ReplaceLineEndings(" ")}");
        }

        Line();
        Line($"_Revision {r.Revision}, generated {T(r.GeneratedAt)} UTC by IncidentHub._");
        return md.ToString();
    }
}
