using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Infrastructure.Data;

/// <summary>
/// Retries work that lost an optimistic-concurrency race (xmin): each attempt must re-read what it
/// decides on, so it re-decides on fresh rows; after the last attempt the exception propagates.
/// </summary>
public static class OptimisticConcurrency
{
    /// <summary>Runs <paramref name="attempt"/> (given its 1-based number) up to <paramref name="maxAttempts"/> times; <paramref name="retrying"/> hears the next attempt's number.</summary>
    public static async Task<T> RetryAsync<T>(int maxAttempts, Func<int, Task<T>> attempt, Action<int>? retrying = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        for (var n = 1; ; n++)
        {
            try
            {
                return await attempt(n);
            }
            catch (DbUpdateConcurrencyException) when (n < maxAttempts)
            {
                retrying?.Invoke(n + 1);
            }
        }
    }

    /// <summary>As above, clearing <paramref name="db"/>'s change tracker before each attempt so it reads fresh rows.</summary>
    public static Task<T> RetryAsync<T>(DbContext db, int maxAttempts, Func<int, Task<T>> attempt, Action<int>? retrying = null) =>
        RetryAsync(maxAttempts, n =>
        {
            db.ChangeTracker.Clear();
            return attempt(n);
        }, retrying);

    /// <inheritdoc cref="RetryAsync{T}(DbContext, int, Func{int, Task{T}}, Action{int}?)"/>
    public static Task RetryAsync(DbContext db, int maxAttempts, Func<int, Task> attempt, Action<int>? retrying = null) =>
        RetryAsync(db, maxAttempts, async n =>
        {
            await attempt(n);
            return true;
        }, retrying);
}
