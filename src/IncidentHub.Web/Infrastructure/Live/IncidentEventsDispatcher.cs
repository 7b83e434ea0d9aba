using Npgsql;

namespace IncidentHub.Web.Infrastructure.Live;

/// <summary>Delivers queued incident events to this process's subscribers.</summary>
internal sealed class IncidentEventsDispatcher(IncidentNotifier notifier) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await notifier.DispatchAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>
/// LISTENs on PostgreSQL for events published by other processes (workers, other web nodes)
/// and reconnects with backoff when the connection drops.
/// </summary>
internal sealed class IncidentEventsListener(NpgsqlDataSource dataSource, IncidentNotifier notifier, ILogger<IncidentEventsListener> logger) : BackgroundService
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first LISTEN is in place (events published before it are not seen).</summary>
    public Task Listening => _listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => notifier.OnNotification(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {IncidentNotifier.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                _listening.TrySetResult();

                delay = TimeSpan.FromMilliseconds(250);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                logger.LogWarning(ex, "Lost the PostgreSQL LISTEN connection; reconnecting in {Delay}", delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }
}
