using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Features.Remediation.Executors;

/// <summary>
/// Where actions really happen and how they are checked: the Alertmanager that takes silences, the URL and
/// secret of each runbook tool, the hosts runbook calls may go to, and the Prometheus postconditions query.
/// Nothing here has a default host: an absent URL means "not configured" and the executor says what to set.
/// </summary>
public sealed class RemediationExecutorOptions : IValidatableObject
{
    public const string SectionName = "Remediation";

    /// <summary><c>Remediation:Alertmanager:Url</c>, e.g. <c>http://127.0.0.1:9093</c>.</summary>
    public ExecutorEndpoint Alertmanager { get; set; } = new();

    /// <summary><c>Remediation:Prometheus:Url</c>: the Prometheus metric postconditions are evaluated against.</summary>
    public ExecutorEndpoint Prometheus { get; set; } = new();

    /// <summary><c>Remediation:Runbooks:&lt;tool&gt;:Url</c> and <c>:Secret</c>, keyed by the tool name (<c>runbook.rollback</c> ...).</summary>
    public Dictionary<string, RunbookEndpoint> Runbooks { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Hosts a runbook URL may name (exact host names, case-insensitive). Anything else is refused before sending.</summary>
    public List<string> RunbookAllowedHosts { get; set; } = [];

    /// <summary>Each runbook attempt gets at most this long.</summary>
    [Range(0.1, 300)]
    public double RunbookTimeoutSeconds { get; set; } = 10;

    /// <summary>The first retry of an idempotent runbook call waits this long, the next twice as long.</summary>
    [Range(0, 10_000)]
    public int RunbookRetryBackoffMilliseconds { get; set; } = 500;

    /// <summary>One call to Alertmanager or Prometheus, or one health check, gets at most this long.</summary>
    [Range(0.1, 300)]
    public double CallTimeoutSeconds { get; set; } = 10;

    public TimeSpan RunbookTimeout => TimeSpan.FromSeconds(RunbookTimeoutSeconds);

    public TimeSpan CallTimeout => TimeSpan.FromSeconds(CallTimeoutSeconds);

    /// <summary>A configured URL that is not absolute http(s) fails the start, naming its key.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var urls = new List<(string Key, string? Url)>
        {
            ($"{SectionName}:Alertmanager:Url", Alertmanager.Url),
            ($"{SectionName}:Prometheus:Url", Prometheus.Url),
        };
        urls.AddRange(Runbooks.Select(r => ($"{SectionName}:Runbooks:{r.Key}:Url", r.Value.Url)));
        return urls.Where(u => !string.IsNullOrWhiteSpace(u.Url) && HttpUrl(u.Url) is null)
            .Select(u => new ValidationResult($"{u.Key} '{u.Url}' is not an absolute http(s) URL"));
    }

    /// <summary>The URL when it is an absolute http or https URL, else null.</summary>
    public static Uri? HttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;

    /// <summary>The URL as a base for relative API paths (a trailing slash, so <c>api/v2/...</c> is appended, not substituted).</summary>
    public static Uri? BaseUrl(string? url) =>
        HttpUrl(url) is { } uri ? new Uri(uri.AbsoluteUri.EndsWith('/') ? uri.AbsoluteUri : uri.AbsoluteUri + "/") : null;
}

public sealed class ExecutorEndpoint
{
    public string? Url { get; set; }
}

public sealed class RunbookEndpoint
{
    public string? Url { get; set; }

    /// <summary>The HMAC-SHA256 key of <c>X-IncidentHub-Signature</c>. Never logged, never in a URL.</summary>
    public string? Secret { get; set; }
}
