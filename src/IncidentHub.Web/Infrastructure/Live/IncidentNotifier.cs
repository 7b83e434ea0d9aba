using System.Collections.Concurrent;
using System.Threading.Channels;
using Npgsql;

namespace IncidentHub.Web.Infrastructure.Live;

/// <summary>
/// Publishing writes ids into an in-process channel (so a writer never waits for a page to
/// reload) and sends one pg_notify per publish for other processes. A dispatcher drains the
/// channel, coalesces repeated ids, and calls the subscribers. The listener feeds notifications
/// from other processes into the same channel; our own come back too and are skipped by origin.
/// </summary>
public sealed class IncidentNotifier(NpgsqlDataSource dataSource, ILogger<IncidentNotifier> logger) : IIncidentNotifier
{
    public const string Channel = "incidenthub_incidents";

    private readonly ConcurrentDictionary<long, Subscription> _subscriptions = new();
    private readonly Channel<Guid> _pending = System.Threading.Channels.Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
    private long _nextId;
    private IntakeStatus _intake = IntakeStatus.Calm;

    public IntakeStatus Intake => Volatile.Read(ref _intake);

    /// <summary>Identifies this process in notification payloads.</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("N")[..12];

    public IDisposable Subscribe(Guid? incidentId, Func<Guid, Task> onChange)
    {
        var id = Interlocked.Increment(ref _nextId);
        var subscription = new Subscription(incidentId, onChange, () => _subscriptions.TryRemove(id, out _), logger);
        _subscriptions[id] = subscription;
        return subscription;
    }

    public async Task PublishAsync(IReadOnlyCollection<Guid> incidentIds, CancellationToken ct = default)
    {
        if (incidentIds.Count == 0)
        {
            return;
        }

        PublishInProcess(incidentIds);

        // One NOTIFY carries up to ~200 ids (payloads are limited to 8000 bytes).
        foreach (var chunk in incidentIds.Chunk(200))
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT pg_notify(@channel, @payload)");
                command.Parameters.AddWithValue("channel", Channel);
                command.Parameters.AddWithValue("payload", $"{Origin}:{string.Join(',', chunk)}");
                await command.ExecuteNonQueryAsync(ct);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // The change is committed; only other processes' live view is late. They reload on their next event.
                logger.LogWarning(ex, "Could not notify other processes about {Count} incidents", chunk.Length);
            }
        }
    }

    /// <summary>
    /// For a writer that sent the NOTIFY itself, inside its own transaction (<see cref="NotifyCommands"/>):
    /// the notification then costs no extra round trip or commit, and only this process's subscribers are called here.
    /// </summary>
    public void PublishInProcess(IReadOnlyCollection<Guid> incidentIds)
    {
        LogTiming("published", incidentIds);
        foreach (var id in incidentIds)
        {
            _pending.Writer.TryWrite(id);
        }
    }

    /// <summary>pg_notify commands (one per ~200 ids) to run inside a writer's transaction; delivered when it commits.</summary>
    public IEnumerable<NpgsqlBatchCommand> NotifyCommands(IReadOnlyCollection<Guid> incidentIds)
    {
        foreach (var chunk in incidentIds.Chunk(200))
        {
            var command = new NpgsqlBatchCommand("SELECT pg_notify($1, $2)");
            command.Parameters.Add(new NpgsqlParameter { Value = Channel });
            command.Parameters.Add(new NpgsqlParameter { Value = $"{Origin}:{string.Join(',', chunk)}" });
            yield return command;
        }
    }

    /// <summary>
    /// Records this process's reading of the intake; subscribers of all incidents hear of it when a storm starts or
    /// ends (the rate and waiting jobs are read on their next render). Each process reads the shared rate itself.
    /// </summary>
    public void PublishIntake(IntakeStatus status)
    {
        var previous = Interlocked.Exchange(ref _intake, status);
        if (previous.Storming != status.Storming)
        {
            _pending.Writer.TryWrite(IIncidentNotifier.IntakeChanged);
        }
    }

    /// <summary>Called by the listener for a notification from any process.</summary>
    internal void OnNotification(string payload)
    {
        var colon = payload.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || payload.AsSpan(0, colon).SequenceEqual(Origin))
        {
            return;
        }

        var ids = new List<Guid>();
        foreach (var part in payload[(colon + 1)..].Split(','))
        {
            if (Guid.TryParse(part, out var id))
            {
                ids.Add(id);
                _pending.Writer.TryWrite(id);
            }
        }

        LogTiming("notified", ids);
    }

    /// <summary>
    /// At Debug, when this process had incident events in hand (scripts/bench/storm.sh times a new incident's way to the
    /// walls from these lines; wall-clock milliseconds, to line up with the browser's).
    /// </summary>
    private void LogTiming(string step, IReadOnlyCollection<Guid> ids)
    {
        if (ids.Count > 0 && logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("WALLTIME {Step} {At} {Ids}", step, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), string.Join(',', ids));
        }
    }

    /// <summary>Runs for the life of the process (see <see cref="IncidentEventsDispatcher"/>).</summary>
    internal async Task DispatchAsync(CancellationToken ct)
    {
        var batch = new HashSet<Guid>();
        while (await _pending.Reader.WaitToReadAsync(ct))
        {
            batch.Clear();
            while (_pending.Reader.TryRead(out var id))
            {
                batch.Add(id);
            }

            // A wall subscriber reloads everything once per batch, not once per incident; it is told of an incident
            // when the batch has one, of the intake otherwise.
            var any = batch.FirstOrDefault(id => id != IIncidentNotifier.IntakeChanged);
            LogTiming("dispatched", batch);
            foreach (var subscription in _subscriptions.Values)
            {
                if (subscription.IncidentId is null)
                {
                    subscription.Post(any);
                }
                else if (batch.Contains(subscription.IncidentId.Value))
                {
                    subscription.Post(subscription.IncidentId.Value);
                }
            }
        }
    }

    /// <summary>One page's reloads (<see cref="CoalescingRunner{T}"/>): the dispatcher only posts.</summary>
    private sealed class Subscription(Guid? incidentId, Func<Guid, Task> onChange, Action remove, ILogger logger) : IDisposable
    {
        // An incident change pending is not replaced by an intake-only change posted after it (the reload shows both).
        private readonly CoalescingRunner<Guid> _runner = new(onChange, logger,
            (pending, posted) => posted == IIncidentNotifier.IntakeChanged ? pending : posted);

        public Guid? IncidentId { get; } = incidentId;

        public void Post(Guid id) => _runner.Post(id);

        public void Dispose() => remove();
    }
}
