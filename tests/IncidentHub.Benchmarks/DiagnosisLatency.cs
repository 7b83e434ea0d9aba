using System.Diagnostics;
using System.Globalization;
using System.Text;
using IncidentHub.Tests.Shared;
using Npgsql;

namespace IncidentHub.Benchmarks;

/// <summary>
/// Time from an alert's 202 to the first stored diagnosis, for a bundle-like service: 20,000 log
/// lines (with a Python stack trace storm after a bad deploy), an OpenMetrics file and a git
/// repository of 500 commits, all inside the investigation window.
///   diagnosis setup --dir DIR [--lines 20000] [--commits 500]   writes the service and DIR/services.yaml
///   diagnosis run --url BASE --pg CONNECTION --hook /hooks/alertmanager/TOKEN --token API_TOKEN --dir DIR [--runs 10]
/// </summary>
public static class DiagnosisLatency
{
    public const string Service = "ingest";
    public static readonly DateTimeOffset Anchor = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    public static async Task<int> MainAsync(string[] args) => args switch
    {
        ["setup", .. var rest] => Setup(rest),
        ["run", .. var rest] => await RunAsync(rest),
        _ => throw new ArgumentException("diagnosis setup|run ..."),
    };

    public static int Setup(string[] args)
    {
        var dir = Arg(args, "dir");
        var lines = int.Parse(Arg(args, "lines", "20000"), CultureInfo.InvariantCulture);
        var commits = int.Parse(Arg(args, "commits", "500"), CultureInfo.InvariantCulture);
        Directory.CreateDirectory(dir);
        var repo = Path.Combine(dir, "repo");
        var bad = BuildRepo(repo, commits);
        File.WriteAllText(Path.Combine(dir, "bad-commit"), bad);
        WriteLogs(Path.Combine(dir, "logs"), lines);
        WriteMetrics(Path.Combine(dir, "metrics.om"));
        File.WriteAllText(Path.Combine(dir, "services.yaml"), $$"""
            services:
              - name: {{Service}}
                tier: 1
                repository:
                  path: {{repo}}
                  path_in_stack_traces: /app/
                logs:
                  - kind: file
                    path: {{Path.Combine(dir, "logs", "app.log")}}
                metrics:
                  - role: error_ratio
                    source: openmetrics
                    path: {{Path.Combine(dir, "metrics.om")}}
                    query: 'sum(rate(http_requests_total{code="500"}[2m])) / sum(rate(http_requests_total[2m]))'
            """);
        Console.WriteLine($"wrote {lines} log lines, {commits} commits (bad commit {bad[..7]}) under {dir}");
        return 0;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(Arg(args, "url"));
        var pg = Arg(args, "pg");
        var hook = Arg(args, "hook");
        var token = Arg(args, "token");
        var bad = File.ReadAllText(Path.Combine(Arg(args, "dir"), "bad-commit")).Trim();
        var runs = int.Parse(Arg(args, "runs", "10"), CultureInfo.InvariantCulture);

        using var http = new HttpClient { BaseAddress = url };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var deploy = await http.PostAsync("/api/deploys", Json($$"""{"service":"{{Service}}","version":"v9.0.0","commit":"{{bad}}","at":"{{Anchor.AddMinutes(-15):O}}"}"""));
        deploy.EnsureSuccessStatusCode();

        await using var data = NpgsqlDataSource.Create(pg);
        var first = new List<double>();
        var final = new List<double>();
        var correct = 0;
        for (var run = 0; run < runs; run++)
        {
            var alert = $"BenchDiagnosis{run}_{Guid.NewGuid():N}"[..30];
            var groupKey = $"{{}}:{{alertname=\"{alert}\"}}";
            var payload = $$"""
                {"version":"4","groupKey":{{System.Text.Json.JsonSerializer.Serialize(groupKey)}},"status":"firing","receiver":"r","groupLabels":{"alertname":"{{alert}}"},
                 "commonLabels":{},"commonAnnotations":{},"externalURL":"http://am",
                 "alerts":[{"status":"firing","labels":{"alertname":"{{alert}}","service":"{{Service}}","severity":"critical"},"annotations":{},
                 "startsAt":"{{Anchor:yyyy-MM-ddTHH:mm:ssZ}}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p","fingerprint":"{{Guid.NewGuid():N}}"}]}
                """;
            var response = await http.PostAsync(hook, Json(payload));
            var clock = Stopwatch.StartNew();
            if ((int)response.StatusCode != 202)
            {
                Console.Error.WriteLine($"webhook answered {(int)response.StatusCode}");
                return 1;
            }

            double? firstAt = null;
            while (clock.Elapsed < TimeSpan.FromSeconds(120))
            {
                await using var command = data.CreateCommand("""
                    SELECT d."IsFinal", d."Data"::jsonb -> 'suspect' ->> 'commit'
                    FROM diagnoses d JOIN incidents i ON i."Id" = d."IncidentId"
                    WHERE i."GroupKey" = $1 ORDER BY d."Id"
                    """);
                command.Parameters.AddWithValue(groupKey);
                await using var reader = await command.ExecuteReaderAsync();
                var rows = new List<(bool Final, string? Commit)>();
                while (await reader.ReadAsync())
                {
                    rows.Add((reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
                }

                if (rows.Count > 0 && firstAt is null)
                {
                    firstAt = clock.Elapsed.TotalMilliseconds;
                    first.Add(firstAt.Value);
                    correct += rows[0].Commit == bad ? 1 : 0;
                }

                if (rows.Any(r => r.Final))
                {
                    final.Add(clock.Elapsed.TotalMilliseconds);
                    break;
                }

                await Task.Delay(10);
            }

            await using (var steps = data.CreateCommand("""
                SELECT extract(epoch FROM t."At" - i."TriggeredAt") * 1000, t."Kind", left(t."Text", 60)
                FROM timeline_entries t JOIN incidents i ON i."Id" = t."IncidentId"
                WHERE i."GroupKey" = $1 ORDER BY t."Id"
                """))
            {
                steps.Parameters.AddWithValue(groupKey);
                await using var reader = await steps.ExecuteReaderAsync();
                var trail = new List<string>();
                while (await reader.ReadAsync())
                {
                    trail.Add($"{reader.GetDouble(0):0}ms {reader.GetString(1)}: {reader.GetString(2)}");
                }

                Console.WriteLine("  " + string.Join("\n  ", trail));
            }

            Console.WriteLine($"run {run + 1}: first diagnosis {(firstAt is { } f ? $"{f:0} ms" : "none within 120 s")}, final {(final.Count > run ? $"{final[^1]:0} ms" : "-")}");
        }

        Console.WriteLine($"first diagnosis after 202: p50 {Percentile(first, 50):0} ms, p99 {Percentile(first, 99):0} ms, max {(first.Count > 0 ? first.Max() : 0):0} ms over {first.Count} runs; suspect commit right in {correct}/{first.Count}");
        Console.WriteLine($"final diagnosis after 202: p50 {Percentile(final, 50):0} ms, p99 {Percentile(final, 99):0} ms");
        return first.Count == runs ? 0 : 1;
    }

    private static string BuildRepo(string repo, int commits)
    {
        // git fast-import: hundreds of commits at fixed dates in well under a second.
        Git(null, "init", "--quiet", "--initial-branch=main", repo);
        var stream = new StringBuilder();
        var batches = Enumerable.Range(1, 40).Select(i => i switch
        {
            1 => "def compute_average(items):",
            20 => "    total = sum(i.size for i in items)",
            21 => "    return total / max(len(items), 1)",
            _ => $"    # line {i}",
        }).ToList();
        void Commit(int mark, DateTimeOffset at, string author, string message, IEnumerable<(string Path, string Content)> files)
        {
            var seconds = at.ToUnixTimeSeconds();
            stream.Append(CultureInfo.InvariantCulture, $"commit refs/heads/main\nmark :{mark}\nauthor {author} <{author.Replace(' ', '.')}@bench> {seconds} +0000\ncommitter {author} <{author.Replace(' ', '.')}@bench> {seconds} +0000\n");
            var bytes = Encoding.UTF8.GetByteCount(message);
            stream.Append(CultureInfo.InvariantCulture, $"data {bytes}\n{message}\n");
            foreach (var (path, content) in files)
            {
                stream.Append(CultureInfo.InvariantCulture, $"M 644 inline {path}\ndata {Encoding.UTF8.GetByteCount(content)}\n{content}\n");
            }

            stream.Append('\n');
        }

        Commit(1, Anchor.AddDays(-3), "Dev One", "Initial import", [("ingest/batches.py", string.Join('\n', batches) + "\n"), ("ingest/api.py", "def serve():\n    return compute_average(load())\n")]);
        var start = Anchor.AddMinutes(-58);
        var badIndex = commits - commits / 10;
        for (var i = 2; i <= commits; i++)
        {
            var at = i < badIndex
                ? start.AddSeconds((i - 2) * (37.0 * 60 / (badIndex - 2)))
                : Anchor.AddMinutes(-19).AddSeconds((i - badIndex) * (16.0 * 60 / (commits - badIndex + 1)));
            if (i == badIndex)
            {
                batches[20] = "    return total / len(items)";
                Commit(i, Anchor.AddMinutes(-20), "Dev Four", "Simplify average computation", [("ingest/batches.py", string.Join('\n', batches) + "\n")]);
                continue;
            }

            var author = $"Dev {(i % 7) + 1}";
            Commit(i, at, author, $"Change {i}: tune module {i % 25}",
                [($"ingest/module_{i % 25}.py", $"VALUE = {i}\n"), ($"docs/change-{i % 50}.md", $"change {i}\n")]);
        }

        RealProcess.Run("git", ["fast-import", "--quiet"], repo, input: stream.ToString());

        Git(repo, "reset", "--quiet", "--hard", "main");
        var log = Git(repo, "log", "--format=%H %s", "--grep=Simplify average computation");
        return log.Split(' ')[0];
    }

    private static void WriteLogs(string dir, int count)
    {
        Directory.CreateDirectory(dir);
        var sb = new StringBuilder();
        var start = Anchor.AddMinutes(-60);
        var step = TimeSpan.FromSeconds(75 * 60.0 / count);
        for (var i = 0; i < count; i++)
        {
            var at = start + step * i;
            var ts = at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            if (at >= Anchor.AddMinutes(-14) && i % 5 == 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{ts} ERROR ingest.worker batch {i} failed\nTraceback (most recent call last):\n  File \"/app/ingest/api.py\", line 2, in serve\n    return compute_average(load())\n  File \"/app/ingest/batches.py\", line 21, in compute_average\n    return total / len(items)\nZeroDivisionError: division by zero\n");
                i += 6; // the trace's lines count toward the total
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"{ts} INFO ingest.worker processed batch {i} with {i % 97 + 3} items in {i % 13 + 2} ms from host-{i % 11}\n");
            }
        }

        File.WriteAllText(Path.Combine(dir, "app.log"), sb.ToString());
    }

    private static void WriteMetrics(string path)
    {
        var om = new StringBuilder("# TYPE http_requests counter\n");
        var ok = new StringBuilder();
        var bad = new StringBuilder();
        double okTotal = 0, badTotal = 0;
        for (var at = Anchor.AddMinutes(-90); at <= Anchor.AddMinutes(15); at = at.AddSeconds(15))
        {
            okTotal += 150;
            badTotal += at >= Anchor.AddMinutes(-14) ? 60 : 0.5;
            ok.Append(CultureInfo.InvariantCulture, $"http_requests_total{{code=\"200\"}} {okTotal} {at.ToUnixTimeSeconds()}\n");
            bad.Append(CultureInfo.InvariantCulture, $"http_requests_total{{code=\"500\"}} {badTotal} {at.ToUnixTimeSeconds()}\n");
        }

        File.WriteAllText(path, om.Append(ok).Append(bad).Append("# EOF\n").ToString());
    }

    private static string Git(string? dir, params string[] args) => RealProcess.Run("git", args, dir);

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Arg(string[] args, string name, string? fallback = null)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"--{name} is required");
    }
}
