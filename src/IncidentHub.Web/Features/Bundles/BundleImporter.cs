using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Security;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using IncidentHub.Analysis.Metrics;
using IncidentHub.Web.Features.Audit;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Git;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace IncidentHub.Web.Features.Bundles;

/// <summary>One uploaded part: the form field (scenario, alert, logs, ...), the file name the client gave, the bytes.</summary>
public sealed record BundleFile(string Field, string FileName, byte[] Content);

public sealed record BundleImportResult(string BundleId, IReadOnlyList<string> Incidents, IReadOnlyList<string> Services, string Directory);

/// <summary>What an import would change in one existing catalog entry, field by field (JSON paths, as the audit log shows them).</summary>
public sealed record ServiceChange(string Service, IReadOnlyList<AuditChange> Changes);

/// <summary>
/// The bundle would change catalog entries a person or the seed wrote; nothing was imported. Answered 409 with the
/// diff; the import is repeated with those services named as confirmed (API <c>?confirm=a,b</c>, the page's button).
/// </summary>
public sealed class BundleChangesExistingServicesException(IReadOnlyList<ServiceChange> changes)
    : ConflictException($"The bundle would change the existing catalog entries {string.Join(", ", changes.Select(c => c.Service))}; nothing was imported. " +
        $"Review the changes and import again confirming them (POST /api/bundles?confirm={string.Join(",", changes.Select(c => c.Service))}, or the Import bundle page's confirm button).",
        "Bundle changes existing services")
{
    public IReadOnlyList<ServiceChange> Changes { get; } = changes;
}

/// <summary>A bundle that is refused: the message says which part and why (answered as a 400 ProblemDetails).</summary>
public sealed class BundleRejectedException(string message) : InvalidInputException(message, "Bundle rejected");

