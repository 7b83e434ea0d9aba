using System.Text.RegularExpressions;
using Npgsql;

namespace IncidentHub.Benchmarks;

/// <summary>
/// Where a new incident's time to the walls goes (storm.sh with TIMING=1): the web processes log, at Debug, when they
/// had the incident's event in hand (published after the intake's commit; notified by PostgreSQL; dispatched to the
/// wall feed), when the feed's read first showed it, and when each wall's render of that read was handed to its circuit
/// and acknowledged by the browser. Each step is reported as milliseconds after the probe's POST.
/// </summary>
public static partial class WallTiming
{
    [GeneratedRegex(@"WALLTIME (\w+) (.*)$")]
    private static partial Regex Line();

    public static async Task ReportAsync(string label, string pg, string[] logFiles, List<(string Probe, long Posted)> posts, List<double> browser)
    {
        await using var data = NpgsqlDataSource.Create(pg);
        var published = new List<double>();
        var notified = new List<double>();
        var dispatched = new List<double>();
        var read = new List<double>();
        var readQueued = new List<double>();
        var entered = new List<double>();
        var rendered = new List<double>();
        var acked = new List<double>();
        var processes = logFiles.Select(f => File.ReadAllLines(f).Select(l => Line().Match(l)).Where(m => m.Success)
            .Select(m => (Step: m.Groups[1].Value, Fields: m.Groups[2].Value.Split(' '))).ToList()).ToList();
        foreach (var (probe, posted) in posts)
        {
            // The probe's own incident: "WallProbe-x-1" is also the start of "WallProbe-x-12" (a LIKE matched a probe 60 s later).
            await using var command = data.CreateCommand("""SELECT "Id", "Number" FROM incidents WHERE "Title" ~ ($1 || '([^0-9]|$)') LIMIT 1""");
            command.Parameters.AddWithValue(probe);
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                continue;
            }

            var id = reader.GetGuid(0).ToString();
            var number = reader.GetInt32(1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var lines in processes)
            {
                double? At(string step) => lines.Where(l => l.Step == step && l.Fields.Length > 1 && l.Fields[1].Split(',').Contains(id))
                    .Select(l => (double?)(long.Parse(l.Fields[0]) - posted)).FirstOrDefault();
                if (At("published") is { } p)
                {
                    published.Add(p);
                }
                else if (At("notified") is { } n)
                {
                    // The other process: its first word of the incident (the intake's process hears only later events).
                    notified.Add(n);
                }

                if (At("dispatched") is { } d)
                {
                    dispatched.Add(d);
                }
                var snapshot = lines.FirstOrDefault(l => l.Step == "snapshot" && l.Fields.Length > 3 && l.Fields[3].Split(',').Contains(number));
                if (snapshot.Fields is null)
                {
                    continue;
                }

                var version = long.Parse(snapshot.Fields[0]);
                readQueued.Add(long.Parse(snapshot.Fields[1]) - posted);
                read.Add(long.Parse(snapshot.Fields[2]) - posted);
                // Each wall's first render (and acknowledgement) of this snapshot or a later one.
                foreach (var step in new[] { "rendered", "acked" })
                {
                    foreach (var wall in lines.Where(l => l.Step == step && long.Parse(l.Fields[1]) >= version).GroupBy(l => l.Fields[0]))
                    {
                        var first = wall.First();
                        (step == "rendered" ? rendered : acked).Add(long.Parse(first.Fields[3]) - posted);
                        if (step == "rendered")
                        {
                            entered.Add(long.Parse(first.Fields[2]) - posted);
                        }
                    }
                }
            }
        }

        static string S(List<double> v) => v.Count == 0 ? "n/a" : $"p50 {P(v, 50):0} p99 {P(v, 99):0} max {v.Max():0} (n={v.Count})";
        Console.WriteLine($"[{label}] timing after the probe's POST, ms: (a) published after the intake's commit {S(published)}");
        Console.WriteLine($"[{label}]   (b) NOTIFY received by the other web process {S(notified)}; dispatched to the feed, each process {S(dispatched)}");
        Console.WriteLine($"[{label}]   (c) feed read started {S(readQueued)}; done {S(read)}");
        Console.WriteLine($"[{label}]   (d) wall callback on its circuit {S(entered)}; render batch handed to SignalR {S(rendered)}; acknowledged by the browser {S(acked)}");
        Console.WriteLine($"[{label}]   (e) row seen by the page's MutationObserver {S(browser)}");
    }

    /// <summary>A click from a wall row: the incident page's start on the server, its read done, the browser's acknowledgement.</summary>
    public static void ReportClicks(string label, string[] logFiles, List<(string Wall, int Number, long At)> clicked, List<double> dispatched, List<double> browser)
    {
        var lines = logFiles.SelectMany(f => File.ReadAllLines(f)).Select(l => Line().Match(l)).Where(m => m.Success)
            .Select(m => (Step: m.Groups[1].Value, Fields: m.Groups[2].Value.Split(' '))).ToList();
        var left = new List<double>();
        var entered = new List<double>();
        var loaded = new List<double>();
        var acked = new List<double>();
        foreach (var (wall, number, at) in clicked)
        {
            var n = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // The wall's circuit handles the navigation: the wall is disposed, then the incident page starts.
            var leaving = lines.FirstOrDefault(l => l.Step == "leaving" && l.Fields[0] == wall);
            if (leaving.Fields is not null)
            {
                left.Add(long.Parse(leaving.Fields[3]) - at);
            }

            // The first start of that incident's page after the click, in either process (the same rows are clicked on
            // several walls, so a later click's line in the other process's log must not be taken).
            var page = lines.Where(l => l.Step == "page" && l.Fields[0] == n && long.Parse(l.Fields[1]) >= at).OrderBy(l => long.Parse(l.Fields[1])).FirstOrDefault();
            if (page.Fields is null)
            {
                continue;
            }

            entered.Add(long.Parse(page.Fields[1]) - at);
            loaded.Add(long.Parse(page.Fields[2]) - at);
            var ack = lines.Where(l => l.Step == "pageacked" && l.Fields[0] == n && long.Parse(l.Fields[1]) >= long.Parse(page.Fields[2])).OrderBy(l => long.Parse(l.Fields[1])).FirstOrDefault();
            if (ack.Fields is not null)
            {
                acked.Add(long.Parse(ack.Fields[1]) - at);
            }
        }

        static string S(List<double> v) => v.Count == 0 ? "n/a" : $"p50 {P(v, 50):0} p99 {P(v, 99):0} max {v.Max():0} (n={v.Count})";
        Console.WriteLine($"[{label}] click timing, ms after the click: Playwright's click done (actionable, input dispatched) {S(dispatched)}; the server has the navigation (wall disposed) {S(left)}; page started {S(entered)}; its read done {S(loaded)}; "
            + $"render acknowledged by the browser {S(acked)}; title seen by Playwright {S(browser)}");
    }

    private static double P(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
