using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Remediation.Executors;

/// <summary>
/// What a silence action asks of Alertmanager. <paramref name="Matchers"/> is <c>label=value,label2=value2</c>
/// (equality only); the comment sent is <see cref="Marker"/> followed by <paramref name="Reason"/>, so that a re-run
/// job finds the silence it already created (<see cref="AlertmanagerSilences.FindActiveAsync"/>).
/// </summary>
public sealed record SilenceSpec(string Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string CreatedBy, string Incident, Guid ActionId, string? Reason = null)
{
    public string Marker => MarkerFor(Incident, ActionId);

    public string Comment => string.IsNullOrWhiteSpace(Reason) ? Marker : $"{Marker}: {Reason}";

    /// <summary>The idempotency marker in a silence's comment: <c>IncidentHub INC-12 action &lt;actionId&gt;</c>.</summary>
    public static string MarkerFor(string incident, Guid actionId) => $"IncidentHub {incident} action {actionId}";
}

/// <summary>One equality matcher of a silence.</summary>
public sealed record SilenceMatcher(string Name, string Value);

/// <summary>
/// Alertmanager said no, could not be reached, or is not configured. The message is ready for the timeline;
/// <see cref="StatusCode"/> and <see cref="BodyExcerpt"/> (at most 2 KB) are what Alertmanager answered, when it did.
/// </summary>
public sealed class AlertmanagerException(string message, int? statusCode = null, string? bodyExcerpt = null, Exception? inner = null)
    : UnavailableException(message, "Alertmanager", inner)
{
    public int? StatusCode { get; } = statusCode;

    public string? BodyExcerpt { get; } = bodyExcerpt;
}

/// <summary>
/// Silences through the Alertmanager v2 API (<c>Remediation:Alertmanager:Url</c>): create, find the one an action
/// already created, expire. Every failure is an <see cref="AlertmanagerException"/>; nothing is sent when the
/// URL is not configured or a matcher is not a plain <c>label=value</c>.
/// </summary>
public sealed partial class AlertmanagerSilences(HttpClient http, IOptions<RemediationExecutorOptions> options, ILogger<AlertmanagerSilences> logger)
{
    private const int LongestValue = 1024;

    /// <summary>Creates the silence and returns Alertmanager's id for it.</summary>
    public async Task<string> CreateAsync(SilenceSpec spec, CancellationToken ct)
    {
        var matchers = ParseMatchers(spec.Matchers);
        if (spec.EndsAt <= spec.StartsAt)
        {
            throw new AlertmanagerException($"The silence ends ({spec.EndsAt:u}) before it starts ({spec.StartsAt:u}); not sent.");
        }

        if (string.IsNullOrWhiteSpace(spec.CreatedBy))
        {
            throw new AlertmanagerException("The silence names nobody as its creator; not sent.");
        }

        var body = new PostableSilence(
            matchers.Select(m => new WireMatcher(m.Name, m.Value, IsRegex: false, IsEqual: true)).ToList(),
            spec.StartsAt.UtcDateTime, spec.EndsAt.UtcDateTime, spec.CreatedBy, spec.Comment);
        var created = await SendAsync(HttpMethod.Post, "api/v2/silences", JsonContent.Create(body, options: Json),
            response => response.Content.ReadFromJsonAsync<SilenceCreated>(Json, ct), ct);
        var id = created?.SilenceId ?? throw new AlertmanagerException("Alertmanager accepted the silence but named no silenceID.");
        logger.LogInformation("Created Alertmanager silence {SilenceId} for {Marker}", id, spec.Marker);
        return id;
    }

    /// <summary>
    /// The id of a silence in force (active, or pending: starting later) whose comment contains <paramref name="marker"/>,
    /// or null. An expired one is not adopted: it was rolled back or ran out.
    /// </summary>
    public async Task<string?> FindActiveAsync(string marker, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(marker))
        {
            throw new ArgumentException("A marker is needed to find a silence by.", nameof(marker));
        }

