using System.Threading.RateLimiting;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>
/// Keeps webhook senders that try tokens away from the database: an unknown token is remembered (at most
/// <see cref="MaxRemembered"/> of them, for Ingestion:TokenCacheTtl), and lookups that miss both caches are limited per
/// client address (RateLimits:TokenLookupsPerMinute): an address that tried that many unknown tokens within the
/// minute is answered 429 before any lookup. Lookups of tokens that exist cost a sender nothing.
/// </summary>
public sealed class TokenLookupGuard : IDisposable
{
    public const int MaxRemembered = 10_000;

    private readonly MemoryCache _unknown = new(new MemoryCacheOptions { SizeLimit = MaxRemembered });
    private readonly PartitionedRateLimiter<string> _lookups;
    private readonly IOptions<IngestionOptions> _options;

    public TokenLookupGuard(IOptions<IngestionOptions> options, IOptions<RateLimitOptions> limits)
    {
        _options = options;
        var perMinute = limits.Value.TokenLookupsPerMinute;
        _lookups = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    public bool IsKnownUnknown(string tokenHash) => _unknown.TryGetValue(tokenHash, out _);

    /// <summary>Throws <see cref="TooManyRequestsException"/> when <paramref name="address"/> has tried too many unknown tokens of late.</summary>
    public void EnsureMayLookUp(string address)
    {
        // Zero permits: asks whether any are left, takes none.
        using var lease = _lookups.AttemptAcquire(address, permitCount: 0);
        if (!lease.IsAcquired)
        {
            var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromMinutes(1);
            throw new TooManyRequestsException("Too many webhook requests with tokens IncidentHub does not know; nothing was stored.", wait,
                "Too many unknown tokens");
        }
    }

    /// <summary>An unknown token from <paramref name="address"/>: remembered, and counted against the address.</summary>
    public void RememberUnknown(string tokenHash, string address)
    {
        _lookups.AttemptAcquire(address).Dispose();
        var ttl = _options.Value.TokenCacheTtl;
        if (ttl > TimeSpan.Zero)
        {
            _unknown.Set(tokenHash, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = ttl });
        }
    }

    /// <summary>A token just issued here is known from now on (another node learns it within the TTL).</summary>
    public void Forget(string tokenHash) => _unknown.Remove(tokenHash);

    public void Dispose()
    {
        _unknown.Dispose();
        _lookups.Dispose();
    }
}
