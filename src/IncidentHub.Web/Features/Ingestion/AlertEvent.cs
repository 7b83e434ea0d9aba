namespace IncidentHub.Web.Features.Ingestion;

public enum RawEventStatus
{
    /// <summary>Stored, not processed yet.</summary>
    Received,

    /// <summary>Normalised and applied to alerts and incidents.</summary>
    Processed,

    /// <summary>The sender's fault (bad JSON, missing title, too large): answered 4xx.</summary>
    Rejected,

    /// <summary>Our fault: processing threw. The body is kept for a replay after the fix.</summary>
    Failed,
}

/// <summary>A raw request as received: the inbox row, written before anything else happens.</summary>
public sealed class AlertEvent
{
    private AlertEvent()
    {
    }

    public long Id { get; private set; }
    public Guid IntegrationId { get; private set; }
    public DateTimeOffset ReceivedAt { get; private set; }

    /// <summary>A few request headers worth keeping (content type, user agent, sender address).</summary>
    public Dictionary<string, string> Headers { get; private set; } = [];

    /// <summary>The body bytes as received (only the first part of an oversize body).</summary>
    public byte[] Body { get; private set; } = [];

    /// <summary>The body's full size in bytes, even when only part of it was kept.</summary>
    public long BodySize { get; private set; }

    public RawEventStatus Status { get; private set; }
    public string? Error { get; private set; }
    public DateTimeOffset? ProcessedAt { get; private set; }
    public int AlertCount { get; private set; }

    public static AlertEvent Receive(Guid integrationId, DateTimeOffset at, Dictionary<string, string> headers, byte[] body, long bodySize) =>
        new()
        {
            IntegrationId = integrationId,
            ReceivedAt = at,
            Headers = headers,
            Body = body,
            BodySize = bodySize,
            Status = RawEventStatus.Received,
        };

    public void MarkProcessed(int alertCount, DateTimeOffset at)
    {
        Status = RawEventStatus.Processed;
        AlertCount = alertCount;
        ProcessedAt = at;
        Error = null;
    }

    public void MarkRejected(string error, DateTimeOffset at)
    {
        Status = RawEventStatus.Rejected;
        Error = error;
        ProcessedAt = at;
    }

    public void MarkFailed(string error, DateTimeOffset at)
    {
        Status = RawEventStatus.Failed;
        Error = error;
        ProcessedAt = at;
    }
}
