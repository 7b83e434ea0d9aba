using System.Diagnostics;
using System.Net;
using System.Text;
using Npgsql;

namespace IncidentHub.Benchmarks;

/// <summary>
/// An alert storm at a fixed rate (scripts/bench/storm.sh): ALERTS Alertmanager alerts (one per request, each a new
/// identity) over SECONDS, round-robin over the web processes' webhook URLs, spread over GROUPS alert groups. Then
/// checks what a responder relies on: every accepted alert stored, one incident per group, and no 5xx other than the
/// intake's backpressure answer (503 with Retry-After, 429).
/// </summary>
public static class StormSender
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            o[args[i].TrimStart('-')] = args[i + 1];
        }

        var hooks = o["hooks"].Split(',');
        var total = int.Parse(o.GetValueOrDefault("alerts", "50000"));
        var seconds = double.Parse(o.GetValueOrDefault("seconds", "60"), System.Globalization.CultureInfo.InvariantCulture);
        var groups = int.Parse(o.GetValueOrDefault("groups", "50"));
        var run = o.GetValueOrDefault("run", Guid.NewGuid().ToString("N")[..6]);
        var statuses = new Dictionary<int, int>();
        var failures = 0;
        var latencies = new List<double>();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(30) };
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        using var limit = new SemaphoreSlim(256);
        for (var n = 0; n < total; n++)
        {
            // Fixed rate: alert n leaves at n / rate seconds (a sender that falls behind catches up, as Alertmanager does).
            var due = TimeSpan.FromSeconds(n * seconds / total);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            await limit.WaitAsync();
            var group = n % groups;
            var body = $$"""
                {"version":"4","groupKey":"storm-{{run}}-{{group}}","status":"firing","receiver":"incidenthub","externalURL":"http://alertmanager:9093",
                 "alerts":[{"status":"firing","labels":{"alertname":"Storm{{run}}G{{group}}","service":"storm-{{group}}","severity":"warning","instance":"i-{{n}}"},
                 "annotations":{"summary":"storm"},"startsAt":"2026-12-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"storm-{{run}}-{{n}}"}]}
                """;
            var hook = hooks[n % hooks.Length];
            inFlight.Add(Task.Run(async () =>
            {
                var sent = Stopwatch.StartNew();
                try
                {
                    using var response = await http.PostAsync(hook, new StringContent(body, Encoding.UTF8, "application/json"));
                    lock (statuses)
                    {
                        statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                        latencies.Add(sent.Elapsed.TotalMilliseconds);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }
                finally
                {
                    limit.Release();
                }
            }));
        }

        await Task.WhenAll(inFlight);
        var elapsed = clock.Elapsed.TotalSeconds;
        var accepted = statuses.Where(s => s.Key is >= 200 and < 300).Sum(s => s.Value);
        var backpressure = statuses.GetValueOrDefault(503) + statuses.GetValueOrDefault(429);
        var otherErrors = statuses.Where(s => s.Key >= 500 && s.Key != 503).Sum(s => s.Value);
        latencies.Sort();
        Console.WriteLine($"storm: {total} alerts in {elapsed:0.0} s over {hooks.Length} web process(es): {accepted} accepted, {backpressure} backpressure (429/503), "
            + $"{otherErrors} other 5xx, {failures} failed connections; webhook p50 {latencies[latencies.Count / 2]:0.0} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:0.0} ms");

        if (!o.TryGetValue("pg", out var pg))
        {
            return otherErrors == 0 && failures == 0 ? 0 : 1;
        }

        // Every accepted alert stored and grouped: wait for the intake to drain, then count.
        await using var db = new NpgsqlConnection(pg);
        await db.OpenAsync();
        var drained = Stopwatch.StartNew();
        long stored = 0;
        while (drained.Elapsed < TimeSpan.FromMinutes(5))
        {
            stored = (long)(await new NpgsqlCommand($"SELECT count(*) FROM alerts WHERE \"Fingerprint\" LIKE 'storm-{run}-%' OR \"Title\" LIKE 'Storm{run}G%'", db).ExecuteScalarAsync())!;
            var pending = (long)(await new NpgsqlCommand("SELECT count(*) FROM alert_events WHERE \"Status\" = 'Received'", db).ExecuteScalarAsync())!;
            if (stored >= accepted && pending == 0)
            {
                break;
            }

            await Task.Delay(500);
        }

        var incidents = (long)(await new NpgsqlCommand($"SELECT count(*) FROM incidents WHERE \"Title\" LIKE 'Storm{run}G%'", db).ExecuteScalarAsync())!;
        var ok = stored == accepted && incidents == Math.Min(groups, total) && otherErrors == 0 && failures == 0;
        Console.WriteLine($"storm: {stored} of {accepted} accepted alerts stored ({drained.Elapsed.TotalSeconds:0.0} s after the last request), "
            + $"{incidents} incidents for {groups} groups: {(ok ? "OK" : "FAILED")}");
        return ok ? 0 : 1;
    }
}
