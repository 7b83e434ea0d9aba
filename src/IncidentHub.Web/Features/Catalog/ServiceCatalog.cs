using IncidentHub.Analysis.Triage;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace IncidentHub.Web.Features.Catalog;

/// <summary>
/// The service catalog as every process sees it: an in-memory snapshot of the catalog_services
/// table, so lookups stay synchronous and cheap. Loaded on first use and reloaded whenever the
/// catalog changes (<see cref="CatalogStore"/> reloads its own process at once and notifies the
/// others through PostgreSQL; <see cref="CatalogChangeListener"/> reloads on that notification).
/// </summary>
public sealed class ServiceCatalog(IDbContextFactory<AppDbContext> dbFactory, ILogger<ServiceCatalog> logger)
{
    /// <summary>Labels whose value may name a service, most specific first (as triage reads them).</summary>
    private static readonly string[] NameLabels = TriageEngine.ServiceLabelKeys;

    private readonly SemaphoreSlim _reload = new(1, 1);
    private readonly Lock _firstLoad = new();
    private volatile Snapshot? _snapshot;

    /// <summary>Every service, ordered by name.</summary>
    public IReadOnlyList<ServiceDefinition> Services => Current.Services;

    /// <summary>How many times this instance loaded the catalog (tests and logs use it to see a refresh).</summary>
    public long Version => Current.Version;

    /// <summary>The catalog entry with this name (case-insensitive), or null.</summary>
    public ServiceDefinition? Find(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : Current.ByName.GetValueOrDefault(name.Trim());

    /// <summary>
    /// The service an alert's labels belong to: the entry whose <c>match</c> matchers all hold (the one
    /// with most matchers wins), else the entry named by a well-known label (service, app, job, ...).
    /// </summary>
    public ServiceDefinition? FindForLabels(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var caseless = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in labels)
        {
            caseless.TryAdd(key, value);
        }

        var byMatch = Current.Services
            .Where(s => s.Match.Count > 0 && s.Match.All(m => caseless.TryGetValue(m.Key, out var v) && string.Equals(v.Trim(), m.Value.Trim(), StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(s => s.Match.Count)
            .FirstOrDefault();
        if (byMatch is not null)
        {
            return byMatch;
        }

        foreach (var key in NameLabels)
        {
            if (caseless.TryGetValue(key, out var value) && Find(value) is { } named)
            {
                return named;
            }
        }

        return null;
    }

    public IReadOnlyList<ServiceTier> Tiers => Current.Tiers;

    /// <summary>Reads the table again and swaps the snapshot in one step.</summary>
    public async Task ReloadAsync(CancellationToken ct = default)
    {
        await _reload.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var entries = await db.CatalogServices.AsNoTracking().OrderBy(e => e.Name).ToListAsync(ct);
            _snapshot = new Snapshot(entries.Select(e => e.ToService()).ToList(), (_snapshot?.Version ?? 0) + 1);
            logger.LogDebug("Service catalog loaded: {Count} services", entries.Count);
        }
        finally
        {
            _reload.Release();
        }
    }

    private Snapshot Current
    {
        get
        {
            if (_snapshot is { } snapshot)
            {
                return snapshot;
            }

            // First use before the start-up load finished (a job, a test): load once, synchronously.
            lock (_firstLoad)
            {
                if (_snapshot is null)
                {
                    using var db = dbFactory.CreateDbContext();
                    var entries = db.CatalogServices.AsNoTracking().OrderBy(e => e.Name).ToList();
                    _snapshot = new Snapshot(entries.Select(e => e.ToService()).ToList(), 1);
                }

                return _snapshot;
            }
        }
    }

    /// <summary>Parses a catalog file (<c>services: [...]</c>), e.g. seed-data/services.yaml.</summary>
    public static IReadOnlyList<ServiceDefinition> Parse(string yaml) => CatalogYaml.ParseFile(yaml);

    private sealed class Snapshot
    {
        public Snapshot(IReadOnlyList<ServiceDefinition> services, long version)
        {
            Services = services;
            Version = version;
            ByName = services.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
            Tiers = services.Select(s => new ServiceTier(s.Name, s.Tier)).ToList();
        }

        public IReadOnlyList<ServiceDefinition> Services { get; }
        public long Version { get; }
        public Dictionary<string, ServiceDefinition> ByName { get; }
        public IReadOnlyList<ServiceTier> Tiers { get; }
    }
}

/// <summary>YAML in and out, with the file's snake_case names (owner_email, depends_on, path_in_stack_traces).</summary>
public static class CatalogYaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance).IgnoreUnmatchedProperties().Build();

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull | DefaultValuesHandling.OmitEmptyCollections)
        .Build();

    public static IReadOnlyList<ServiceDefinition> ParseFile(string yaml)
    {
        var file = Deserializer.Deserialize<CatalogFile?>(yaml) ?? new CatalogFile();
        return file.Services.Where(s => !string.IsNullOrWhiteSpace(s.Name)).ToList();
    }

    /// <summary>
    /// One service entry (<c>name: x, tier: 1, ...</c>), or a file with <c>services:</c> (its entries).
    /// Throws <see cref="CatalogValidationException"/> with the parser's line and column on bad YAML.
    /// </summary>
    public static IReadOnlyList<ServiceDefinition> ParseEntries(string yaml)
    {
        try
        {
            var root = Deserializer.Deserialize<Dictionary<string, object>?>(yaml);
            if (root is null)
            {
                return [];
            }

            return root.Keys.Any(k => string.Equals(k, "services", StringComparison.Ordinal))
                ? ParseFile(yaml)
                : [Deserializer.Deserialize<ServiceDefinition>(yaml)];
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new CatalogValidationException([$"YAML error at line {ex.Start.Line}, column {ex.Start.Column}: {(ex.InnerException ?? ex).Message}"]);
        }
    }

    public static string Serialize(ServiceDefinition service) => Serializer.Serialize(service);
}
