using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace IncidentHub.Cli.Commands;

/// <summary>
/// `ih eval DIR`: imports every bundle under DIR (directories with scenario.yaml) one by one, waits
/// for each incident's diagnosis to be ready, and compares it with the bundle's truth.json. Prints
/// the table, the confusion matrix, the figures and the calibration; `--json FILE` also writes the
/// rows and figures. `ih eval --compare BEFORE.json AFTER.json` compares two such files, offline.
/// Exits 0 whenever it ran (the table is the result), 3 when the hub could not be reached.
/// </summary>
internal static class EvalCommand
{
    public const string Usage = "ih eval DIR [--timeout SECONDS] [--json FILE] [--url URL] [--token TOKEN] [--confirm listed] | ih eval --compare BEFORE.json AFTER.json"
        + " | ih eval --compare DIR --ai-url URL [--ai-token TOKEN] [--url URL] [--token TOKEN] [--timeout SECONDS]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var cli = new CliArgs(args);
        if (cli.Option("compare") is { } before)
        {
            return Directory.Exists(before)
                ? await CompareModesAsync(cli, before, output, error)
                : await CompareAsync(before, cli.Positional, output, error);
        }

        if (cli.Positional.Count != 1 || !Directory.Exists(cli.Positional[0]))
        {
            await error.WriteLineAsync($"usage: {Usage}");
            return 2;
        }

        var timeout = TimeSpan.FromSeconds(double.TryParse(cli.Option("timeout"), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : 180);
        var (hub, problem) = HubClient.Create(cli);
        if (hub is null)
        {
            await error.WriteLineAsync($"ih eval: {problem}");
            return 2;
        }

        using (hub)
        {
            try
            {
                // "listed": each bundle may change the existing catalog services its scenario.yaml lists (as scripts/run.sh demo does);
                // without it a bundle that would change one is not imported and its row says so.
                var rows = await EvaluateAsync(hub, cli.Positional[0], timeout, output, TimeSpan.FromSeconds(1), CancellationToken.None,
                    confirmListed: cli.Option("confirm") == "listed");
                await output.WriteLineAsync();
                await output.WriteLineAsync(EvalScoring.Render(rows));
                if (cli.Option("json") is { Length: > 0 } json)
                {
                    await File.WriteAllTextAsync(json, EvalScoring.ToJson(rows));
                    await output.WriteLineAsync($"wrote {json}");
                }

                return 0;
            }
            catch (HttpRequestException ex)
            {
                await error.WriteLineAsync($"ih eval: cannot reach {hub.BaseUrl}: {ex.Message}");
                return 3;
            }
        }
    }

