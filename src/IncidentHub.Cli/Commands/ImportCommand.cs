using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace IncidentHub.Cli.Commands;

/// <summary>What one import produced.</summary>
internal sealed record ImportOutcome(string BundleId, IReadOnlyList<string> Incidents, DateTimeOffset ImportedAt);

/// <summary>A bundle that could not be imported; the message says why.</summary>
internal sealed class ImportFailedException(string message) : Exception(message);

/// <summary>
/// `ih import BUNDLE_DIR`: builds the bundle's repository HERE, on the client (bash repo/make_repo.sh
/// into a temp dir), packs it as a git bundle, posts deploys.json to /api/deploys, then uploads the
/// data files to /api/bundles. The hub itself never runs anything from a bundle. The script is the
/// bundle's code running as this user: it gets a clean environment (PATH, HOME, LANG only), so the
/// API token (IH_TOKEN) and anything else in ours stays out of its reach.
/// </summary>
internal static class ImportCommand
{
    public const string Usage = "ih import BUNDLE_DIR [--url URL] [--token TOKEN] [--confirm SERVICE,...]  (runs the bundle's repo/make_repo.sh on this machine, in a clean environment)";

    /// <summary>The only variables the bundle's script (and the git that packs its result) inherits.</summary>
    public static readonly string[] ScriptEnvironment = ["PATH", "HOME", "LANG"];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var cli = new CliArgs(args);
        if (cli.Positional.Count != 1)
        {
            await error.WriteLineAsync($"usage: {Usage}");
            return 2;
        }

        var (hub, problem) = HubClient.Create(cli);
        if (hub is null)
        {
            await error.WriteLineAsync($"ih import: {problem}");
            return 2;
        }

