using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Identity;

/// <summary>
/// Lockout per (account, client address) instead of Identity's per-account lockout: someone guessing the admin's
/// password from one address locks out only that address, never the admin at their own. Kept in memory per web
/// node (bounded); together with the per-address login rate limit a guesser gets a few tries per lockout period.
/// </summary>
public sealed class LoginFailures(IOptions<RateLimitOptions> limits) : IDisposable
{
    private readonly MemoryCache _failures = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public bool IsLockedOut(string email, string address) =>
        _failures.TryGetValue(Key(email, address), out Counter? counter) && counter!.Count >= limits.Value.LoginFailuresPerAccountAndAddress;

    public void Failed(string email, string address)
    {
        var counter = _failures.GetOrCreate(Key(email, address), entry =>
        {
            entry.Size = 1;
            entry.AbsoluteExpirationRelativeToNow = limits.Value.LoginLockout;
            return new Counter();
        })!;
        Interlocked.Increment(ref counter.Count);
    }

    public void Succeeded(string email, string address) => _failures.Remove(Key(email, address));

    public void Dispose() => _failures.Dispose();

    private static string Key(string email, string address) => $"{email.Trim().ToUpperInvariant()}|{address}";

    private sealed class Counter
    {
        public int Count;
    }
}
