namespace IncidentHub.Tests.Shared;

/// <summary>
/// Waits for a condition that background work (a Hangfire job, a notification) makes true,
/// checking often and failing with the last observed value at the deadline. Not a sleep:
/// it returns as soon as the condition holds.
/// </summary>
public static class Eventually
{
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        T last;
        while (true)
        {
            last = await probe();
            if (condition(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what ?? "the condition"}; last value: {last}");
            }

            await Task.Delay(50);
        }
    }
}
