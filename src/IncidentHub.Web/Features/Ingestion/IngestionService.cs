using IncidentHub.Web.Infrastructure.Security;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Observability;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using IncidentHub.Web.Infrastructure.Errors;

namespace IncidentHub.Web.Features.Ingestion;

public sealed record IncidentRef(Guid Id, int Number, string Reference, bool Opened);

/// <summary>How a received payload ended, for the webhook's answer.</summary>
public abstract record ReceiveResult(long EventId)
{
    /// <summary>Stored; applied already when the sender asked to wait (Incidents), else queued.</summary>
    public sealed record Accepted(long EventId, int AlertCount, bool Applied, IReadOnlyList<IncidentRef> Incidents, SourceNotice? Notice) : ReceiveResult(EventId);

    /// <summary>Stored as Rejected: the sender's payload is wrong in the way Error says.</summary>
    public sealed record Rejected(long EventId, int Status, string Error) : ReceiveResult(EventId);
}

/// <summary>
/// The webhook path: authenticate the integration token, commit the raw body (group commit),
/// parse it, and hand it to the in-process batch applier. Nothing is looked at before it is stored;
/// nothing stored is lost: rejected and failed rows stay visible and can be replayed.
/// </summary>
public sealed class IngestionService(
    AppDbContext db,
    InboxWriter inbox,
    InboxProcessor processor,
    IMemoryCache cache,
    IOptions<IngestionOptions> options,
    WebhookSignatureCheck signatures,
    TokenLookupGuard lookups,
    IncidentHubMetrics metrics,
    TimeProvider clock)
{
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>The integration of <paramref name="token"/>; a token unknown of late, or a client trying many, never reaches the database.</summary>
    public async Task<Integration?> AuthenticateAsync(SourceKind kind, string token, string clientAddress, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200)
        {
            return null;
        }

        var hash = SecretTokens.Hash(token);
        if (!cache.TryGetValue(CacheKey(hash), out Integration? integration))
        {
            if (lookups.IsKnownUnknown(hash))
            {
                return null;
            }

            lookups.EnsureMayLookUp(clientAddress);
            integration = await db.Integrations.AsNoTracking().SingleOrDefaultAsync(i => i.TokenHash == hash, ct);
            if (integration is not null)
            {
                cache.Set(CacheKey(hash), integration, options.Value.TokenCacheTtl);
            }
            else
            {
                lookups.RememberUnknown(hash, clientAddress);
            }
        }

        return integration?.Kind == kind ? integration : null;
    }

    public static string CacheKey(string tokenHash) => $"integration-token:{tokenHash}";

    public bool IsOverloaded => processor.IsOverloaded;

    public async Task<ReceiveResult> ReceiveAsync(Integration integration, Dictionary<string, string> headers, byte[] body, long size, bool wait, CancellationToken ct)
    {
        var result = await ReceiveStoredAsync(integration, headers, body, size, wait, ct);
        var source = integration.Kind.ToString().ToLowerInvariant();
        if (result is ReceiveResult.Accepted accepted)
        {
            metrics.AlertsReceived(source, "accepted", accepted.AlertCount);
        }
        else
        {
            metrics.AlertsReceived(source, "rejected", 1);
        }

        return result;
    }

    private async Task<ReceiveResult> ReceiveStoredAsync(Integration integration, Dictionary<string, string> headers, byte[] body, long size, bool wait, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (size > MaxBodyBytes)
        {
            var tooLarge = $"The body is {size} bytes; the limit is {MaxBodyBytes} bytes (1 MiB). Send fewer alerts per request.";
            var id = await inbox.AppendAsync(new RawEventDraft(integration.Id, now, headers, body, size, RawEventStatus.Rejected, tooLarge, 0));
            return new ReceiveResult.Rejected(id, StatusCodes.Status413PayloadTooLarge, tooLarge);
        }

        var caseless = headers.Comparer.Equals(StringComparer.OrdinalIgnoreCase) ? headers : new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        var signature = await signatures.CheckAsync(integration, caseless, body, ct);
        if (signature.Error is { } unsigned)
        {
            var id = await inbox.AppendAsync(new RawEventDraft(integration.Id, now, headers, body, size, RawEventStatus.Rejected, unsigned, 0));
            return new ReceiveResult.Rejected(id, signature.Status, unsigned);
        }

        try
        {
            return await ReceiveVerifiedAsync(integration, headers, caseless, body, size, wait, now);
        }
        catch (Exception) when (signature.Seen is { } seen)
        {
            // Not stored: the sender's retry of this very request must not be refused as a replay.
            await signatures.ForgetAsync(integration.Id, seen);
            throw;
        }
    }

    private async Task<ReceiveResult> ReceiveVerifiedAsync(Integration integration, Dictionary<string, string> headers, Dictionary<string, string> caseless, byte[] body, long size, bool wait, DateTimeOffset now)
    {

        if (NotJson(caseless.GetValueOrDefault("Content-Type")) is { } contentType)
        {
            var unsupported = $"The Content-Type is '{AlertSources.Excerpt(contentType)}', which is not JSON. Send the body as application/json "
                + "(or any +json type, or text/plain as Amazon SNS does); a request without a Content-Type is read as JSON too.";
            var id = await inbox.AppendAsync(new RawEventDraft(integration.Id, now, headers, body, size, RawEventStatus.Rejected, unsupported, 0));
            return new ReceiveResult.Rejected(id, StatusCodes.Status415UnsupportedMediaType, unsupported);
        }

        var parsed = AlertSources.Parse(integration.Kind, body, now, caseless);
        if (parsed.Error is not null)
        {
            var id = await inbox.AppendAsync(new RawEventDraft(integration.Id, now, headers, body, size, RawEventStatus.Rejected, parsed.Error, 0));
            return new ReceiveResult.Rejected(id, StatusCodes.Status400BadRequest, parsed.Error);
        }

        var eventId = await inbox.AppendAsync(new RawEventDraft(integration.Id, now, headers, body, size, RawEventStatus.Received, null, parsed.Alerts.Count));
        return await HandOverAsync(new ParsedEvent(eventId, integration.Id, parsed.Alerts, ImportScope.Of(caseless)), parsed.Notice, wait);
    }

    /// <summary>Read as JSON, with any +json type; the JSON parser says whether the body really is.</summary>
    private static readonly HashSet<string> JsonMediaTypes = new(["application/json", "text/json", "text/plain"], StringComparer.Ordinal);

    /// <summary>
    /// The media type when it is clearly not JSON, else null. JSON is: no Content-Type at all, application/json,
    /// text/json, any +json type (application/vnd.x+json) and text/plain, which is how Amazon SNS sends its JSON.
    /// </summary>
    internal static string? NotJson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var mediaType = contentType.Split(';', 2)[0].Trim().ToLowerInvariant();
        return mediaType.Length == 0 || JsonMediaTypes.Contains(mediaType) || mediaType.EndsWith("+json", StringComparison.Ordinal)
            ? null
            : mediaType;
    }

    /// <summary>Applies a stored Rejected or Failed payload again (after a fix), as if it had just arrived.</summary>
    public async Task<ReceiveResult> ReplayAsync(long eventId, CancellationToken ct)
    {
        var raw = await db.AlertEvents.AsNoTracking().SingleOrDefaultAsync(e => e.Id == eventId, ct)
            ?? throw new NotFoundException($"There is no raw event {eventId}.", "Raw event not found");
        if (raw.Status is RawEventStatus.Processed or RawEventStatus.Received)
        {
            throw new InvalidInputException($"Raw event {eventId} is {raw.Status}; only rejected or failed payloads are replayed.", "Not replayable");
        }

        var kind = await db.Integrations.Where(i => i.Id == raw.IntegrationId).Select(i => i.Kind).SingleAsync(ct);
        var headers = new Dictionary<string, string>(raw.Headers, StringComparer.OrdinalIgnoreCase);
        var parsed = AlertSources.Parse(kind, raw.Body, raw.ReceivedAt, headers);
        if (raw.BodySize > raw.Body.Length || parsed.Error is not null)
        {
            var error = raw.BodySize > raw.Body.Length ? "Only the first part of this oversize body was kept; it cannot be replayed." : parsed.Error!;
            await db.AlertEvents.Where(e => e.Id == eventId).ExecuteUpdateAsync(s => s.SetProperty(e => e.Error, error), ct);
            return new ReceiveResult.Rejected(eventId, StatusCodes.Status400BadRequest, error);
        }

        await db.AlertEvents.Where(e => e.Id == eventId).ExecuteUpdateAsync(
            s => s.SetProperty(e => e.Status, RawEventStatus.Received).SetProperty(e => e.Error, (string?)null).SetProperty(e => e.ProcessedAt, (DateTimeOffset?)null), ct);
        return await HandOverAsync(new ParsedEvent(eventId, raw.IntegrationId, parsed.Alerts, ImportScope.Of(headers)), parsed.Notice, wait: true);
    }

    private async Task<ReceiveResult> HandOverAsync(ParsedEvent parsed, SourceNotice? notice, bool wait)
    {
        if (!wait)
        {
            processor.Enqueue(parsed);
            return new ReceiveResult.Accepted(parsed.EventId, parsed.Alerts.Count, false, [], notice);
        }

        var applied = processor.WatchAsync(parsed.EventId);
        processor.Enqueue(parsed);
        try
        {
            var incidents = await applied.WaitAsync(options.Value.WaitTimeout);
            return new ReceiveResult.Accepted(parsed.EventId, parsed.Alerts.Count, true, incidents, notice);
        }
        catch (TimeoutException)
        {
            processor.Forget(parsed.EventId);
            return new ReceiveResult.Accepted(parsed.EventId, parsed.Alerts.Count, false, [], notice);
        }
    }
}
