using System.Globalization;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Features.Investigation.Connectors;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Remediation.Executors;

public enum VerificationOutcome
{
    /// <summary>The postcondition held.</summary>
    Verified,

    /// <summary>The postcondition was checked and did not hold (a sample over the threshold, no data, a failing health URL).</summary>
    NotVerified,

    /// <summary>It could not be checked (Prometheus not configured or unreachable, a bad query, a URL not allowed): not evidence either way.</summary>
    CouldNotCheck,
}

/// <summary>
/// The verdict on a postcondition and why, in words for the timeline. <paramref name="WorstValue"/> is the sample
/// furthest on the wrong side (the highest for &lt; and &lt;=, the lowest for &gt; and &gt;=); for a health check, the status code.
/// </summary>
public sealed record VerificationResult(VerificationOutcome Outcome, string Reason, double? WorstValue, int Samples)
{
    public bool Verified => Outcome == VerificationOutcome.Verified;
}

/// <summary>
/// Evaluates an action's <see cref="Postcondition"/>: a metric one as a range query on <c>Remediation:Prometheus:Url</c>
/// over [at - window, at], verified when every sample of every series compares to the threshold; a health one as a
/// GET through the investigation's <see cref="HealthConnector"/> (same allowlist, <c>Investigation:HealthCheckAllowedHosts</c>).
/// </summary>
public sealed class PostconditionVerifier(PrometheusConnector prometheus, HealthConnector health, IOptions<RemediationExecutorOptions> options)
{
    public const string NoData = "no data";

    /// <summary>
    /// A metric postcondition is judged over [<paramref name="at"/> - window, <paramref name="at"/>]; a health one is
    /// called now (the caller runs it when the window has passed).
    /// </summary>
    public Task<VerificationResult> VerifyAsync(Postcondition condition, DateTimeOffset at, CancellationToken ct) => condition.Kind switch
    {
        PostconditionKind.Metric => VerifyMetricAsync(condition, at, ct),
        PostconditionKind.Health => VerifyHealthAsync(condition, ct),
        _ => Task.FromResult(new VerificationResult(VerificationOutcome.CouldNotCheck, $"unknown postcondition kind {condition.Kind}", null, 0)),
    };

    /// <summary>Whether <paramref name="value"/> satisfies the comparison; null when the comparison is not one of &lt;, &lt;=, &gt;, &gt;=.</summary>
    public static bool? Holds(double value, string comparison, double threshold) => comparison.Trim() switch
    {
        "<" => value < threshold,
        "<=" => value <= threshold,
        ">" => value > threshold,
        ">=" => value >= threshold,
        _ => null,
    };

    private async Task<VerificationResult> VerifyMetricAsync(Postcondition condition, DateTimeOffset at, CancellationToken ct)
    {
        if (Holds(0, condition.Comparison, condition.Threshold) is null)
        {
            return CouldNotCheck($"the comparison '{condition.Comparison}' is not one of <, <=, >, >=");
        }

        var configured = options.Value;
        if (RemediationExecutorOptions.BaseUrl(configured.Prometheus.Url) is not { } baseUrl)
        {
            return CouldNotCheck($"Prometheus is not configured: set {RemediationExecutorOptions.SectionName}:Prometheus:Url to check '{condition}'");
        }

        var from = at - condition.Window;
        var fetched = await Connector.BoundedAsync("prometheus", configured.CallTimeout,
            c => prometheus.QueryRangeAsync(baseUrl, condition.Query, MetricRole.Other, from, at, PrometheusConnector.StepFor(from, at), c), ct);
        if (!fetched.Ok)
        {
            return CouldNotCheck($"Prometheus could not answer '{condition.Query}': {fetched.Unavailable}");
        }

        var samples = fetched.Value!.SelectMany(s => s.Points.Select(p => (Series: s, Point: p))).ToList();
        if (samples.Count == 0)
        {
            return new VerificationResult(VerificationOutcome.NotVerified, NoData, null, 0);
        }

        var upperBound = condition.Comparison.Trim().StartsWith('<');
        var worst = upperBound ? samples.MaxBy(s => s.Point.Value) : samples.MinBy(s => s.Point.Value);
        var worstText = Number(worst.Point.Value);
        var window = $"{from:u} to {at:u}";
        var failing = samples.Count(s => Holds(s.Point.Value, condition.Comparison, condition.Threshold) != true);
        return failing == 0
            ? new VerificationResult(VerificationOutcome.Verified,
                $"all {samples.Count} samples of {fetched.Value!.Count} series {condition.Comparison.Trim()} {Number(condition.Threshold)} from {window} (worst {worstText})",
                worst.Point.Value, samples.Count)
            : new VerificationResult(VerificationOutcome.NotVerified,
                $"{failing} of {samples.Count} samples not {condition.Comparison.Trim()} {Number(condition.Threshold)} from {window}; worst {worstText} at {worst.Point.At:u} in {worst.Series.Name}",
                worst.Point.Value, samples.Count);
    }

    private async Task<VerificationResult> VerifyHealthAsync(Postcondition condition, CancellationToken ct)
    {
        if (!Uri.TryCreate(condition.Query, UriKind.Absolute, out var url) || !health.IsAllowed(url))
        {
            return CouldNotCheck($"{condition.Query} is not on Investigation:HealthCheckAllowedHosts; not called");
        }

        var fetched = await Connector.BoundedAsync("health", options.Value.CallTimeout, c => health.CheckAsync(condition.Query, c), ct);
        if (!fetched.Ok)
        {
            return new VerificationResult(VerificationOutcome.NotVerified, $"{condition.Query} did not answer: {fetched.Unavailable}", null, 0);
        }

        var result = fetched.Value!;
        var answered = $"{condition.Query} answered {result.StatusCode} in {Number(result.ElapsedMs)} ms";
        return result.StatusCode is >= 200 and < 300
            ? new VerificationResult(VerificationOutcome.Verified, answered, result.StatusCode, 1)
            : new VerificationResult(VerificationOutcome.NotVerified, answered, result.StatusCode, 1);
    }

    private static VerificationResult CouldNotCheck(string reason) => new(VerificationOutcome.CouldNotCheck, reason, null, 0);

    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
