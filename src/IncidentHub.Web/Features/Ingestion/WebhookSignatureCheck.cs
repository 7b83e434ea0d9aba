using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>The outcome of a signature check: null Error is a pass (Seen names the replay-cache row it took, if any).</summary>
public sealed record SignatureVerdict(int Status, string? Error, string? Seen)
{
    public static readonly SignatureVerdict Unsigned = new(StatusCodes.Status200OK, null, null);
}

/// <summary>
/// A timestamped signature accepted once: one row per (integration, signature) until the timestamp leaves the
/// tolerance, after which the timestamp check alone refuses it. The primary key makes the "first one wins" decision
/// in PostgreSQL, so it holds across any number of web processes (docs/decisions/029).
/// </summary>
public sealed class SeenWebhookSignature
{
    public Guid IntegrationId { get; set; }

    /// <summary>SHA-256 (hex) of the signed content: the same request, whichever header spelling carried it.</summary>
    public string Digest { get; set; } = "";

    public DateTimeOffset ExpiresAt { get; set; }
}

internal sealed class SeenWebhookSignatureConfiguration : IEntityTypeConfiguration<SeenWebhookSignature>
{
    public void Configure(EntityTypeBuilder<SeenWebhookSignature> builder)
    {
        builder.ToTable("webhook_signatures_seen");
        builder.HasKey(s => new { s.IntegrationId, s.Digest });
        builder.Property(s => s.IntegrationId).HasColumnName("integration_id");
        builder.Property(s => s.Digest).HasColumnName("digest").HasMaxLength(64);
        builder.Property(s => s.ExpiresAt).HasColumnName("expires_at");
        builder.HasIndex(s => new { s.IntegrationId, s.ExpiresAt });
        builder.HasOne<Integration>().WithMany().HasForeignKey(s => s.IntegrationId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>
/// Checks an integration's webhook signature: the current secret or, during a rotation's overlap window, the previous
/// one; with <c>X-Signature-Timestamp</c> (unix seconds) the signature covers "{timestamp}.{body}", the timestamp must be
/// within Ingestion:SignatureTolerance of now, and the same signed request is accepted only once.
/// </summary>
public sealed class WebhookSignatureCheck(AppDbContext db, SigningSecrets signingSecrets, IOptions<IngestionOptions> options, TimeProvider clock)
{
    public const string TimestampHeader = "X-Signature-Timestamp";

    public async Task<SignatureVerdict> CheckAsync(Integration integration, IReadOnlyDictionary<string, string> headers, byte[] body, CancellationToken ct)
    {
        if (integration.SigningSecretProtected is not { } current)
        {
            return SignatureVerdict.Unsigned;
        }

        var now = clock.GetUtcNow();
        var secrets = new List<string> { signingSecrets.Unprotect(current) };
        if (integration.PreviousSigningSecretAt(now) is { } previous)
        {
            secrets.Add(signingSecrets.Unprotect(previous));
        }

        var pagerDuty = integration.Kind == SourceKind.PagerDuty;
        var header = pagerDuty ? "X-PagerDuty-Signature" : "X-Signature";
        var timestamp = headers.GetValueOrDefault(TimestampHeader)?.Trim();
        if (timestamp is null)
        {
            if (integration.RequireSignatureTimestamp)
            {
                return Refused($"The {TimestampHeader} header (unix seconds) is missing; this integration requires signatures over \"{{timestamp}}.{{body}}\".");
            }

            return Verify(pagerDuty, body, headers.GetValueOrDefault(header), secrets)
                ? SignatureVerdict.Unsigned
                : Refused(pagerDuty
                    ? "The X-PagerDuty-Signature header is missing or does not match this body and the integration's signing secret."
                    : "The X-Signature header (sha256=<hex HMAC-SHA256 of the body>) is missing or does not match this body and the integration's signing secret.");
        }

        if (timestamp.Length > 12 || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return Refused($"The {TimestampHeader} header must be unix seconds (digits only).");
        }

        var tolerance = options.Value.SignatureTolerance;
        var signedAt = DateTimeOffset.FromUnixTimeSeconds(Math.Min(seconds, 253_402_300_799));
        var age = now - signedAt;
        if (age > tolerance)
        {
            return Refused($"The signed timestamp is {(long)age.TotalSeconds} s old; signatures are accepted for {(long)tolerance.TotalSeconds} s. Sign each request when it is sent.");
        }

        if (-age > tolerance)
        {
            return Refused($"The signed timestamp is {(long)(-age).TotalSeconds} s in the future; at most {(long)tolerance.TotalSeconds} s of clock skew is accepted.");
        }

        var content = WebhookSignatures.SignedContent(timestamp, body);
        if (!Verify(pagerDuty, content, headers.GetValueOrDefault(header), secrets))
        {
            return Refused($"The {header} header is missing or is not the HMAC-SHA256 of \"{{{TimestampHeader}}}.{{body}}\" with the integration's signing secret.");
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(content));
        return await FirstSightingAsync(integration.Id, digest, signedAt + tolerance, now, ct)
            ? new SignatureVerdict(StatusCodes.Status200OK, null, digest)
            : new SignatureVerdict(StatusCodes.Status409Conflict,
                "This signed request was already received (same timestamp, same body): a replay is refused. Sign each delivery with its own timestamp.", null);
    }

    /// <summary>Gives a sighting back when the request it belonged to was not stored (the sender's retry must not look like a replay).</summary>
    public async Task ForgetAsync(Guid integrationId, string digest)
    {
        await db.Database.ExecuteSqlAsync($"DELETE FROM webhook_signatures_seen WHERE integration_id = {integrationId} AND digest = {digest}", CancellationToken.None);
    }

    /// <summary>
    /// One statement: drops this integration's expired sightings (the table holds at most one tolerance window of
    /// accepted requests) and records this one; 0 rows inserted means another request, on any process, had it first.
    /// </summary>
    private async Task<bool> FirstSightingAsync(Guid integrationId, string digest, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken ct)
    {
        var inserted = await db.Database.ExecuteSqlAsync($"""
            WITH expired AS (DELETE FROM webhook_signatures_seen WHERE integration_id = {integrationId} AND expires_at < {now})
            INSERT INTO webhook_signatures_seen (integration_id, digest, expires_at) VALUES ({integrationId}, {digest}, {expiresAt})
            ON CONFLICT DO NOTHING
            """, ct);
        return inserted == 1;
    }

    private static bool Verify(bool pagerDuty, byte[] content, string? header, IReadOnlyList<string> secrets) =>
        pagerDuty ? WebhookSignatures.VerifyPagerDuty(content, header, secrets) : WebhookSignatures.VerifyHmacSha256(content, header, secrets);

    private static SignatureVerdict Refused(string error) => new(StatusCodes.Status401Unauthorized, error, null);

    /// <summary>The headers a sender puts on <paramref name="body"/> signed with <paramref name="secret"/> at <paramref name="at"/> (the test alert uses this).</summary>
    public static Dictionary<string, string> Sign(SourceKind kind, byte[] body, string secret, DateTimeOffset? at)
    {
        var timestamp = at?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), WebhookSignatures.SignedContent(timestamp, body)));
        var headers = kind == SourceKind.PagerDuty
            ? new Dictionary<string, string> { ["X-PagerDuty-Signature"] = $"v1={signature}" }
            : new Dictionary<string, string> { ["X-Signature"] = $"sha256={signature}" };
        if (timestamp is not null)
        {
            headers[TimestampHeader] = timestamp;
        }

        return headers;
    }
}
