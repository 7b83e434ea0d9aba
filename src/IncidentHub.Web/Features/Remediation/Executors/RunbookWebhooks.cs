using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IncidentHub.Analysis.Remediation;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Remediation.Executors;

/// <summary>One runbook action as it is sent: the JSON body is exactly these five fields.</summary>
public sealed record RunbookCall(string Incident, Guid ActionId, string Tool, string Target, IReadOnlyDictionary<string, string> Arguments)
{
    /// <summary>What the receiver dedupes on: the action id, or the action id and ":rollback" for the call that undoes it.</summary>
    public string IdempotencyKey => Arguments.GetValueOrDefault("rollback") == "true" ? $"{ActionId}:rollback" : ActionId.ToString();
}

public enum RunbookOutcome
{
    /// <summary>The receiver answered 2xx.</summary>
    Succeeded,

    /// <summary>Sent, and every attempt ended in a non-2xx answer, a timeout or a connection error.</summary>
    Failed,

    /// <summary>Nothing was sent: the tool has no URL or secret, or its URL is not allowed. <see cref="RunbookResult.Detail"/> says what to configure.</summary>
    NotConfigured,
}

/// <summary>What happened to a runbook call, for the timeline and the audit: the last answer's status and body (at most 2 KB).</summary>
public sealed record RunbookResult(RunbookOutcome Outcome, string Detail, int? StatusCode, string? ResponseExcerpt, int Attempts, TimeSpan Elapsed)
{
    public bool Succeeded => Outcome == RunbookOutcome.Succeeded;
}

