using System.Diagnostics;
using IncidentHub.Analysis.Diagnosis;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Investigation.Connectors;

/// <summary>
/// HTTP GET health checks, only to hosts on <see cref="InvestigationOptions.HealthCheckAllowedHosts"/>:
/// a catalog entry must not turn the hub into a request forwarder to arbitrary hosts. Redirects are
/// not followed (a redirect could leave the allowlist).
/// </summary>
public sealed class HealthConnector(HttpClient http, IOptions<InvestigationOptions> options, TimeProvider clock)
{
    public bool IsAllowed(Uri url) =>
        url.Scheme is "http" or "https"
        && options.Value.HealthCheckAllowedHosts.Any(h => string.Equals(h, url.Host, StringComparison.OrdinalIgnoreCase));

    /// <summary>Checks one URL. Refused (not allowed) throws <see cref="HealthCheckRefusedException"/> without any request.</summary>
    public async Task<HealthResult> CheckAsync(string url, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !IsAllowed(uri))
        {
            throw new HealthCheckRefusedException($"{url} is not on Investigation:HealthCheckAllowedHosts; not called.");
        }

        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, ct);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new HealthResult(url, (int)response.StatusCode, Math.Round(elapsed, 1), response.IsSuccessStatusCode ? null : response.ReasonPhrase, clock.GetUtcNow());
    }
}

public sealed class HealthCheckRefusedException(string message) : InvalidOperationException(message);