        using (hub)
        {
            try
            {
                var outcome = await ImportAsync(hub, cli.Positional[0], output, CancellationToken.None, cli.Option("confirm"));
                foreach (var reference in outcome.Incidents)
                {
                    await output.WriteLineAsync($"{reference}  {hub.IncidentUrl(reference)}");
                }

                if (outcome.Incidents.Count == 0)
                {
                    await output.WriteLineAsync($"imported {outcome.BundleId}; the alert opened no incident (yet)");
                }

                return 0;
            }
            catch (ImportFailedException ex)
            {
                await error.WriteLineAsync($"ih import: {ex.Message}");
                return 1;
            }
            catch (HttpRequestException ex)
            {
                await error.WriteLineAsync($"ih import: cannot reach {hub.BaseUrl}: {ex.Message}");
                return 3;
            }
        }
    }

    /// <param name="confirm">Existing catalog services (comma-separated) the bundle may change, after the hub showed the diff (409).</param>
    public static async Task<ImportOutcome> ImportAsync(HubClient hub, string bundleDir, TextWriter log, CancellationToken ct, string? confirm = null)
    {
        var dir = Path.GetFullPath(bundleDir);
        Require(Path.Combine(dir, "scenario.yaml"));
        Require(Path.Combine(dir, "alert.json"));
        var logs = Directory.Exists(Path.Combine(dir, "logs")) ? Directory.GetFiles(Path.Combine(dir, "logs"), "*.log").Order(StringComparer.Ordinal).ToList() : [];
        if (logs.Count == 0)
        {
            throw new ImportFailedException($"{dir}/logs has no <service>.log files");
        }

        var temp = Directory.CreateTempSubdirectory("ih-import-");
        try
        {
            var repoBundle = await BuildRepositoryAsync(dir, temp.FullName, log, ct);
            await PostDeploysAsync(hub, dir, log, ct);

            using var form = new MultipartFormDataContent();
            var streams = new List<Stream>();
            void Add(string field, string path)
            {
                var stream = File.OpenRead(path);
                streams.Add(stream);
                var content = new StreamContent(stream);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(content, field, Path.GetFileName(path));
            }

            try
            {
                Add("scenario", Path.Combine(dir, "scenario.yaml"));
                Add("alert", Path.Combine(dir, "alert.json"));
                foreach (var file in logs)
                {
                    Add("logs", file);
                }

                if (File.Exists(Path.Combine(dir, "metrics.om")))
                {
                    Add("metrics", Path.Combine(dir, "metrics.om"));
                }

                if (repoBundle is not null)
                {
                    Add("repository", repoBundle);
                }

                foreach (var name in new[] { "catalog.yaml", "catalog.yml" }.Where(n => File.Exists(Path.Combine(dir, n))).Take(1))
                {
                    Add("catalog", Path.Combine(dir, name));
                }

                await log.WriteLineAsync($"uploading {Path.GetFileName(dir)} to {hub.BaseUrl}api/bundles ...");
                using var response = await hub.Http.PostAsync(confirm is null ? "api/bundles" : $"api/bundles?confirm={Uri.EscapeDataString(confirm)}", form, ct);
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    throw new ImportFailedException($"the hub refused {Path.GetFileName(dir)}: {await HubClient.DescribeFailureAsync(response, ct)}");
                }

                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                var root = doc.RootElement;
                var incidents = root.GetProperty("incidents").EnumerateArray().Select(i => i.GetString()!).ToList();
                return new ImportOutcome(root.GetProperty("bundleId").GetString()!, incidents, DateTimeOffset.UtcNow);
            }
            finally
            {
                foreach (var stream in streams)
                {
                    await stream.DisposeAsync();
                }
            }
        }
        finally
        {
            try
            {
                temp.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>A ready git bundle in the directory (*.bundle), else one made from repo/make_repo.sh, else none.</summary>
    private static async Task<string?> BuildRepositoryAsync(string dir, string temp, TextWriter log, CancellationToken ct)
    {
        var ready = Directory.GetFiles(dir, "*.bundle").Order(StringComparer.Ordinal).FirstOrDefault();
        if (ready is not null)
        {
            return ready;
        }

        var script = Path.Combine(dir, "repo", "make_repo.sh");
        if (!File.Exists(script))
        {
            return null;
        }

        var repo = Path.Combine(temp, "repo");
        await log.WriteLineAsync($"building the repository: bash repo/make_repo.sh {repo}");
        await RunAsync("bash", [script, repo], dir, TimeSpan.FromMinutes(5), ct);
        var bundle = Path.Combine(temp, "repo.bundle");
        await RunAsync("git", ["-C", repo, "bundle", "create", bundle, "--all"], dir, TimeSpan.FromMinutes(2), ct);
        return bundle;
    }

    /// <summary>Deploys go first, so the investigation of the new incident sees them.</summary>
    private static async Task PostDeploysAsync(HubClient hub, string dir, TextWriter log, CancellationToken ct)
    {
        var path = Path.Combine(dir, "deploys.json");
        if (!File.Exists(path))
        {
            return;
        }

        using var content = new StringContent(await File.ReadAllTextAsync(path, ct));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await hub.Http.PostAsync("api/deploys", content, ct);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            await log.WriteLineAsync("warning: this hub has no /api/deploys; deploys.json was not recorded");
            return;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new ImportFailedException($"the hub refused deploys.json: {await HubClient.DescribeFailureAsync(response, ct)}");
        }

        await log.WriteLineAsync("deploys.json posted");
    }

    private static async Task RunAsync(string file, string[] args, string workingDirectory, TimeSpan timeout, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Clear();
        foreach (var name in ScriptEnvironment)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new ImportFailedException($"{file} could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new ImportFailedException($"{file} {string.Join(' ', args)} took longer than {timeout.TotalSeconds:0} s");
        }

        await stdout;
        var errors = await stderr;
        if (process.ExitCode != 0)
        {
            throw new ImportFailedException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {errors.Trim()}");
        }
    }

    private static void Require(string path)
    {
        if (!File.Exists(path))
        {
            throw new ImportFailedException($"{path} is missing: is this a bundle directory?");
        }
    }
}
