namespace IncidentHub.Web.Infrastructure.Live;

/// <summary>
/// Runs a callback for posted values, never two at once: values posted while it runs become one more run with the
/// newest value (a burst costs two runs, not one per value). Posting never waits, so a slow or stuck callback (a page
/// whose browser went away) holds up nobody else. <paramref name="merge"/> (pending, posted) decides what a pending
/// value becomes when another is posted before the run starts; by default the newest wins.
/// </summary>
public sealed class CoalescingRunner<T>(Func<T, Task> callback, ILogger logger, Func<T, T, T>? merge = null)
{
    private readonly Lock _gate = new();
    private bool _running;
    private bool _hasNext;
    private T _next = default!;

    public void Post(T value)
    {
        lock (_gate)
        {
            _next = _hasNext && merge is not null ? merge(_next, value) : value;
            _hasNext = true;
            if (_running)
            {
                return;
            }

            _running = true;
        }

        _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        while (true)
        {
            T value;
            lock (_gate)
            {
                if (!_hasNext)
                {
                    _running = false;
                    return;
                }

                value = _next;
                _next = default!;
                _hasNext = false;
            }

            try
            {
                await callback(value);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "A live-update subscriber failed for {Value}", value);
            }
        }
    }
}
