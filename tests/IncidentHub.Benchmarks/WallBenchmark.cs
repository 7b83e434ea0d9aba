using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Playwright;

namespace IncidentHub.Benchmarks;

/// <summary>
/// The wall with the whole team watching (scripts/bench/storm.sh): the wall's read through the API, then WALLS
/// headless Chromium pages split over two web processes, each timing (in the page) when a new incident's row
/// appears after the alert that opens it was posted to the first web process; then how long a click on a wall row
/// takes to show the incident page. Run once on a quiet hub and once during a storm.
/// </summary>
public static class WallBenchmark
{
    private const string Observer = """
        () => {
          window.__seen = {};
          window.__painted = {};
          window.__waiters = {};
          // Resolves when the probe's row is in the DOM (or null after ms): the bench waits on every page at once
          // instead of polling 50 pages (its polling was main-thread work in the pages it measures).
          window.__waitFor = (probe, ms) => new Promise(resolve => {
            const done = () => { if (probe in window.__painted) resolve([window.__seen[probe], window.__painted[probe]]); else setTimeout(done, 20); };
            if (probe in window.__seen) { done(); return; }
            window.__waiters[probe] = done;
            setTimeout(() => resolve(null), ms);
          });
          new MutationObserver(records => {
            const now = Date.now();
            for (const r of records) {
              const nodes = r.type === 'characterData' ? [r.target] : Array.from(r.addedNodes);
              for (const n of nodes) {
                const text = n.textContent || '';
                for (const m of text.matchAll(/WallProbe-[a-z0-9]+-\d+/g)) {
                  if (!(m[0] in window.__seen)) {
                    const probe = m[0];
                    window.__seen[probe] = now;
                    // The next frame after the row went in: the browser has styled, laid out and painted it.
                    requestAnimationFrame(() => {
                      window.__painted[probe] = Date.now();
                      window.__waiters[probe]?.();
                    });
                  }
                }
              }
            }
            // A click as the user feels it: from the click event (its input's time) to the incident's title in the DOM,
            // and to the next frame after it (painted).
            const c = window.__click;
            if (c && c.title == null && document.querySelector('[data-testid=incident-title]')) {
              c.title = performance.now();
              requestAnimationFrame(() => { c.frame = performance.now(); });
            }
          }).observe(document.body, { childList: true, characterData: true, subtree: true });
          document.addEventListener('click', e => { window.__click = { at: e.timeStamp, title: null, frame: null }; }, true);
        }
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var o = Parse(args);
        var label = o.GetValueOrDefault("label", "quiet");
        var walls = int.Parse(o.GetValueOrDefault("walls", "50"));
        var probes = int.Parse(o.GetValueOrDefault("incidents", "20"));
        var webs = o["web"].Split(',');
        var pids = o.GetValueOrDefault("pids", "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", o["token"]);

        // 1. The wall's read: IncidentService.ListAsync itself (what the feed runs once per change), then through the API
        //    (adds the bearer token's lookup and the JSON).
        var options = new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(o["pg"]).Options;
        var service = new IncidentService(new PooledDbContextFactory<AppDbContext>(options), null!, TimeProvider.System, null!);
        var direct = new List<double>();
        for (var i = 0; i < 60; i++)
        {
            var clock = Stopwatch.StartNew();
            await service.ListAsync();
            if (i >= 10)
            {
                direct.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        Console.WriteLine($"[{label}] the wall's read (IncidentService.ListAsync, {(await service.ListAsync()).Count} open incidents): p50 {P(direct, 50):0.0} ms, p99 {P(direct, 99):0.0} ms");
        var reads = new List<double>();
        for (var i = 0; i < 60; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync(new Uri(new Uri(webs[0]), "/api/incidents"));
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            if (i >= 10)
            {
                reads.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        Console.WriteLine($"[{label}] GET /api/incidents (bearer token): p50 {P(reads, 50):0.0} ms, p99 {P(reads, 99):0.0} ms ({reads.Count} reads)");

        // 2. WALLS open walls, half on each web process.
        var rssBefore = pids.Select(Rss).ToArray();
        using var playwright = await Playwright.CreateAsync();
        var marker = $"--ih-bench-browser={Guid.NewGuid():N}";
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = o.GetValueOrDefault("chromium", "/usr/bin/chromium"), Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-timer-throttling", "--disable-renderer-backgrounding", marker],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(60_000);
        var login = await context.NewPageAsync();
        await login.GotoAsync(webs[0] + "/account/login");
        await login.Locator("#email").FillAsync(o["email"]);
        await login.Locator("#password").FillAsync(o["password"]);
        await login.Locator("[data-testid=login-submit]").ClickAsync();
        await login.Locator("#circuit-state[data-ready=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await login.CloseAsync();

        var pages = new List<IPage>();
        for (var i = 0; i < walls; i++)
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(webs[i % webs.Length] + "/");
            await page.Locator("#circuit-state[data-ready=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await page.EvaluateAsync(Observer);
            pages.Add(page);
        }

        var rssAfter = pids.Select(Rss).ToArray();
        if (pids.Length > 0)
        {
            var perCircuit = (rssAfter.Sum() - rssBefore.Sum()) / (double)walls;
            Console.WriteLine($"[{label}] memory: web RSS {string.Join(" + ", rssBefore.Select(r => $"{r / 1048576.0:0} MiB"))} before, "
                + $"{string.Join(" + ", rssAfter.Select(r => $"{r / 1048576.0:0} MiB"))} with {walls} walls open: {perCircuit / 1024:0} KiB per open wall (circuit)");
        }

        // Where the browsers' time goes: the pages' main-thread counters and SignalR frames, idle and per probe.
        var cost = await BrowserCost.AttachAsync(context, pages, marker);
        if (o.TryGetValue("dump-frames", out var dumpTo))
        {
            cost.Dump(pages[0], dumpTo);
        }

        // A minute: the walls' idle work (an age tick, SignalR pings) is per minute, not per second.
        var idleFrom = await cost.MarkAsync();
        await Task.Delay(TimeSpan.FromSeconds(int.Parse(o.GetValueOrDefault("idle-seconds", "60"), System.Globalization.CultureInfo.InvariantCulture)));
        var idleTo = await cost.MarkAsync();
        Console.WriteLine($"[{label}] browser, {walls} open walls and nothing happening, {BrowserCost.Describe(idleFrom, idleTo, (idleTo.At - idleFrom.At).TotalMinutes, "minute")}; "
            + $"DOM {idleTo.Nodes / Math.Max(1, idleTo.Pages):0} nodes per page");

        // A storm through every web process while the walls are timed (storm.sh's second run): started now that the
        // walls are open, so the probes below run inside it.
        Task<int>? storm = null;
        if (o.TryGetValue("storm-hooks", out var stormHooks))
        {
            storm = Task.Run(() => StormSender.RunAsync(["--hooks", stormHooks, "--alerts", o.GetValueOrDefault("storm-alerts", "50000"),
                "--seconds", o.GetValueOrDefault("storm-seconds", "60"), "--groups", "50", "--pg", o["pg"]]));
            await Task.Delay(TimeSpan.FromSeconds(3));
        }

        // 3. New incidents: posted to the first web process, timed on every wall.
        var probesFrom = await cost.MarkAsync();
        var visible = new List<double>();
        var painted = new List<double>();
        var posts = new List<(string Probe, long Posted)>();
        var missing = 0;
        var run = Guid.NewGuid().ToString("N")[..6];
        for (var n = 0; n < probes; n++)
        {
            var probe = $"WallProbe-{run}-{n}";
            var body = $$"""
                {"version":"4","groupKey":"probe-{{probe}}","status":"firing","receiver":"incidenthub","externalURL":"http://alertmanager:9093",
                 "alerts":[{"status":"firing","labels":{"alertname":"{{probe}}","service":"probe","severity":"warning"},"annotations":{"summary":"wall probe"},
                 "startsAt":"{{DateTime.UtcNow:O}}","endsAt":"0001-01-01T00:00:00Z","fingerprint":"{{probe}}"}]}
                """;
            cost.Note($"probe {probe} posted");
            var posted = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            using (var response = await http.PostAsync(o["hook"], new StringContent(body, Encoding.UTF8, "application/json")))
            {
                response.EnsureSuccessStatusCode();
            }

            var seen = (await Task.WhenAll(pages.Select(page => page.EvaluateAsync<long[]?>("a => window.__waitFor(a.probe, a.ms)", new { probe, ms = 20_000 }))))
                .Where(at => at is not null).Select(at => at!).ToList();
            posts.Add((probe, posted));
            missing += pages.Count - seen.Count;
            visible.AddRange(seen.Select(at => (double)(at[0] - posted)));
            painted.AddRange(seen.Select(at => (double)(at[1] - posted)));
            await Task.Delay(500);
        }

        var probesTo = await cost.MarkAsync();
        Console.WriteLine($"[{label}] browser, during the probes{(storm is null ? "" : " (and the storm)")}, {BrowserCost.Describe(probesFrom, probesTo, probes, "probe")}");
        Console.WriteLine($"[{label}] new incident visible on {walls} open walls: p50 {P(visible, 50):0} ms, p99 {P(visible, 99):0} ms, max {visible.DefaultIfEmpty().Max():0} ms "
            + $"({visible.Count} wall-incident pairs{(missing > 0 ? $", {missing} not seen within 20 s" : "")}); the frame after it: p50 {P(painted, 50):0} ms, p99 {P(painted, 99):0} ms");

        if (o.TryGetValue("logs", out var logs))
        {
            await WallTiming.ReportAsync(label, o["pg"], logs.Split(','), posts, visible);
        }

        // 4. Interaction: a click on a wall row until the incident page shows, on a few walls.
        var clicks = new List<double>();
        var clicked = new List<(string Wall, int Number, long At)>();
        var dispatched = new List<double>();
        var inPage = new List<double>();
        var inPageFrame = new List<double>();
        var pageNodes = new List<double>();
        var pageBytes = new List<double>();
        // Frames an idle page draws per second: Chromium draws a tab that is not in front at about 1 per second, and a
        // click's "next frame" waits for one. Half the clicked walls are brought to front first, as a user's own tab is.
        var rafs = await Task.WhenAll(pages.Take(3).Select(page => page.EvaluateAsync<int>(
            "() => new Promise(done => { let n = 0; const t0 = performance.now(); const f = () => { n++; if (performance.now() - t0 < 1000) requestAnimationFrame(f); else done(n); }; requestAnimationFrame(f); })")));
        Console.WriteLine($"[{label}] animation frames in one second, idle walls not in front: {string.Join(", ", rafs)}");
        var clickedWalls = pages.Take(Math.Min(10, pages.Count)).ToList();
        var inFront = new List<double>();
        var notInFront = new List<double>();
        foreach (var page in clickedWalls)
        {
            var front = clickedWalls.IndexOf(page) >= clickedWalls.Count / 2;
            if (front)
            {
                await page.BringToFrontAsync();
            }

            for (var k = 0; k < 3; k++)
            {
                var row = page.Locator("[data-testid=incident-row] td.ih-ref a").Nth(k);
                var number = int.Parse((await row.GetAttributeAsync("href"))!.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
                var wall = await page.Locator("[data-wall]").GetAttributeAsync("data-wall") ?? "";
                clicked.Add((wall, number, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                var receivedBefore = cost.Received(page).Bytes;
                cost.Note($"click on INC-{number}");
                var clock = Stopwatch.StartNew();
                await row.ClickAsync();
                dispatched.Add(clock.Elapsed.TotalMilliseconds);
                await page.Locator("[data-testid=incident-title]").WaitForAsync();
                clicks.Add(clock.Elapsed.TotalMilliseconds);
                // The page's own measure: from the click event to the title in the DOM, and to the frame after it.
                await page.WaitForFunctionAsync("() => window.__click && window.__click.frame != null");
                var felt = await page.EvaluateAsync<double[]>("() => [window.__click.title - window.__click.at, window.__click.frame - window.__click.at]");
                inPage.Add(felt[0]);
                (front ? inFront : notInFront).Add(felt[0]);

                inPageFrame.Add(felt[1]);
                // What the incident page is: its DOM, and the SignalR bytes from the click to its title (its first batches).
                pageBytes.Add(cost.Received(page).Bytes - receivedBefore);
                pageNodes.Add(await page.EvaluateAsync<double>("() => document.getElementsByTagName('*').length"));
                await page.GoBackAsync();
                await page.Locator("[data-testid=incident-wall]").WaitForAsync();
            }
        }

        Console.WriteLine($"[{label}] interaction (wall row -> incident page), in the page (click event -> title in the DOM): p50 {P(inPage, 50):0} ms, p99 {P(inPage, 99):0} ms; "
            + $"-> the next frame: p50 {P(inPageFrame, 50):0} ms, p99 {P(inPageFrame, 99):0} ms; by Playwright (its click's actionability checks and input dispatch, then the title): "
            + $"p50 {P(clicks, 50):0} ms, p99 {P(clicks, 99):0} ms ({clicks.Count} clicks)");
        Console.WriteLine($"[{label}]   the clicks on walls not brought to front, in the page: p50 {P(notInFront, 50):0} ms, max {notInFront.DefaultIfEmpty().Max():0} ms; "
            + $"on walls brought to front first (a user's own tab): p50 {P(inFront, 50):0} ms, max {inFront.DefaultIfEmpty().Max():0} ms");
        Console.WriteLine($"[{label}]   the incident pages: DOM p50 {P(pageNodes, 50):0} elements, max {pageNodes.DefaultIfEmpty().Max():0}; SignalR from the click to the title p50 {P(pageBytes, 50) / 1024:0.0} KB, max {pageBytes.DefaultIfEmpty().Max() / 1024:0.0} KB");
        Console.WriteLine($"[{label}]   each click in the page, ms (wall by wall, 3 each): {string.Join(" ", inPage.Select(v => v.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}");
        if (o.TryGetValue("logs", out var pageLogs))
        {
            WallTiming.ReportClicks(label, pageLogs.Split(','), clicked, dispatched, clicks);
        }
        var stormResult = storm is null ? 0 : await storm;
        return missing == 0 && stormResult == 0 ? 0 : 1;
    }

    private static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    private static double P(List<double> values, int percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static Dictionary<string, string> Parse(string[] args)
    {
        var o = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            o[args[i].TrimStart('-')] = args[i + 1];
        }

        return o;
    }
}
