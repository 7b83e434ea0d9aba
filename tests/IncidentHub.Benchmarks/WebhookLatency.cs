using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace IncidentHub.Benchmarks;

/// <summary>
/// Sends one Alertmanager webhook (one new alert group each) at a fixed rate and measures
/// (1) the webhook's response latency and (2) how long after its 202 the incident it opened was
/// announced to dashboards: the time until IncidentHub's pg_notify for that incident arrives on
/// a LISTEN connection, which is what every open wall reacts to. The first <see cref="Options.Warmup"/> seconds
/// run at the same rate and are not counted: they pay for this client's own JIT and connections, which would
/// otherwise be most of the p99 of a 20-second run (a 404 answered without any work measured 40-150 ms there).
/// </summary>
public static class WebhookLatency
{
    private const string Channel = "incidenthub_incidents";

    public static async Task<int> RunAsync(Options options)
    {
        var clock = Stopwatch.StartNew();
        var notified = new ConcurrentDictionary<Guid, double>();
        await using var listen = new NpgsqlConnection(options.Postgres);
        await listen.OpenAsync();
        listen.Notification += (_, e) =>
        {
            var at = clock.Elapsed.TotalMilliseconds;
            foreach (var part in e.Payload[(e.Payload.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(','))
            {
                if (Guid.TryParse(part, out var id))
                {
                    notified.TryAdd(id, at);
                }
            }
        };
        await using (var command = new NpgsqlCommand($"LISTEN {Channel}", listen))
        {
            await command.ExecuteNonQueryAsync();
        }

        using var stop = new CancellationTokenSource();
        var listening = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await listen.WaitAsync(stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(10) };
        var run = Guid.NewGuid().ToString("N")[..8];
        var warm = options.Rate * options.Warmup;
        var total = warm + options.Rate * options.Seconds;
        var results = new (double SentAt, double Latency, bool Ok)[total];
        var sends = new List<Task>(total);
        var interval = 1000.0 / options.Rate;
        for (var i = 0; i < total; i++)
        {
            var due = i * interval;
            var wait = due - clock.Elapsed.TotalMilliseconds;
            if (wait > 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            }

            var index = i;
            sends.Add(Task.Run(async () =>
            {
                var sentAt = clock.Elapsed.TotalMilliseconds;
                var ok = false;
                try
                {
                    using var response = await http.PostAsync(options.Url, new StringContent(Body(run, index), Encoding.UTF8, "application/json"));
                    ok = (int)response.StatusCode / 100 == 2;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                results[index] = (sentAt, clock.Elapsed.TotalMilliseconds - sentAt, ok);
            }));
        }

        await Task.WhenAll(sends);

        // Map each request's group to its incident, then wait until every incident was announced (or 10 s).
        var keys = new Dictionary<string, int>();
        for (var i = warm; i < total; i++)
        {
            keys[GroupKey(run, i)] = i;
        }

        Dictionary<string, Guid> incidents = [];
        var deadline = clock.Elapsed.TotalSeconds + 10;
        while (clock.Elapsed.TotalSeconds < deadline)
        {
            incidents = await IncidentsAsync(options.Postgres, run);
            if (incidents.Count >= results.Count(r => r.Ok) && incidents.Values.All(notified.ContainsKey))
            {
                break;
            }

            await Task.Delay(200);
        }

        await stop.CancelAsync();
        await listening;

        var measured = results[warm..];
        var measuredFrom = warm * interval;
        var latencies = measured.Where(r => r.Ok).Select(r => r.Latency).Order().ToArray();
        // Where the slow requests were: p99 and max per 2-second window of the run, and the warm-up's own figures.
        var warmup = results[..warm].Where(r => r.Ok).Select(r => r.Latency).Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"WARMUP {options.Warmup}s not counted: ok={warmup.Length}/{warm} p99={P(warmup, 99):0.0} max={warmup.LastOrDefault():0.0}"));
        Console.WriteLine("WINDOWS " + string.Join(" ", measured.Where(r => r.Ok).GroupBy(r => (int)((r.SentAt - measuredFrom) / 2000)).OrderBy(g => g.Key).Select(g =>
        {
            var w = g.Select(r => r.Latency).Order().ToArray();
            return string.Create(CultureInfo.InvariantCulture, $"{g.Key * 2}s:p99={P(w, 99):0}/max={w[^1]:0}");
        })));
        var visible = incidents
            .Where(p => keys.ContainsKey(p.Key) && notified.ContainsKey(p.Value))
            .Select(p => notified[p.Value] - (results[keys[p.Key]].SentAt + results[keys[p.Key]].Latency))
            .Order().ToArray();
        var missing = measured.Count(r => r.Ok) - visible.Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT requests={measured.Length} ok={latencies.Length} non2xx={measured.Length - latencies.Length} rate={options.Rate}/s warmup={options.Warmup}s " +
            $"latency_ms p50={P(latencies, 50):0.0} p99={P(latencies, 99):0.0} max={latencies.LastOrDefault():0.0} " +
            $"visible_after_202_ms p50={P(visible, 50):0.0} p99={P(visible, 99):0.0} max={visible.LastOrDefault():0.0} not_announced={missing}"));
        return 0;
    }

    private static double P(double[] sorted, double percentile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1)];

    private static string GroupKey(string run, int i) => $"lat-{run}-{i}";

    private static string Body(string run, int i) =>
        $$"""
        {"version":"4","groupKey":"{{GroupKey(run, i)}}","status":"firing","receiver":"incidenthub","groupLabels":{"alertname":"LatencyProbe"},
         "alerts":[{"status":"firing","labels":{"alertname":"LatencyProbe","service":"bench","severity":"warning","probe":"{{i}}"},
         "annotations":{"summary":"latency probe {{i}}"},"startsAt":"2026-11-23T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"{{GroupKey(run, i)}}"}]}
        """;

    private static async Task<Dictionary<string, Guid>> IncidentsAsync(string connectionString, string run)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "GroupKey", "Id" FROM incidents WHERE "GroupKey" LIKE @prefix""", connection);
        command.Parameters.AddWithValue("prefix", $"lat-{run}-%");
        var map = new Dictionary<string, Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            map[reader.GetString(0)] = reader.GetGuid(1);
        }

        return map;
    }
}