/// <summary>
/// Runbook tools (<see cref="ToolRegistry.RunbookTools"/>) as signed HTTP POSTs to the URL configured for the tool
/// (<c>Remediation:Runbooks:&lt;tool&gt;:Url</c>, host on <c>Remediation:RunbookAllowedHosts</c>). Headers:
/// <c>X-IncidentHub-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;body&gt;")&gt;</c> and
/// <c>Idempotency-Key: &lt;action id&gt;</c>. Retries (3 attempts in all) only for tools the registry marks idempotent,
/// and only after a 5xx, a timeout or a connection error; a 4xx is the receiver's final word. Redirects are not
/// followed (one could leave the allowlist).
/// </summary>
public sealed class RunbookWebhooks(HttpClient http, IOptions<RemediationExecutorOptions> options, ToolRegistry registry, TimeProvider clock, ILogger<RunbookWebhooks> logger)
{
    public const string SignatureHeader = "X-IncidentHub-Signature";
    public const string IdempotencyHeader = "Idempotency-Key";
    public const int MaxAttempts = 3;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<RunbookResult> CallAsync(RunbookCall call, CancellationToken ct)
    {
        var configured = options.Value;
        if (Refusal(call.Tool, configured) is { } refusal)
        {
            logger.LogWarning("Runbook {Tool} for action {ActionId} not sent: {Refusal}", call.Tool, call.ActionId, refusal);
            return new RunbookResult(RunbookOutcome.NotConfigured, refusal, null, null, 0, TimeSpan.Zero);
        }

        var endpoint = configured.Runbooks[call.Tool];
        var url = RemediationExecutorOptions.HttpUrl(endpoint.Url)!;
        var body = JsonSerializer.Serialize(new { incident = call.Incident, actionId = call.ActionId, tool = call.Tool, target = call.Target, arguments = call.Arguments }, Json);
        var attemptsAllowed = registry.Find(call.Tool)?.Idempotent == true ? MaxAttempts : 1;
        var started = Stopwatch.GetTimestamp();
        var attempt = 0;
        while (true)
        {
            attempt++;
            var (status, excerpt, failure) = await AttemptAsync(url, endpoint.Secret!, call.IdempotencyKey, body, configured.RunbookTimeout, ct);
            var retryable = status is null or >= 500;
            if (failure is null || !retryable || attempt >= attemptsAllowed)
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                var detail = failure is null
                    ? $"{call.Tool} answered {status} in {Describe(attempt, elapsed)}"
                    : $"{call.Tool} failed: {failure} ({Describe(attempt, elapsed)}{(retryable && attemptsAllowed == 1 ? "; not retried: the tool is not idempotent" : "")})";
                logger.LogInformation("Runbook {Tool} for action {ActionId} to {Host}: {Status} after {Attempts} attempt(s)", call.Tool, call.ActionId, url.Host, status, attempt);
                return new RunbookResult(failure is null ? RunbookOutcome.Succeeded : RunbookOutcome.Failed, detail, status, excerpt, attempt, elapsed);
            }

            logger.LogWarning("Runbook {Tool} for action {ActionId}, attempt {Attempt}: {Failure}; retrying", call.Tool, call.ActionId, attempt, failure);
            await Task.Delay(TimeSpan.FromMilliseconds(configured.RunbookRetryBackoffMilliseconds * (1 << (attempt - 1))), clock, ct);
        }
    }

    /// <summary>The header value for a body signed at <paramref name="at"/>: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;body&gt;")&gt;</c>.</summary>
    public static string Sign(string secret, DateTimeOffset at, string body)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>Why nothing may be sent for this tool, phrased as what to configure; null when the call may go out.</summary>
    private static string? Refusal(string tool, RemediationExecutorOptions configured)
    {
        var key = $"{RemediationExecutorOptions.SectionName}:Runbooks:{tool}";
        if (!ToolRegistry.RunbookTools.Contains(tool))
        {
            return $"'{tool}' is not a runbook tool (those are {string.Join(", ", ToolRegistry.RunbookTools.Order(StringComparer.Ordinal))}); nothing was sent.";
        }

        var endpoint = configured.Runbooks.GetValueOrDefault(tool);
        if (string.IsNullOrWhiteSpace(endpoint?.Url))
        {
            return $"No runbook URL is configured for {tool}: set {key}:Url (and {key}:Secret) to the receiver that performs it, and add its host to {RemediationExecutorOptions.SectionName}:RunbookAllowedHosts; nothing was sent.";
        }

        if (RemediationExecutorOptions.HttpUrl(endpoint.Url) is not { } url)
        {
            return $"{key}:Url is not an absolute http(s) URL; nothing was sent.";
        }

        if (!configured.RunbookAllowedHosts.Any(h => string.Equals(h, url.Host, StringComparison.OrdinalIgnoreCase)))
        {
            return $"The host '{url.Host}' of {key}:Url is not allowed: add it to {RemediationExecutorOptions.SectionName}:RunbookAllowedHosts if calls may go there; nothing was sent.";
        }

        return string.IsNullOrEmpty(endpoint.Secret)
            ? $"No signing secret is configured for {tool}: set {key}:Secret (the receiver checks {SignatureHeader} with it); nothing was sent."
            : null;
    }

    /// <summary>One POST: the status and body excerpt when the receiver answered, and why it counts as a failure, if it does.</summary>
    private async Task<(int? Status, string? Excerpt, string? Failure)> AttemptAsync(Uri url, string secret, string idempotencyKey, string body, TimeSpan timeout, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add(SignatureHeader, Sign(secret, clock.GetUtcNow(), body));
        request.Headers.Add(IdempotencyHeader, idempotencyKey);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bounded.Token);
            var status = (int)response.StatusCode;
            var excerpt = await ResponseExcerpt.ReadAsync(response, bounded.Token);
            return (status, excerpt, response.IsSuccessStatusCode ? null : $"answered {status}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, null, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return (null, null, $"could not connect to {url.Host}: {ex.Message}");
        }
    }

    private static string Describe(int attempts, TimeSpan elapsed) =>
        $"{attempts} attempt{(attempts == 1 ? "" : "s")}, {elapsed.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";
}
