using Npgsql;

namespace IncidentHub.Web.Infrastructure.Live;

/// <summary>
/// One PostgreSQL LISTEN connection on <see cref="Channel"/> that reconnects with backoff when it
/// drops. After each (re)connect <see cref="OnListeningAsync"/> runs (to catch up on what was missed
/// while disconnected); the payloads of the notifications that arrive are handed to
/// <see cref="OnNotificationsAsync"/> in arrival order.
/// </summary>
public abstract class PostgresListener(NpgsqlDataSource dataSource, ILogger logger) : BackgroundService
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first LISTEN is in place (notifications sent before it are not seen).</summary>
    public Task Listening => _listening.Task;

    protected abstract string Channel { get; }

    protected virtual Task OnListeningAsync(CancellationToken ct) => Task.CompletedTask;

    protected abstract Task OnNotificationsAsync(IReadOnlyList<string> payloads, CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                var received = new List<string>();
                connection.Notification += (_, e) => received.Add(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                await OnListeningAsync(stoppingToken);
                _listening.TrySetResult();
                delay = TimeSpan.FromMilliseconds(250);
                while (!stoppingToken.IsCancellationRequested)
                {
                    // Notifications are raised on this loop's thread while WaitAsync reads them.
                    await connection.WaitAsync(stoppingToken);
                    if (received.Count > 0)
                    {
                        var payloads = received.ToList();
                        received.Clear();
                        await OnNotificationsAsync(payloads, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Lost the PostgreSQL LISTEN connection on {Channel}; reconnecting in {Delay}", Channel, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }
}