/// <summary>
/// Imports an incident bundle. DATA ONLY: nothing from a bundle is executed and client file names are never used
/// as paths, because a bundle comes from outside; the accepted parts are in README.md (POST /api/bundles).
/// A bundle adds services; it changes an existing entry that the seed or a person wrote only when the importing
/// Admin confirmed that service after seeing the diff (<see cref="BundleChangesExistingServicesException"/>).
/// An entry a previous import wrote (origin Bundle, not edited since) is the bundles' own and follows the new import.
/// </summary>
public sealed partial class BundleImporter(
    AppDbContext db,
    IngestionService ingestion,
    CatalogStore catalogStore,
    ServiceCatalog catalog,
    IOptions<BundleOptions> options,
    TimeProvider clock,
    IAuditLog audit,
    ILogger<BundleImporter> logger)
{
    public static readonly string[] Fields = ["scenario", "alert", "logs", "metrics", "repository", "catalog"];

    private const int MaxSmallFile = 1024 * 1024;

    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance).IgnoreUnmatchedProperties().Build();

    public async Task<BundleImportResult> ImportAsync(IReadOnlyList<BundleFile> files, AuditActor actor, CancellationToken ct = default) =>
        await ImportAsync(files, actor, [], ct);

    /// <param name="confirmed">Existing services the Admin saw the diff of and agreed to change.</param>
    public async Task<BundleImportResult> ImportAsync(IReadOnlyList<BundleFile> files, AuditActor actor, IReadOnlyCollection<string> confirmed, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Admin, "import bundles");
        var by = actor.Name;
        var limits = options.Value;
        Check(files, limits);
        var scenario = ParseScenario(Single(files, "scenario")!);
        var alert = Single(files, "alert") ?? throw new BundleRejectedException("The bundle has no alert (alert.json, the webhook body as the source sends it).");
        CheckJson(alert);
        var catalogPart = Single(files, "catalog") is { } c ? CatalogYaml.ParseEntries(Encoding.UTF8.GetString(c.Content)) : [];
        var logs = files.Where(f => f.Field == "logs").ToDictionary(f => LogService(f.FileName), StringComparer.Ordinal);
        var metrics = Single(files, "metrics");
        var repository = Single(files, "repository");

        var bundleId = $"{Slug(scenario.Id ?? scenario.Title ?? "bundle")}-{clock.GetUtcNow():yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var dir = Path.Combine(limits.FullDataDirectory, bundleId);
        Directory.CreateDirectory(Path.Combine(dir, "logs"));
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(dir, "scenario.yaml"), Single(files, "scenario")!.Content, ct);
            await File.WriteAllBytesAsync(Path.Combine(dir, "alert.json"), alert.Content, ct);
            foreach (var (service, log) in logs)
            {
                await File.WriteAllBytesAsync(Path.Combine(dir, "logs", service + ".log"), log.Content, ct);
            }

            if (metrics is not null)
            {
                await File.WriteAllBytesAsync(Path.Combine(dir, "metrics.om"), metrics.Content, ct);
            }

            string? clone = null, branch = null;
            if (repository is not null)
            {
                (clone, branch) = await CloneAsync(dir, repository, limits, ct);
            }

            var services = await UpdateCatalogAsync(scenario, dir, logs.Keys, metrics, clone, branch, catalogPart, confirmed, by, ct);
            var incidents = await SendAlertAsync(scenario.Kind, alert.Content, bundleId, ct);
            logger.LogInformation("Bundle {BundleId} imported by {By}: services {Services}, incidents {Incidents}", bundleId, by, string.Join(", ", services), string.Join(", ", incidents));

            // The import spans files, the catalog and intake's own commits; its summary entry follows them.
            await audit.RecordAsync(new AuditRecord(actor, "bundle.imported", $"bundle:{bundleId}",
                After: new { BundleId = bundleId, scenario.Title, Incidents = incidents, Services = services },
                IncidentNumber: incidents.Count == 1 && int.TryParse(incidents[0].Replace("INC-", "", StringComparison.Ordinal), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : null), ct);
            return new BundleImportResult(bundleId, incidents, services, dir);
        }
        catch
        {
            // A refused or failed import leaves no files behind, unless the catalog already points at
            // them (the alert was refused after the catalog was updated): then they stay, so that entry stays valid.
            if (!catalog.Services.Any(s => s.Logs.Any(l => l.Path?.StartsWith(dir, StringComparison.Ordinal) == true) || s.Repository?.Path?.StartsWith(dir, StringComparison.Ordinal) == true))
            {
                TryDelete(dir);
            }

            throw;
        }
    }

    private static void Check(IReadOnlyList<BundleFile> files, BundleOptions limits)
    {
        foreach (var file in files)
        {
            if (!Fields.Contains(file.Field))
            {
                throw new BundleRejectedException($"Unexpected part '{Excerpt(file.Field)}'. A bundle has only these parts: {string.Join(", ", Fields)}.");
            }

            CheckFileName(file.FileName);
            var limit = file.Field is "logs" or "metrics" or "repository" ? limits.MaxFileBytes : MaxSmallFile;
            if (file.Content.LongLength > limit)
            {
                throw new BundleRejectedException($"The {file.Field} file '{file.FileName}' is {file.Content.LongLength} bytes; the limit is {limit} bytes.");
            }
        }

        foreach (var field in Fields.Where(f => f != "logs"))
        {
            if (files.Count(f => f.Field == field) > 1)
            {
                throw new BundleRejectedException($"The bundle has more than one '{field}' part.");
            }
        }

        if (Single(files, "scenario") is null)
        {
            throw new BundleRejectedException("The bundle has no scenario (scenario.yaml).");
        }

        var logCount = files.Count(f => f.Field == "logs");
        if (logCount == 0 || logCount > limits.MaxLogFiles)
        {
            throw new BundleRejectedException($"A bundle has 1 to {limits.MaxLogFiles} log files named <service>.log; this one has {logCount}.");
        }

        var names = files.Where(f => f.Field == "logs").Select(f => f.FileName).ToList();
        if (names.Distinct(StringComparer.OrdinalIgnoreCase).Count() != names.Count)
        {
            throw new BundleRejectedException("Two log files have the same name; each service has one <service>.log.");
        }
    }

    /// <summary>A client's file name is a plain name: no directory part, no '..', no control characters.</summary>
    internal static void CheckFileName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 255 || name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal)
            || name.Contains("..", StringComparison.Ordinal) || name.Any(char.IsControl) || Path.IsPathRooted(name) || name.Contains(':', StringComparison.Ordinal))
        {
            throw new BundleRejectedException($"The file name '{Excerpt(name)}' is refused: a bundle file is a plain name without directories or '..' (path traversal).");
        }
    }

    private static string LogService(string fileName)
    {
        var match = LogName().Match(fileName);
        if (!match.Success || !CatalogValidation.ServiceName().IsMatch(match.Groups[1].Value))
        {
            throw new BundleRejectedException($"The log file '{Excerpt(fileName)}' is not named <service>.log (lower-case letters, digits, '.', '-', '_').");
        }

        return match.Groups[1].Value;
    }

    private static BundleFile? Single(IReadOnlyList<BundleFile> files, string field) => files.FirstOrDefault(f => f.Field == field);

    private static void CheckJson(BundleFile alert)
    {
        try
        {
            using var _ = JsonDocument.Parse(alert.Content, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new BundleRejectedException($"alert.json is not valid JSON: {ex.Message}");
        }
    }

    internal sealed class ScenarioFile
    {
        public string? Id { get; set; }
        public string? Title { get; set; }
        public string? Source { get; set; }
        public List<string> Services { get; set; } = [];
        public string? PrimaryService { get; set; }
        public ScenarioRepo? Repo { get; set; }

        public SourceKind Kind { get; set; }
    }

    internal sealed class ScenarioRepo
    {
        public string? Name { get; set; }
        public string? PathInStackTraces { get; set; }
    }

    private static ScenarioFile ParseScenario(BundleFile file)
    {
        ScenarioFile? scenario;
        try
        {
            scenario = Yaml.Deserialize<ScenarioFile?>(Encoding.UTF8.GetString(file.Content));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new BundleRejectedException($"scenario.yaml is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}): {(ex.InnerException ?? ex).Message}");
        }

        if (scenario is null)
        {
            throw new BundleRejectedException("scenario.yaml is empty.");
        }

        if (!Enum.TryParse<SourceKind>(scenario.Source, ignoreCase: true, out var kind) || int.TryParse(scenario.Source, out _))
        {
            throw new BundleRejectedException($"scenario.yaml: source '{Excerpt(scenario.Source ?? "")}' is not one of {string.Join(", ", Enum.GetNames<SourceKind>().Select(n => n.ToLowerInvariant()))}.");
        }

        scenario.Kind = kind;
        if (scenario.Services.Count == 0 && string.IsNullOrWhiteSpace(scenario.PrimaryService))
        {
            throw new BundleRejectedException("scenario.yaml names no services (services, primary_service).");
        }

        return scenario;
    }

    private async Task<(string Clone, string? Branch)> CloneAsync(string dir, BundleFile repository, BundleOptions limits, CancellationToken ct)
    {
        var bundlePath = Path.Combine(dir, "repository.bundle");
        await File.WriteAllBytesAsync(bundlePath, repository.Content, ct);

        // `git bundle verify` needs a repository to run in: an empty one of our own.
        var verifyRepo = Path.Combine(dir, ".verify");
        var init = await GitTool.RunAsync(dir, limits.GitTimeout, ct, "init", "--bare", "--quiet", verifyRepo);
        if (!init.Ok)
        {
            throw new InvalidOperationException($"git init failed: {init.Error}");
        }

        var verify = await GitTool.RunAsync(verifyRepo, limits.GitTimeout, ct, $"--git-dir={verifyRepo}", "bundle", "verify", "--quiet", bundlePath);
        TryDelete(verifyRepo);
        if (!verify.Ok)
        {
            File.Delete(bundlePath);
            throw new BundleRejectedException($"The repository is not a complete git bundle (make it with `git bundle create repo.bundle --all`): {Excerpt(verify.Error.Trim())}");
        }

        var clone = Path.Combine(dir, "repo");
        var cloned = await GitTool.RunAsync(dir, limits.GitTimeout, ct,
            "clone", "--quiet", "--no-hardlinks", "--config", "core.symlinks=false", "--config", "core.hooksPath=/dev/null", "--", bundlePath, clone);
        if (!cloned.Ok)
        {
            throw new BundleRejectedException($"git could not clone the repository bundle: {Excerpt(cloned.Error.Trim())}");
        }

        var head = await GitTool.RunAsync(clone, limits.GitTimeout, ct, "rev-parse", "--abbrev-ref", "HEAD");
        return (clone, head.Ok && head.Output.Trim() is { Length: > 0 } b && b != "HEAD" ? b : null);
    }

    private async Task<IReadOnlyList<string>> UpdateCatalogAsync(ScenarioFile scenario, string dir, IEnumerable<string> logServices, BundleFile? metrics,
        string? clone, string? branch, IReadOnlyList<ServiceDefinition> catalogPart, IReadOnlyCollection<string> confirmed, string by, CancellationToken ct)
    {
        var unconfirmed = new List<ServiceChange>();
        var names = scenario.Services.Append(scenario.PrimaryService ?? "").Concat(logServices)
            .Select(s => s.Trim())
            .Where(s => CatalogValidation.ServiceName().IsMatch(s))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var skipped = scenario.Services.Where(s => !CatalogValidation.ServiceName().IsMatch(s.Trim())).ToList();
        if (skipped.Count > 0)
        {
            logger.LogInformation("Bundle services without a catalog name were not added to the catalog: {Skipped}", string.Join(", ", skipped));
        }

        var metricsText = metrics is null ? null : Encoding.UTF8.GetString(metrics.Content);
        var metricsPath = Path.Combine(dir, "metrics.om");
        var updated = new List<ServiceDefinition>();
        foreach (var name in names)
        {
            var given = catalogPart.FirstOrDefault(s => string.Equals(s.Name?.Trim(), name, StringComparison.Ordinal));
            var service = CatalogEntry.Clone(given ?? catalog.Find(name) ?? new ServiceDefinition { Name = name });
            service.Name = name;
            var log = Path.Combine(dir, "logs", name + ".log");
            if (File.Exists(log))
            {
                service.Logs = [new LogSourceConfig { Kind = "file", Path = log }];
            }

            if (metricsText is not null)
            {
                var queries = MetricQueries.Guess(metricsText, name, names);
                if (queries.Count > 0)
                {
                    service.Metrics = [.. queries.Select(q => new MetricQueryConfig { Role = q.Role, Source = "openmetrics", Path = metricsPath, Query = q.Query })];
                }
            }

            if (clone is not null && (name == scenario.PrimaryService?.Trim() || name == scenario.Repo?.Name?.Trim()))
            {
                service.Repository = new ServiceRepository
                {
                    Path = clone,
                    Branch = branch ?? "main",
                    PathInStackTraces = scenario.Repo?.PathInStackTraces,
                    GitHub = given?.Repository?.GitHub,
                    TestCommand = given?.Repository?.TestCommand,
                };
            }

            var errors = catalogStore.Validate(service);
            if (errors.Count > 0)
            {
                throw new BundleRejectedException($"The catalog entry for '{name}' is not valid: {string.Join(" ", errors)}");
            }

            if (await catalogStore.GetAsync(name, ct) is { } existing)
            {
                var changes = AuditDiff.Changes(JsonSerializer.SerializeToElement(existing.Service), JsonSerializer.SerializeToElement(service));
                if (changes.Count == 0)
                {
                    continue;
                }

                if (existing.Origin != CatalogOrigin.Bundle && !confirmed.Contains(name, StringComparer.Ordinal))
                {
                    unconfirmed.Add(new ServiceChange(name, changes));
                    continue;
                }
            }

            updated.Add(service);
        }

        if (unconfirmed.Count > 0)
        {
            throw new BundleChangesExistingServicesException(unconfirmed);
        }

        await catalogStore.UpsertAsync(updated, CatalogOrigin.Bundle, $"bundle import by {by}", ct);
        return names;
    }

    /// <summary>
    /// The alert goes through the webhook's own ingestion code, as if the source had sent it, scoped to this import: it opens
    /// the bundle's own incident, never joins an earlier import's open incident with the same fingerprint (<see cref="ImportScope"/>).
    /// </summary>
    private async Task<IReadOnlyList<string>> SendAlertAsync(SourceKind kind, byte[] body, string bundleId, CancellationToken ct)
    {
        var integration = await BundlesIntegrationAsync(kind, ct);
        var headers = new Dictionary<string, string>
        {
            ["Content-Type"] = "application/json",
            ["User-Agent"] = "IncidentHub bundle import",
            ["Remote-Address"] = ImportScope.RemoteAddress,
            [ImportScope.Header] = bundleId,
        };
        if (kind == SourceKind.CloudWatch)
        {
            headers["X-Amz-Sns-Message-Type"] = "Notification";
        }

        var result = await ingestion.ReceiveAsync(integration, headers, body, body.LongLength, wait: true, ct);
        return result switch
        {
            ReceiveResult.Rejected r => throw new BundleRejectedException($"The {kind.ToString().ToLowerInvariant()} webhook refused alert.json: {r.Error}"),
            ReceiveResult.Accepted a => await MarkImportedAsync(integration.Id, a.Incidents, ct),
            _ => throw new InvalidOperationException("Unexpected receive result."),
        };
    }

    /// <summary>
    /// The incidents the bundle's alert opened are <see cref="IncidentOrigin.Imported"/>: their alerts carry the bundle's own
    /// (past) times, which analytics must not read as a detect phase. Through the change tracker, so a closed week is marked stale.
    /// </summary>
    private async Task<IReadOnlyList<string>> MarkImportedAsync(Guid integrationId, IReadOnlyList<IncidentRef> opened, CancellationToken ct)
    {
        var ids = opened.Select(i => i.Id).Distinct().ToList();
        await OptimisticConcurrency.RetryAsync(db, 5, async _ =>
        {
            foreach (var incident in await db.Incidents.Where(i => i.IntegrationId == integrationId && ids.Contains(i.Id)).ToListAsync(ct))
            {
                incident.MarkImported();
            }

            await db.SaveChangesAsync(ct);
        });
        return opened.Select(i => i.Reference).Distinct().ToList();
    }

    /// <summary>One integration per source kind, created on first use; its token is never handed out.</summary>
    private async Task<Integration> BundlesIntegrationAsync(SourceKind kind, CancellationToken ct)
    {
        var name = $"Bundles ({kind.ToString().ToLowerInvariant()})";
        if (await db.Integrations.AsNoTracking().SingleOrDefaultAsync(i => i.Name == name, ct) is { } existing)
        {
            return existing;
        }

        try
        {
            db.Integrations.Add(Integration.Create(name, kind, SecretTokens.New("iht_"), clock.GetUtcNow()));
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another import created it at the same moment.
            db.ChangeTracker.Clear();
        }

        return await db.Integrations.AsNoTracking().SingleAsync(i => i.Name == name, ct);
    }

    private static string Slug(string text)
    {
        var slug = SlugChars().Replace(text.ToLowerInvariant(), "-").Trim('-');
        return slug.Length == 0 ? "bundle" : slug[..Math.Min(slug.Length, 60)];
    }

    private static string Excerpt(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex(@"^([a-z0-9][a-z0-9._-]*)\.log$")]
    private static partial Regex LogName();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex SlugChars();
}