    /// <summary>
    /// `ih eval --compare DIR --ai-url URL`: the same bundles through a hub without a model (--url) and one with a model
    /// (--ai-url), side by side. Exits 0 when AI mode is nowhere worse, 1 when it is (the output says where), 3 when a hub
    /// could not be reached.
    /// </summary>
    private static async Task<int> CompareModesAsync(CliArgs cli, string dir, TextWriter output, TextWriter error)
    {
        if (cli.Option("ai-url") is not { Length: > 0 } aiUrl)
        {
            await error.WriteLineAsync($"ih eval --compare DIR needs --ai-url (the hub with Ai:Provider set). usage: {Usage}");
            return 2;
        }

        var timeout = TimeSpan.FromSeconds(double.TryParse(cli.Option("timeout"), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : 180);
        var aiToken = cli.Option("ai-token") ?? cli.Option("token");
        var (deterministic, problem) = HubClient.Create(cli);
        var (ai, aiProblem) = HubClient.Create(new CliArgs(aiToken is null ? ["--url", aiUrl] : ["--url", aiUrl, "--token", aiToken]));
        if (deterministic is null || ai is null)
        {
            deterministic?.Dispose();
            ai?.Dispose();
            await error.WriteLineAsync($"ih eval: {problem ?? aiProblem}");
            return 2;
        }

        using (deterministic)
        using (ai)
        {
            IReadOnlyList<EvalRow> rowsDeterministic;
            IReadOnlyList<EvalRow> rowsAi;
            try
            {
                await output.WriteLineAsync($"deterministic mode: {deterministic.BaseUrl}");
                rowsDeterministic = await EvaluateAsync(deterministic, dir, timeout, output, TimeSpan.FromSeconds(1), CancellationToken.None);
                await output.WriteLineAsync($"AI mode: {ai.BaseUrl}");
                rowsAi = await EvaluateAsync(ai, dir, timeout, output, TimeSpan.FromSeconds(1), CancellationToken.None);
            }
            catch (HttpRequestException ex)
            {
                await error.WriteLineAsync($"ih eval: cannot reach a hub: {ex.Message}");
                return 3;
            }

            await output.WriteLineAsync();
            var (text, worse) = EvalScoring.CompareModes(rowsDeterministic, rowsAi);
            await output.WriteLineAsync(text);
            return worse ? 1 : 0;
        }
    }

    private static async Task<int> CompareAsync(string before, IReadOnlyList<string> positional, TextWriter output, TextWriter error)
    {
        if (positional.Count != 1 || before.Length == 0)
        {
            await error.WriteLineAsync($"usage: {Usage}");
            return 2;
        }

        try
        {
            var rowsBefore = EvalScoring.FromJson(await File.ReadAllTextAsync(before));
            var rowsAfter = EvalScoring.FromJson(await File.ReadAllTextAsync(positional[0]));
            await output.WriteLineAsync(EvalScoring.Compare(rowsBefore, rowsAfter));
            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            await error.WriteLineAsync($"ih eval --compare: {ex.Message}");
            return 2;
        }
    }

    public static async Task<IReadOnlyList<EvalRow>> EvaluateAsync(HubClient hub, string dir, TimeSpan timeout, TextWriter log, TimeSpan poll, CancellationToken ct,
        bool confirmListed = false)
    {
        var bundles = Directory.GetDirectories(dir).Where(d => File.Exists(Path.Combine(d, "scenario.yaml"))).Order(StringComparer.Ordinal).ToList();
        var rows = new List<EvalRow>();
        foreach (var bundle in bundles)
        {
            var name = Path.GetFileName(bundle);
            var truthPath = Path.Combine(bundle, "truth.json");
            var truth = File.Exists(truthPath) ? await File.ReadAllTextAsync(truthPath, ct) : "{}";
            await log.WriteLineAsync($"== {name}");
            // A diagnosis older than this import is another import's (a hub from before imports were scoped, ADR 036); the
            // margin covers a hub whose clock is a little behind this one.
            var importStarted = DateTimeOffset.UtcNow - StaleMargin;
            ImportOutcome outcome;
            try
            {
                outcome = await ImportCommand.ImportAsync(hub, bundle, log, ct, confirmListed ? string.Join(',', ListedServices(bundle)) : null);
            }
            catch (ImportFailedException ex)
            {
                await log.WriteLineAsync($"   import failed: {ex.Message}");
                rows.Add(EvalScoring.Score(name, null, truth, null) with { Note = "import failed" });
                continue;
            }

            var incident = outcome.Incidents.FirstOrDefault();
            if (incident is null)
            {
                rows.Add(EvalScoring.Score(name, null, truth, null) with { Note = "no incident" });
                continue;
            }

            await log.WriteLineAsync($"   {incident} {hub.IncidentUrl(incident)}; waiting for the diagnosis ...");
            var clock = Stopwatch.StartNew();
            var (diagnosis, stale) = await WaitForDiagnosisAsync(hub, incident, timeout, poll, ct, importStarted);
            var row = EvalScoring.Score(name, incident, truth, diagnosis, clock.Elapsed.TotalSeconds);
            rows.Add(diagnosis is not null ? row
                : stale ? row with { Note = $"{incident} was diagnosed before this import, not scored: use a fresh hub" }
                : row with { Note = $"no diagnosis in {timeout.TotalSeconds:0} s" });
        }

        return rows;
    }

    private static readonly TimeSpan StaleMargin = TimeSpan.FromSeconds(30);

    /// <summary>How long an incident that only shows another import's diagnosis is given to be investigated again.</summary>
    private static readonly TimeSpan StaleWait = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Polls /api/incidents/{n}/diagnosis until the investigation's final diagnosis is there (status
    /// "ready" and final); at the timeout, the latest ready one, or null when there is none. A diagnosis made
    /// before <paramref name="notBefore"/> is not this import's: it is never returned, and Stale says one was seen.
    /// </summary>
    public static async Task<(string? Diagnosis, bool Stale)> WaitForDiagnosisAsync(HubClient hub, string incident, TimeSpan timeout, TimeSpan poll, CancellationToken ct,
        DateTimeOffset? notBefore = null, TimeSpan? staleWait = null)
    {
        var number = incident.Replace("INC-", "", StringComparison.Ordinal);
        var deadline = Stopwatch.StartNew();
        string? latest = null;
        var stale = false;
        while (deadline.Elapsed < timeout)
        {
            using var response = await hub.Http.GetAsync($"api/incidents/{number}/diagnosis", ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                using var doc = JsonDocument.Parse(body);
                if (notBefore is { } since && doc.RootElement.TryGetProperty("at", out var at) && at.ValueKind == JsonValueKind.String
                    && at.TryGetDateTimeOffset(out var made) && made < since)
                {
                    stale = true;
                }
                else if (doc.RootElement.TryGetProperty("status", out var status) && status.GetString() == "ready")
                {
                    latest = body;
                    if (doc.RootElement.TryGetProperty("final", out var final) && final.ValueKind == JsonValueKind.True)
                    {
                        return (body, false);
                    }
                }
            }

            if (stale && latest is null && deadline.Elapsed > (staleWait ?? StaleWait))
            {
                break;
            }

            await Task.Delay(poll, ct);
        }

        return (latest, stale && latest is null);
    }

    /// <summary>The services a bundle's scenario.yaml lists under <c>services:</c> (one "- name" per line).</summary>
    internal static IReadOnlyList<string> ListedServices(string bundle)
    {
        var names = new List<string>();
        var inList = false;
        foreach (var line in File.ReadLines(Path.Combine(bundle, "scenario.yaml")))
        {
            if (line.StartsWith("services:", StringComparison.Ordinal))
            {
                inList = true;
            }
            else if (inList && line.StartsWith("- ", StringComparison.Ordinal))
            {
                names.Add(line[2..].Trim().Trim('\'', '"'));
            }
            else
            {
                inList = false;
            }
        }

        return names;
    }
}
