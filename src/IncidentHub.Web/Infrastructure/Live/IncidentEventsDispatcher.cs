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
internal sealed class IncidentEventsListener(NpgsqlDataSource dataSource, IncidentNotifier notifier, ILogger<IncidentEventsListener> logger)
    : PostgresListener(dataSource, logger)
{
    protected override string Channel => IncidentNotifier.Channel;

    protected override Task OnNotificationsAsync(IReadOnlyList<string> payloads, CancellationToken ct)
    {
        foreach (var payload in payloads)
        {
            notifier.OnNotification(payload);
        }

        return Task.CompletedTask;
    }
}
