using System.Text.Json;
using System.Threading.Channels;
using IncidentHub.Web.Infrastructure.Errors;
using Npgsql;
using NpgsqlTypes;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>A raw request to store, as it will be stored.</summary>
public sealed record RawEventDraft(
    Guid IntegrationId, DateTimeOffset ReceivedAt, Dictionary<string, string> Headers, byte[] Body, long BodySize,
    RawEventStatus Status, string? Error, int AlertCount);

/// <summary>
/// Group commit for the raw-event inbox: concurrent webhook requests queue their rows here and
/// one writer inserts everything queued in a single transaction (one round trip, one commit), then
/// answers each request with its row id. Durability costs one commit per batch, not per request.
/// </summary>
public sealed class InboxWriter(NpgsqlDataSource dataSource, ILogger<InboxWriter> logger) : BackgroundService
{
    private const int MaxBatch = 512;

    /// <summary>The writer's own connection, kept open between batches (no pool round trip or reset per batch).</summary>
    private NpgsqlConnection? _connection;

    private readonly Channel<(RawEventDraft Draft, TaskCompletionSource<long> Done)> _queue =
        Channel.CreateUnbounded<(RawEventDraft, TaskCompletionSource<long>)>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Resolves once the row is committed, with its id.</summary>
    public Task<long> AppendAsync(RawEventDraft draft)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((draft, done)))
        {
            done.SetException(new InvalidOperationException("IncidentHub is shutting down; the sender should retry."));
        }

        return done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(RawEventDraft Draft, TaskCompletionSource<long> Done)>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                await WriteAsync(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await DropConnectionAsync();
        }

        // Requests still queued at shutdown were never acknowledged: tell them to retry.
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var item))
        {
            item.Done.TrySetException(new InvalidOperationException("IncidentHub is shutting down; the sender should retry."));
        }
    }

    private async Task WriteAsync(List<(RawEventDraft Draft, TaskCompletionSource<long> Done)> batch)
    {
        try
        {
            // Not cancellable: a commit that started is allowed to finish, so nothing acknowledged is lost.
            // One batch is one round trip and runs as one implicit transaction: all rows commit, or none.
            if (_connection is not { State: System.Data.ConnectionState.Open })
            {
                await DropConnectionAsync();
                _connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            }

            await using var command = new NpgsqlBatch(_connection);
            foreach (var (draft, _) in batch)
            {
                var insert = new NpgsqlBatchCommand(
                    """
                    INSERT INTO alert_events ("IntegrationId", "ReceivedAt", "Headers", "Body", "BodySize", "Status", "Error", "AlertCount", "ProcessedAt")
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING "Id"
                    """);
                insert.Parameters.Add(new NpgsqlParameter { Value = draft.IntegrationId });
                insert.Parameters.Add(new NpgsqlParameter { Value = draft.ReceivedAt });
                insert.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(draft.Headers), NpgsqlDbType = NpgsqlDbType.Jsonb });
                insert.Parameters.Add(new NpgsqlParameter { Value = draft.Body, NpgsqlDbType = NpgsqlDbType.Bytea });
                insert.Parameters.Add(new NpgsqlParameter { Value = draft.BodySize });
                insert.Parameters.Add(new NpgsqlParameter { Value = draft.Status.ToString() });
                insert.Parameters.Add(new NpgsqlParameter { Value = (object?)draft.Error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                insert.Parameters.Add(new NpgsqlParameter { Value = draft.AlertCount });
                insert.Parameters.Add(new NpgsqlParameter
                {
                    Value = draft.Status == RawEventStatus.Received ? DBNull.Value : draft.ReceivedAt,
                    NpgsqlDbType = NpgsqlDbType.TimestampTz,
                });
                command.BatchCommands.Add(insert);
            }

            // Prepared once per connection (Npgsql keeps it by statement text): no parse or plan per request,
            // about a tenth of the commit's round trip here (docs/decisions/017).
            await command.PrepareAsync(CancellationToken.None);
            var ids = new long[batch.Count];
            await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    await reader.ReadAsync(CancellationToken.None);
                    ids[i] = reader.GetInt64(0);
                    await reader.NextResultAsync(CancellationToken.None);
                }
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(ids[i]);
            }
        }
        catch (Exception ex) when (batch.Count > 1 && IsAboutOneRow(ex))
        {
            await DropConnectionAsync();
            // One row the database refuses must not fail the requests that happened to share its commit.
            logger.LogWarning(ex, "A batch of {Count} raw events was refused; writing them one by one", batch.Count);
            foreach (var item in batch)
            {
                await WriteAsync([item]);
            }
        }
        catch (Exception ex)
        {
            // Any exception: a writer that stopped would leave every later request waiting (and stop the host).
            await DropConnectionAsync();
            logger.LogError(ex, "Could not store {Count} raw events; their senders get a 503 and retry", batch.Count);
            foreach (var (_, done) in batch)
            {
                done.TrySetException(new InboxUnavailableException(ex));
            }
        }
    }

    /// <summary>After a failure the connection may be broken or mid-transaction: the next batch opens a fresh one.</summary>
    private async Task DropConnectionAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            try
            {
                await connection.DisposeAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
            {
                logger.LogDebug(ex, "Closing a failed inbox connection");
            }
        }
    }

    /// <summary>
    /// The database refused a value (SQLSTATE class 22: too long, a byte it cannot hold ...) or Npgsql could
    /// not encode one (an unpaired surrogate): a fault of one row, unlike a lost connection.
    /// </summary>
    private static bool IsAboutOneRow(Exception ex) =>
        ex is PostgresException { SqlState: ['2', '2', ..] } or ArgumentException or InvalidCastException;
}

/// <summary>The inbox could not be written: answered 503 with Retry-After so the sender retries.</summary>
public sealed class InboxUnavailableException(Exception inner)
    : UnavailableException("The alert inbox is unavailable; nothing was stored. Retry shortly.", "Inbox unavailable", inner);
