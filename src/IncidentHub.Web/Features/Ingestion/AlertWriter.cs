using IncidentHub.Web.Features.Incidents;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>
/// Writes a batch's alerts set-based, inside the caller's transaction: new alerts with one binary COPY,
/// changed ones with one UPDATE over arrays: a storm's batch is thousands of rows, too many for EF's change
/// tracker (decisions 016 and 019). Columns and JSON are written exactly as the EF mapping
/// reads them (<see cref="IngestionConfiguration"/>), so the rest of the app sees ordinary rows.
/// </summary>
public static class AlertWriter
{
    private const string Copy = """
        COPY alerts ("Id", "IntegrationId", "IncidentId", "Fingerprint", "GroupKey", "Title", "Status", "Labels", "Annotations",
          "StartsAt", "EndsAt", "FirstSeenAt", "LastSeenAt", "Count", "SourceUrl", "Flapping", "SilenceId", "StateChanges") FROM STDIN (FORMAT BINARY)
        """;

    private const string Update = """
        UPDATE alerts AS a SET
          "IncidentId" = u.incident, "GroupKey" = u.group_key, "Title" = u.title, "Status" = u.status,
          "Labels" = u.labels::jsonb, "Annotations" = u.annotations::jsonb, "StartsAt" = u.starts_at, "EndsAt" = u.ends_at,
          "LastSeenAt" = u.last_seen, "Count" = u.count, "SourceUrl" = u.source_url, "Flapping" = u.flapping,
          "SilenceId" = u.silence, "StateChanges" = u.state_changes::timestamptz[]
        FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[],
          $9::timestamptz[], $10::timestamptz[], $11::int[], $12::text[], $13::bool[], $14::uuid[], $15::text[])
          AS u(id, incident, group_key, title, status, labels, annotations, starts_at, ends_at, last_seen, count, source_url, flapping, silence, state_changes)
        WHERE a."Id" = u.id
        """;

    /// <summary>
    /// Inserts <paramref name="added"/> and updates <paramref name="changed"/>. Throws
    /// <see cref="DbUpdateConcurrencyException"/> when a changed alert is gone (its integration was deleted
    /// meanwhile), as EF Core would, so the caller starts over from fresh rows.
    /// </summary>
    public static async Task WriteAsync(DbContext db, IReadOnlyCollection<Alert> added, IReadOnlyCollection<Alert> changed, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        if (added.Count > 0)
        {
            await InsertAsync(connection, added, ct);
        }

        if (changed.Count > 0)
        {
            await UpdateAsync(connection, db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction, changed, ct);
        }
    }

    private static async Task InsertAsync(NpgsqlConnection connection, IReadOnlyCollection<Alert> added, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync(Copy, ct);
        foreach (var a in added)
        {
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(a.Id, NpgsqlDbType.Uuid, ct);
            await writer.WriteAsync(a.IntegrationId, NpgsqlDbType.Uuid, ct);
            await WriteNullableAsync(writer, a.IncidentId, NpgsqlDbType.Uuid, ct);
            await writer.WriteAsync(a.Fingerprint, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(a.GroupKey, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(a.Title, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(a.Status.ToString(), NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(Json(a.Labels), NpgsqlDbType.Jsonb, ct);
            await writer.WriteAsync(Json(a.Annotations), NpgsqlDbType.Jsonb, ct);
            await writer.WriteAsync(a.StartsAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
            await WriteNullableAsync(writer, a.EndsAt?.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
            await writer.WriteAsync(a.FirstSeenAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
            await writer.WriteAsync(a.LastSeenAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
            await writer.WriteAsync(a.Count, NpgsqlDbType.Integer, ct);
            if (a.SourceUrl is null)
            {
                await writer.WriteNullAsync(ct);
            }
            else
            {
                await writer.WriteAsync(a.SourceUrl, NpgsqlDbType.Varchar, ct);
            }

            await writer.WriteAsync(a.Flapping, NpgsqlDbType.Boolean, ct);
            await WriteNullableAsync(writer, a.SilenceId, NpgsqlDbType.Uuid, ct);
            await writer.WriteAsync(a.StateChanges.Select(t => t.UtcDateTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, ct);
        }

        await writer.CompleteAsync(ct);
    }

    private static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<Alert> changed, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(Update, connection, transaction);
        Add(command, changed.Select(a => a.Id).ToArray());
        Add(command, changed.Select(a => a.IncidentId).ToArray());
        Add(command, changed.Select(a => a.GroupKey).ToArray());
        Add(command, changed.Select(a => a.Title).ToArray());
        Add(command, changed.Select(a => a.Status.ToString()).ToArray());
        Add(command, changed.Select(a => Json(a.Labels)).ToArray());
        Add(command, changed.Select(a => Json(a.Annotations)).ToArray());
        Add(command, changed.Select(a => a.StartsAt.UtcDateTime).ToArray());
        Add(command, changed.Select(a => a.EndsAt?.UtcDateTime).ToArray());
        Add(command, changed.Select(a => a.LastSeenAt.UtcDateTime).ToArray());
        Add(command, changed.Select(a => a.Count).ToArray());
        Add(command, changed.Select(a => a.SourceUrl).ToArray());
        Add(command, changed.Select(a => a.Flapping).ToArray());
        Add(command, changed.Select(a => a.SilenceId).ToArray());
        Add(command, changed.Select(a => ArrayLiteral(a.StateChanges)).ToArray());
        var updated = await command.ExecuteNonQueryAsync(ct);
        if (updated != changed.Count)
        {
            throw new DbUpdateConcurrencyException($"Expected to update {changed.Count} alert(s) but updated {updated}: some were deleted meanwhile.");
        }
    }

    private static void Add<T>(NpgsqlCommand command, T value) => command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type, CancellationToken ct)
        where T : struct
    {
        if (value is { } v)
        {
            await writer.WriteAsync(v, type, ct);
        }
        else
        {
            await writer.WriteNullAsync(ct);
        }
    }

    /// <summary>The same JSON the EF mapping writes (<c>JsonColumn.IsJsonDictionary</c>).</summary>
    private static string Json(Dictionary<string, string> value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Default);

    /// <summary>A timestamptz[] literal (an array of arrays cannot be unnested row by row, a text per row can).</summary>
    private static string ArrayLiteral(List<DateTimeOffset> times) =>
        "{" + string.Join(",", times.Select(t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture))) + "}";
}