        var silences = await SendAsync(HttpMethod.Get, "api/v2/silences", null,
            response => response.Content.ReadFromJsonAsync<List<GettableSilence>>(Json, ct), ct) ?? [];
        return silences
            .Where(s => s.Status?.State is "active" or "pending" && s.Comment?.Contains(marker, StringComparison.Ordinal) == true)
            .OrderByDescending(s => s.Status?.State == "active")
            .Select(s => s.Id)
            .FirstOrDefault();
    }

    /// <summary>Expires the silence (<c>DELETE /api/v2/silence/{id}</c>). One that has already expired counts as done.</summary>
    public async Task ExpireAsync(string silenceId, CancellationToken ct)
    {
        if (!Guid.TryParse(silenceId, out var id))
        {
            throw new AlertmanagerException($"'{silenceId}' is not an Alertmanager silence id; nothing expired.");
        }

        try
        {
            await SendAsync<object?>(HttpMethod.Delete, $"api/v2/silence/{id}", null, _ => Task.FromResult<object?>(null), ct);
        }
        catch (AlertmanagerException ex) when (ex.BodyExcerpt?.Contains("already expired", StringComparison.OrdinalIgnoreCase) == true)
        {
            // Alertmanager 0.25 answers 500 "silence ... already expired": the rollback already happened.
        }

        logger.LogInformation("Expired Alertmanager silence {SilenceId}", id);
    }

    /// <summary>
    /// <c>label=value,label2=value2</c> as equality matchers. Refused: other operators (<c>!=</c>, <c>=~</c>, <c>!~</c>),
    /// label names Alertmanager would not accept, empty values (they match every alert without the label), repeats.
    /// Values may be wrapped in double quotes.
    /// </summary>
    public static IReadOnlyList<SilenceMatcher> ParseMatchers(string text)
    {
        var matchers = new List<SilenceMatcher>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw Bad($"'{part}' is not label=value");
            }

            var name = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            if (name.EndsWith('!') || value.StartsWith('~'))
            {
                throw Bad($"'{part}' is not an equality matcher; only label=value silences are created");
            }

            if (!LabelName().IsMatch(name))
            {
                throw Bad($"'{name}' is not a label name");
            }

            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1];
            }

            if (value.Length == 0)
            {
                throw Bad($"'{name}' has an empty value, which would match every alert without that label");
            }

            if (value.Length > LongestValue || value.Any(char.IsControl) || value.Contains('"', StringComparison.Ordinal))
            {
                throw Bad($"the value of '{name}' is longer than {LongestValue} characters or holds quotes or control characters");
            }

            if (matchers.Any(m => m.Name == name))
            {
                throw Bad($"'{name}' is given twice");
            }

            matchers.Add(new SilenceMatcher(name, value));
        }

        return matchers.Count > 0 ? matchers : throw Bad("no matcher given; a silence without matchers is refused");

        static AlertmanagerException Bad(string why) => new($"Silence matchers: {why}; not sent.");
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, Func<HttpResponseMessage, Task<T>> read, CancellationToken ct)
    {
        var configured = options.Value;
        var baseUrl = RemediationExecutorOptions.BaseUrl(configured.Alertmanager.Url)
            ?? throw new AlertmanagerException(
                $"Alertmanager is not configured: set {RemediationExecutorOptions.SectionName}:Alertmanager:Url to its address (e.g. http://127.0.0.1:9093); nothing was sent.");
        using var request = new HttpRequestMessage(method, new Uri(baseUrl, path)) { Content = content };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(configured.CallTimeout);
        var what = $"{method} /{path}";
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                var excerpt = await ResponseExcerpt.ReadAsync(response, timeout.Token);
                throw new AlertmanagerException($"Alertmanager answered {(int)response.StatusCode} to {what}: {excerpt.Trim()}", (int)response.StatusCode, excerpt);
            }

            return await read(response);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new AlertmanagerException($"Alertmanager did not answer {what} within {configured.CallTimeoutSeconds:0.#} s.", inner: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new AlertmanagerException($"Alertmanager at {baseUrl} could not be reached for {what}: {ex.Message}", inner: ex);
        }
        catch (JsonException ex)
        {
            throw new AlertmanagerException($"Alertmanager's answer to {what} is not the v2 API's JSON: {ex.Message}", inner: ex);
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record WireMatcher(string Name, string Value, bool IsRegex, bool IsEqual);

    private sealed record PostableSilence(IReadOnlyList<WireMatcher> Matchers, DateTime StartsAt, DateTime EndsAt, string CreatedBy, string Comment);

    private sealed record SilenceCreated([property: JsonPropertyName("silenceID")] string? SilenceId);

    private sealed record GettableSilence(string Id, string? Comment, SilenceStatus? Status);

    private sealed record SilenceStatus(string? State);

    // Alertmanager's own rule for label names (model.LabelNameRE).
    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}
