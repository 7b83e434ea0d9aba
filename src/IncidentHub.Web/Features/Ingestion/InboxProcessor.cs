using System.Collections.Concurrent;
using System.Threading.Channels;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>
/// Applies stored raw events to alerts and incidents, in batches, in-process (per-alert work is
/// far too fine-grained for Hangfire). Events arrive from the webhook handler right after their
/// raw row is committed; at start-up and every SweepInterval it also picks up events left
/// Received by a crash. Applying is idempotent (only Received rows are claimed), so offering an
/// event twice is harmless. Incidents it opened or resolved are reported to the <see cref="IncidentPipeline"/>.
/// </summary>
public sealed class InboxProcessor(
    IServiceScopeFactory scopes,
    IncidentPipeline pipeline,
    IOptions<IngestionOptions> options,
    TimeProvider clock,
    ILogger<InboxProcessor> logger) : BackgroundService
{
    private const int MaxBatchEvents = 256;
    private const int MaxBatchAlerts = 5_000;
    private const int MaxAttempts = 5;

    /// <summary>A batch that follows the previous one within this many lingers is part of a flood; later than that, the inbox was quiet.</summary>
    private const int QuietAfter = 4;

    private readonly Channel<ParsedEvent> _ready = Channel.CreateUnbounded<ParsedEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<Guid> _opened = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, TaskCompletionSource<IReadOnlyList<IncidentRef>>> _waiters = new();
    private long _backlogAlerts;

    /// <summary>Alerts stored but not applied yet, in this process.</summary>
    public long BacklogAlerts => Interlocked.Read(ref _backlogAlerts);

    public bool IsOverloaded => BacklogAlerts > options.Value.MaxBacklogAlerts;

    public void Enqueue(ParsedEvent parsed)
    {
        Interlocked.Add(ref _backlogAlerts, parsed.Alerts.Count);
        _ready.Writer.TryWrite(parsed);
    }

    /// <summary>Completes when the event has been applied (with the incidents it touched), or faults if applying failed.</summary>
    public Task<IReadOnlyList<IncidentRef>> WatchAsync(long eventId) =>
        _waiters.GetOrAdd(eventId, _ => new TaskCompletionSource<IReadOnlyList<IncidentRef>>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Forget(long eventId) => _waiters.TryRemove(eventId, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var sweep = new PeriodicTimer(options.Value.SweepInterval);
        var sweeping = SweepLoopAsync(sweep, stoppingToken);
        var reporting = ReportOpenedLoopAsync(stoppingToken);
        try
        {
            await SweepAsync(TimeSpan.Zero, stoppingToken);
            var batch = new List<ParsedEvent>(MaxBatchEvents);
            var lastApplied = DateTimeOffset.MinValue;
            while (await _ready.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                var alerts = Drain(batch, 0);

                // Linger (like a Kafka producer's linger.ms): during a flood a batch that is not full waits a moment
                // for the requests right behind it, so the flood is applied in a few large transactions rather than one
                // per handful of requests (each costs ten round trips whatever its size). Not when a sender waits, and
                // not after a quiet spell: the first alert after one is applied at once (the wall shows it 50 ms sooner).
                var linger = options.Value.ApplyLinger;
                if (linger > TimeSpan.Zero && batch.Count < MaxBatchEvents && alerts < MaxBatchAlerts && !batch.Exists(e => _waiters.ContainsKey(e.EventId))
                    && clock.GetUtcNow() - lastApplied < QuietAfter * linger)
                {
                    await Task.Delay(linger, clock, stoppingToken);
                    Drain(batch, alerts);
                }

                await ProcessAsync(batch, stoppingToken);
                lastApplied = clock.GetUtcNow();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Whatever is still queued stays Received in the database and is picked up at the next start.
        }

        await sweeping;
        await reporting;
    }

    /// <summary>Moves ready events into the batch up to its bounds; returns the batch's alert count.</summary>
    private int Drain(List<ParsedEvent> batch, int alerts)
    {
        while (batch.Count < MaxBatchEvents && alerts < MaxBatchAlerts && _ready.Reader.TryRead(out var parsed))
        {
            batch.Add(parsed);
            alerts += parsed.Alerts.Count;
        }

        return alerts;
    }

    private async Task SweepLoopAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await SweepAsync(options.Value.SweepInterval, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Re-offers events still Received after <paramref name="olderThan"/> (crash recovery).</summary>
    private async Task SweepAsync(TimeSpan olderThan, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var before = clock.GetUtcNow() - olderThan;
            var kinds = await db.Integrations.AsNoTracking().ToDictionaryAsync(i => i.Id, i => i.Kind, ct);
            long after = 0;
            while (true)
            {
                var stale = await db.AlertEvents.AsNoTracking()
                    .Where(e => e.Status == RawEventStatus.Received && e.ReceivedAt <= before && e.Id > after)
                    .OrderBy(e => e.Id)
                    .Take(500)
                    .ToListAsync(ct);
                if (stale.Count == 0)
                {
                    return;
                }

                foreach (var e in stale)
                {
                    var headers = new Dictionary<string, string>(e.Headers, StringComparer.OrdinalIgnoreCase);
                    var parsed = AlertSources.Parse(kinds.GetValueOrDefault(e.IntegrationId), e.Body, e.ReceivedAt, headers);
                    Enqueue(new ParsedEvent(e.Id, e.IntegrationId, parsed.Alerts, ImportScope.Of(headers)));
                }

                logger.LogInformation("Re-offered {Count} stored raw events that were not applied yet", stale.Count);
                after = stale[^1].Id;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Sweeping unapplied raw events failed; will retry at the next sweep");
        }
    }

    private async Task ProcessAsync(List<ParsedEvent> batch, CancellationToken ct)
    {
        try
        {
            var outcome = await ApplyWithRetriesAsync(batch, ct);
            AfterCommit(batch, outcome);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && DatabaseUnavailableException.From(ex) is { } down)
        {
            // PostgreSQL is away: the events stay Received and the sweep offers them again once it is back. Marking them
            // Failed (or splitting the batch to find a bad one) would drop alerts their senders were told were accepted.
            logger.LogWarning("PostgreSQL unreachable while applying {Count} stored raw events; they are applied when it returns: {Reason}",
                batch.Count, ex.GetBaseException().Message);
            Interlocked.Add(ref _backlogAlerts, -batch.Sum(e => e.Alerts.Count));
            foreach (var e in batch)
            {
                if (_waiters.TryRemove(e.EventId, out var waiter))
                {
                    waiter.TrySetException(down);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException && batch.Count > 1)
        {
            // One bad event must not hold back the others: apply them one by one to find it.
            logger.LogWarning(ex, "A batch of {Count} raw events failed; applying them one by one", batch.Count);
            foreach (var single in batch)
            {
                await ProcessAsync([single], ct);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var failed = batch[0];
            logger.LogError(ex, "Applying raw event {EventId} failed", failed.EventId);
            await MarkFailedAsync(failed.EventId, ex);
            Interlocked.Add(ref _backlogAlerts, -failed.Alerts.Count);
            if (_waiters.TryRemove(failed.EventId, out var waiter))
            {
                waiter.TrySetException(new RawEventFailedException(failed.EventId, Describe(ex)));
            }
        }
    }

    // A triage job or a person may change one of the incidents meanwhile (optimistic
    // concurrency on xmin): start over from fresh rows; the transaction makes that safe.
    private Task<BatchOutcome> ApplyWithRetriesAsync(List<ParsedEvent> batch, CancellationToken ct) =>
        OptimisticConcurrency.RetryAsync(MaxAttempts, async _ =>
        {
            await using var scope = scopes.CreateAsyncScope();
            // A sender waiting for its incidents is answered only after a flushed commit.
            var durable = batch.Exists(e => _waiters.ContainsKey(e.EventId));
            return await scope.ServiceProvider.GetRequiredService<AlertBatchApplier>().ApplyAsync(batch, durable, ct);
        }, next => logger.LogDebug("A batch raced with another change; attempt {Attempt}", next));

    private void AfterCommit(List<ParsedEvent> batch, BatchOutcome outcome)
    {
        Interlocked.Add(ref _backlogAlerts, -batch.Sum(e => e.Alerts.Count));

        // Dashboards were told at the commit: NOTIFY inside the batch's transaction, then this process's subscribers.
        foreach (var e in batch)
        {
            if (_waiters.TryRemove(e.EventId, out var waiter))
            {
                waiter.TrySetResult(outcome.IncidentsByEvent.GetValueOrDefault(e.EventId) ?? []);
            }
        }

        foreach (var id in outcome.Opened)
        {
            _opened.Writer.TryWrite(id);
        }

        foreach (var id in outcome.Resolved)
        {
            pipeline.Resolved(id, byPerson: false);
        }
    }

    /// <summary>
    /// Reports opened incidents off the applying loop (each job enqueue is a database write). If the process
    /// dies first, the steps' sweeps catch what was not started.
    /// </summary>
    private async Task ReportOpenedLoopAsync(CancellationToken ct)
    {
        try
        {
            while (await _opened.Reader.WaitToReadAsync(ct))
            {
                while (_opened.Reader.TryRead(out var id))
                {
                    pipeline.Opened(id);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task MarkFailedAsync(long eventId, Exception ex)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var error = Describe(ex);
            await db.AlertEvents.Where(e => e.Id == eventId).ExecuteUpdateAsync(
                s => s.SetProperty(e => e.Status, RawEventStatus.Failed)
                      .SetProperty(e => e.Error, error.Length <= 4000 ? error : error[..4000])
                      .SetProperty(e => e.ProcessedAt, clock.GetUtcNow()),
                CancellationToken.None);
        }
        catch (Exception markError) when (markError is not OperationCanceledException)
        {
            // It stays Received and the next sweep offers it again.
            logger.LogError(markError, "Could not mark raw event {EventId} failed", eventId);
        }
    }

    /// <summary>The exception and its root cause, which is usually the useful part (a database error).</summary>
    internal static string Describe(Exception ex)
    {
        var root = ex.GetBaseException();
        return root == ex ? $"{ex.GetType().Name}: {ex.Message}" : $"{ex.GetType().Name}: {ex.Message} Cause: {root.GetType().Name}: {root.Message}";
    }
}

/// <summary>The payload was stored, but applying it failed; it is kept as Failed for a replay.</summary>
public sealed class RawEventFailedException(long eventId, string error)
    : ServerFaultException($"The payload was stored as raw event {eventId}, but applying it failed: {error} It is kept and can be replayed from the Integrations page.")
{
    public long EventId { get; } = eventId;
}
