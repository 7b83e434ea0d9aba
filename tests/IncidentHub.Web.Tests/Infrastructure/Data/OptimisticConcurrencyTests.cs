using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Tests.Infrastructure.Data;

public sealed class OptimisticConcurrencyTests
{
    [Fact]
    public async Task RetryAsync_WhenAnAttemptLosesTheRace_RunsTheNextAndReturnsItsResult()
    {
        var retrying = new List<int>();

        var result = await OptimisticConcurrency.RetryAsync(3, n => n < 3 ? throw new DbUpdateConcurrencyException() : Task.FromResult(n), retrying.Add);

        Assert.Equal(3, result);
        Assert.Equal(new[] { 2, 3 }, retrying);
    }

    [Fact]
    public async Task RetryAsync_WhenEveryAttemptLosesTheRace_ThrowsAfterMaxAttempts()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() =>
            OptimisticConcurrency.RetryAsync<int>(5, _ => { attempts++; throw new DbUpdateConcurrencyException(); }));

        Assert.Equal(5, attempts);
    }

    [Fact]
    public async Task RetryAsync_WhenAnotherExceptionIsThrown_DoesNotRetry()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            OptimisticConcurrency.RetryAsync<int>(5, _ => { attempts++; throw new InvalidOperationException(); }));

        Assert.Equal(1, attempts);
    }
}
