using System.Diagnostics;
using System.Globalization;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Analytics;
using IncidentHub.Web.Features.History;
using IncidentHub.Web.Features.Reports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace IncidentHub.Benchmarks;

/// <summary>
/// reports --pg CONN [--repeats 20] [--renders 20] [--chromium /usr/bin/chromium]
/// Every analytics query (and the history page and search) over the whole database (scripts/bench/reports.sh
/// fills it with 100,000 generated incidents), then a typical post-mortem rendered to HTML and printed to
/// PDF with a warm browser. Prints p50/p95/max per item.
/// </summary>
public static class ReportsBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Get(string name, string fallback) => Array.IndexOf(args, "--" + name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        var pg = Get("pg", "");
        var repeats = int.Parse(Get("repeats", "20"), CultureInfo.InvariantCulture);
        var renders = int.Parse(Get("renders", "20"), CultureInfo.InvariantCulture);
        var chromium = Get("chromium", "/usr/bin/chromium");
        if (pg.Length == 0)
        {
            Console.Error.WriteLine("--pg is required");
            return 2;
        }

        await using var dataSource = NpgsqlDataSource.Create(pg);
        await using (var count = dataSource.CreateCommand("SELECT count(*), min(\"TriggeredAt\"), max(\"TriggeredAt\") FROM incidents"))
        await using (var r = await count.ExecuteReaderAsync())
        {
            await r.ReadAsync();
            Console.WriteLine($"incidents: {r.GetInt64(0)} from {r.GetFieldValue<DateTimeOffset>(1):u} to {r.GetFieldValue<DateTimeOffset>(2):u}");
        }

        await using (var weeks = dataSource.CreateCommand("SELECT (SELECT count(*) FROM analytics_rolled_weeks), (SELECT count(DISTINCT week) FROM analytics_stale_weeks)"))
        await using (var r = await weeks.ExecuteReaderAsync())
        {
            await r.ReadAsync();
            Console.WriteLine($"closed weeks rolled up: {r.GetInt64(0)}, marked stale: {r.GetInt64(1)} (the rest of a range is read from the raw rows)");
        }

        var queries = new AnalyticsQueries(dataSource);
        var history = new HistoryQueries(dataSource);
        // The seeded history is demo data: the figures are measured with it included, as a user who asked for it sees them.
        var all = new AnalyticsRange(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1), IncludeDemo: true);
        var quarter = new AnalyticsRange(DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow, IncludeDemo: true);
        var ct = CancellationToken.None;
        var analytics = new (string Name, Func<AnalyticsRange, Task> Run)[]
        {
            ("weekly MTTA/MTTR", r => queries.WeeklyTrendAsync(r, ct)),
            ("MTTR by severity", r => queries.MttrBySeverityAsync(r, ct)),
            ("MTTR by service", r => queries.MttrByServiceAsync(r, ct)),
            ("incidents per service", r => queries.IncidentsPerServiceAsync(r, ct)),
            ("severity distribution", r => queries.SeverityDistributionAsync(r, ct)),
            ("phase breakdown", r => queries.PhaseBreakdownAsync(r, ct)),
            ("plan acceptance", r => queries.PlanAcceptanceAsync(r, ct)),
            ("recurring groups", r => queries.RecurringAsync(r, ct)),
            ("alert noise", r => queries.AlertNoiseAsync(r, ct)),
        };
        var items = analytics.Select(a => ($"analytics {a.Name} (all)", (Func<Task>)(() => a.Run(all))))
            .Concat(analytics.Select(a => ($"analytics {a.Name} (90 days)", (Func<Task>)(() => a.Run(quarter)))))
            .Concat(new (string Name, Func<Task> Run)[]
        {
            ("history first page, newest first", () => history.PageAsync(new HistoryFilter(), HistorySort.Triggered, true, 0, 25, ct)),
            ("history page 100, by time to resolve", () => history.PageAsync(new HistoryFilter(), HistorySort.TimeToResolve, true, 2475, 25, ct)),
            ("history search \"replication lag\"", () => history.PageAsync(new HistoryFilter("replication lag"), HistorySort.Triggered, true, 0, 25, ct)),
            ("history P0+P1 checkout, 90 days", () => history.PageAsync(new HistoryFilter(null, [Severity.P0, Severity.P1], "checkout", null, quarter.From, quarter.To), HistorySort.Triggered, true, 0, 25, ct)),
        }).ToList();
        Console.WriteLine($"{"item",-44} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"max ms",8}");
        foreach (var (name, run) in items)
        {
            await run(); // warm the plan cache and the buffers
            Print(name, await TimeAsync(run, repeats));
        }

        var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var renderer = new PostmortemRenderer(services, services.GetRequiredService<ILoggerFactory>());
        await using var printer = new PdfPrinter(Microsoft.Extensions.Options.Options.Create(new ReportsOptions { ChromiumPath = chromium }), NullLogger<PdfPrinter>.Instance);
        var report = TypicalReport();
        var cold = Stopwatch.StartNew();
        var pdf = await printer.PrintAsync(await renderer.RenderHtmlAsync(report), ct);
        Console.WriteLine($"post-mortem PDF, cold (browser launch): {cold.ElapsedMilliseconds} ms, {pdf.Length / 1024} KiB");
        Print("post-mortem HTML + PDF, warm browser", await TimeAsync(async () => await printer.PrintAsync(await renderer.RenderHtmlAsync(report), ct), renders));
        Print("post-mortem HTML only", await TimeAsync(() => renderer.RenderHtmlAsync(report), renders));
        await ProfilePdfAsync(await renderer.RenderHtmlAsync(report), chromium, renders);
        return 0;
    }

    /// <summary>Where a warm print goes: page creation, SetContent, PDF, close (same calls as PdfPrinter).</summary>
    private static async Task ProfilePdfAsync(string html, string chromium, int times)
    {
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = PdfPrinter.LaunchArgs });
        var steps = new Dictionary<string, List<double>> { ["new context+page"] = [], ["set content"] = [], ["pdf"] = [], ["close"] = [] };
        for (var i = 0; i < times + 1; i++)
        {
            var w = Stopwatch.StartNew();
            var page = await browser.NewPageAsync();
            var a = w.Elapsed.TotalMilliseconds;
            await page.SetContentAsync(html, new() { WaitUntil = Microsoft.Playwright.WaitUntilState.Load });
            var b = w.Elapsed.TotalMilliseconds;
            await page.PdfAsync(new() { Format = "A4", PrintBackground = true, PreferCSSPageSize = true });
            var c = w.Elapsed.TotalMilliseconds;
            await page.Context.CloseAsync();
            var d = w.Elapsed.TotalMilliseconds;
            if (i > 0)
            {
                steps["new context+page"].Add(a);
                steps["set content"].Add(b - a);
                steps["pdf"].Add(c - b);
                steps["close"].Add(d - c);
            }
        }

        var reused = await browser.NewPageAsync();
        steps["reused page: set content"] = [];
        steps["reused page: pdf"] = [];
        steps["reused page: pdf, untagged"] = [];
        for (var i = 0; i < times + 1; i++)
        {
            var w = Stopwatch.StartNew();
            await reused.SetContentAsync(html, new() { WaitUntil = Microsoft.Playwright.WaitUntilState.Load });
            var a = w.Elapsed.TotalMilliseconds;
            await reused.PdfAsync(new() { Format = "A4", PrintBackground = true, PreferCSSPageSize = true });
            var b = w.Elapsed.TotalMilliseconds;
            await reused.PdfAsync(new() { Format = "A4", PrintBackground = true, PreferCSSPageSize = true, Tagged = false, Outline = false });
            var c = w.Elapsed.TotalMilliseconds;
            if (i > 0)
            {
                steps["reused page: set content"].Add(a);
                steps["reused page: pdf"].Add(b - a);
                steps["reused page: pdf, untagged"].Add(c - b);
            }
        }

        foreach (var (step, samples) in steps)
        {
            samples.Sort();
            Print("  profile: " + step, samples);
        }
    }

    private static async Task<List<double>> TimeAsync(Func<Task> run, int times)
    {
        var samples = new List<double>(times);
        for (var i = 0; i < times; i++)
        {
            var watch = Stopwatch.StartNew();
            await run();
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        return samples;
    }

    private static void Print(string name, List<double> sorted)
    {
        double P(double q) => sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(q * sorted.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-44} {P(0.5),8:0.0} {P(0.95),8:0.0} {P(0.99),8:0.0} {sorted[^1],8:0.0}"));
    }

    /// <summary>A post-mortem of the usual size: 40 timeline lines, a 2-hour metric at 30 s, 5 pieces of evidence.</summary>
    private static PostmortemReport TypicalReport()
    {
        var t0 = new DateTimeOffset(2026, 11, 20, 14, 0, 0, TimeSpan.Zero);
        var phases = new IncidentHub.Web.Features.Incidents.PhaseTimes(t0, t0.AddMinutes(3), t0.AddSeconds(4), t0.AddMinutes(9), t0.AddMinutes(14), t0.AddMinutes(20), t0.AddMinutes(48), null, null);
        var evidence = Enumerable.Range(1, 5).Select(i => new EvidenceRow($"obs-{i}", "LogTemplates", "logs:file:/var/log/checkout.log", $"Template {i}: NullReferenceException in CartHandler.Apply surged 40x")).ToList();
        var rootCause = new RootCauseSection(true, "bad-deploy-code", 0.86, "Deploy 2.4.1 introduced a null reference in the cart handler.", "commit a1b2c3d4e5, cart/handler.py:42", t0.AddMinutes(2), evidence, ["traffic-spike: traffic flat"]);
        var (well, badly) = PostmortemFindings.Derive(Severity.P1, phases, t0.AddSeconds(4), rootCause, 0, 0);
        var points = Enumerable.Range(0, 240).Select(i => new MetricPoint(t0.AddMinutes(-60).AddSeconds(30 * i), i is > 120 and < 216 ? 0.11 + (i % 7) * 0.002 : 0.002)).ToList();
        return new PostmortemReport("INC-4242", 4242, "Checkout 5xx error ratio above 5%", "checkout", "payments-oncall@example.com", Severity.P1, IncidentState.Resolved,
            "INC-4242 (P1) on checkout was resolved after 48 min, with 3 alert(s). Diagnosed cause: bad-deploy-code.",
            new PostmortemImpact(TimeSpan.FromMinutes(48), false, Severity.P1, ["checkout", "payments"], 3, 57, 0, ["acme-corp"]),
            PostmortemBuilder.Phases(phases, t0.AddSeconds(4)),
            Enumerable.Range(0, 40).Select(i => new TimelineRow(t0.AddSeconds(70 * i), i % 3 == 0 ? "triage-agent" : "alice@example.com", "Note", $"Timeline line {i}: what happened at this step, in a sentence of typical length.")).ToList(),
            rootCause, [], [], well, badly, ["Add a canary stage for checkout", "Alert on null reference surges", "Review the deploy checklist"],
            new MetricChart("checkout error ratio", "sum(rate(http_requests_total{code=~\"5..\"}[1m]))", MetricRole.ErrorRatio, points, t0, t0.AddMinutes(48)),
            1, DateTimeOffset.UtcNow);
    }
}
