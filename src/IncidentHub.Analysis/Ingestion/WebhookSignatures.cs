using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// HMAC-SHA256 checks of webhook bodies, over the raw bytes as received. Comparisons are constant-time;
/// a missing or garbled header, or an empty secret (anyone can compute that HMAC), never verifies.
/// </summary>
public static class WebhookSignatures
{
    private const int HmacSha256Length = 32;

    /// <summary>
    /// PagerDuty v3: <c>X-PagerDuty-Signature: v1=&lt;hex&gt;[,v1=&lt;hex&gt;...]</c>, one signature per signing
    /// secret while a secret is being rotated. Passes when any v1 signature matches any of <paramref name="secrets"/>.
    /// Signatures of other versions are ignored; a v1 entry that is not 64 hex digits fails the whole header.
    /// </summary>
    public static bool VerifyPagerDuty(byte[] body, string? header, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(secrets);
        if (string.IsNullOrWhiteSpace(header))
        {
            return false;
        }

        var provided = new List<byte[]>();
        foreach (var entry in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!entry.StartsWith("v1=", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!TryHex(entry.AsSpan(3), out var signature))
            {
                return false;
            }

            provided.Add(signature);
        }

        if (provided.Count == 0)
        {
            return false;
        }

        var matched = false;
        foreach (var secret in secrets)
        {
            if (string.IsNullOrEmpty(secret))
            {
                continue;
            }

            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
            foreach (var signature in provided)
            {
                // No early exit: the time taken does not depend on which signature matched.
                matched |= CryptographicOperations.FixedTimeEquals(expected, signature);
            }
        }

        return matched;
    }

    /// <summary>The generic source's <c>X-Signature: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>.</summary>
    public static bool VerifyHmacSha256(byte[] body, string? header, string secret) => VerifyHmacSha256(body, header, [secret]);

    /// <summary>
    /// <c>X-Signature: sha256=&lt;hex&gt;</c> checked against each of <paramref name="secrets"/> (the current one and,
    /// during a rotation overlap, the previous one); passes when any matches.
    /// </summary>
    public static bool VerifyHmacSha256(byte[] content, string? header, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(secrets);
        if (string.IsNullOrWhiteSpace(header))
        {
            return false;
        }

        var value = header.Trim();
        if (!value.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase) || !TryHex(value.AsSpan("sha256=".Length), out var signature))
        {
            return false;
        }

        var matched = false;
        foreach (var secret in secrets)
        {
            if (string.IsNullOrEmpty(secret))
            {
                continue;
            }

            // No early exit: the time taken does not depend on which secret matched.
            matched |= CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), content), signature);
        }

        return matched;
    }

    /// <summary>
    /// What a timestamped signature covers: <c>"{timestamp}.{body}"</c> (the Stripe/Slack shape), so a captured request
    /// cannot be sent again with a fresh timestamp. Without a timestamp, the body alone.
    /// </summary>
    public static byte[] SignedContent(string? timestamp, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (timestamp is null)
        {
            return body;
        }

        var prefix = Encoding.ASCII.GetBytes(timestamp + ".");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content, prefix.Length);
        return content;
    }

    /// <summary>Exactly 64 hex digits, either case.</summary>
    private static bool TryHex(ReadOnlySpan<char> hex, out byte[] bytes)
    {
        bytes = new byte[HmacSha256Length];
        return hex.Length == HmacSha256Length * 2
            && Convert.FromHexString(hex, bytes, out _, out var written) == OperationStatus.Done
            && written == HmacSha256Length;
    }
}
