namespace IncidentHub.Web.Features.Catalog;

/// <summary>One service as seed-data/services.yaml describes it.</summary>
public sealed class ServiceDefinition
{
    public string Name { get; set; } = "";

    /// <summary>1 = customer-facing and critical; 3 = internal tooling.</summary>
    public int Tier { get; set; } = 2;

    public string? Owner { get; set; }
    public string? OwnerEmail { get; set; }

    /// <summary>Who is told, besides the owner, when an approval times out and the incident escalates.</summary>
    public string? EscalationEmail { get; set; }

    public string? Description { get; set; }
    public List<string> DependsOn { get; set; } = [];

    /// <summary>Label matchers (key = value) that map an alert onto this service besides its name.</summary>
    public Dictionary<string, string> Match { get; set; } = [];

    public ServiceRepository? Repository { get; set; }

    /// <summary>Where the service's logs are: files/globs on disk or Loki queries.</summary>
    public List<LogSourceConfig> Logs { get; set; } = [];

    /// <summary>Metric queries by role (error_ratio, latency, saturation, traffic, other) and where to run them.</summary>
    public List<MetricQueryConfig> Metrics { get; set; } = [];

    public List<string> HealthUrls { get; set; } = [];
    public List<string> Runbooks { get; set; } = [];
}

/// <summary>A local clone and/or a GitHub repository (cloned or fetched when configured).</summary>
public sealed class ServiceRepository
{
    public string? Path { get; set; }
    [YamlDotNet.Serialization.YamlMember(Alias = "github")]
    public string? GitHub { get; set; }

    /// <summary>The base branch: where fixes start from and pull requests go (<c>base_branch</c> in YAML).</summary>
    [YamlDotNet.Serialization.YamlMember(Alias = "base_branch")]
    public string Branch { get; set; } = "main";

    /// <summary>
    /// The repository's own test command (<c>pytest -q tests/</c>, <c>go test ./...</c>), run in a sandbox on every candidate fix
    /// and on the base without it. None: fixes are proposed untested, and the plan says so.
    /// </summary>
    public string? TestCommand { get; set; }

    /// <summary>The prefix stack traces put before repository paths (e.g. /app/), stripped to map frames onto files.</summary>
    public string? PathInStackTraces { get; set; }
}

/// <summary>kind: file (path may be a glob; rotated and .gz files included) or loki (url + query).</summary>
public sealed class LogSourceConfig
{
    public string Kind { get; set; } = "file";
    public string? Path { get; set; }
    public string? Url { get; set; }
    public string? Query { get; set; }
}

/// <summary>
/// role: error_ratio | latency | saturation | traffic | other (context series such as a certificate probe or a sequence). source: prometheus (url, PromQL query) or
/// openmetrics (a file, query = a series selector such as name{label="v"}).
/// </summary>
public sealed class MetricQueryConfig
{
    public string Role { get; set; } = "error_ratio";
    public string Source { get; set; } = "prometheus";
    public string? Url { get; set; }
    public string? Path { get; set; }
    public string Query { get; set; } = "";
}

public sealed class CatalogFile
{
    public List<ServiceDefinition> Services { get; set; } = [];
}
