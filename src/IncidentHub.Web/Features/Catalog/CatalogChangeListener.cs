using Npgsql;

namespace IncidentHub.Web.Features.Catalog;

/// <summary>
/// Keeps this process's <see cref="ServiceCatalog"/> current: LISTENs on <see cref="CatalogStore.Channel"/>
/// and reloads on every notification, and reloads after each (re)connect so a change made while the
/// connection was down is not missed. Runs in every role (workers read the catalog in their jobs).
/// </summary>
public sealed class CatalogChangeListener(NpgsqlDataSource dataSource, ServiceCatalog catalog, ILogger<CatalogChangeListener> logger) : BackgroundService
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first LISTEN is in place.</summary>
    public Task Listening => _listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                var changed = 0;
                connection.Notification += (_, _) => Interlocked.Exchange(ref changed, 1);
                await using (var listen = new NpgsqlCommand($"LISTEN {CatalogStore.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                await catalog.ReloadAsync(stoppingToken);
                _listening.TrySetResult();
                delay = TimeSpan.FromMilliseconds(250);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                    if (Interlocked.Exchange(ref changed, 0) == 1)
                    {
                        await catalog.ReloadAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Catalog listener lost its PostgreSQL connection; reconnecting in {Delay}", delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }
}
