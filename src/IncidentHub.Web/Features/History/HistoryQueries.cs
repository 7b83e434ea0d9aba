using System.Globalization;
using System.Text;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Incidents;
using Npgsql;

namespace IncidentHub.Web.Features.History;

public enum HistorySort
{
    Number,
    Triggered,
    Severity,
    Service,
    State,
    TimeToAcknowledge,
    TimeToResolve,
    Alerts,
    Title,
}

/// <summary>The history filters. Search is PostgreSQL web-search syntax over title, service and timeline text.</summary>
public sealed record HistoryFilter(
    string? Search = null,
    IReadOnlyList<Severity>? Severities = null,
    string? Service = null,
    IReadOnlyList<IncidentState>? States = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null);

public sealed record HistoryRow(
    int Number,
    string Reference,
    string Title,
    string? Service,
    Severity Severity,
    IncidentState State,
    DateTimeOffset TriggeredAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? ResolvedAt,
    double? SecondsToAcknowledge,
    double? SecondsToResolve,
    int Alerts,
    IncidentOrigin Origin = IncidentOrigin.Live);

public sealed record HistoryPage(IReadOnlyList<HistoryRow> Rows, int Total);

/// <summary>
/// Every incident, filtered, searched, sorted and paged in SQL (so 100,000 incidents page as
/// fast as 100). The same filter feeds the page, the JSON API and the CSV export.
/// </summary>
public sealed class HistoryQueries(NpgsqlDataSource dataSource)
{
    public const int MaxPageSize = 500;

    public async Task<HistoryPage> PageAsync(HistoryFilter filter, HistorySort sort, bool descending, int skip, int take, CancellationToken ct)
    {
        take = Math.Clamp(take, 1, MaxPageSize);
        skip = Math.Max(0, skip);
        await using var command = dataSource.CreateCommand();
        var where = Where(filter, command);
        // The page's rows first (only they get their columns computed, such as the alert count), then the total
        // counted on its own: a window count over the whole result would compute every row's columns.
        command.CommandText = sort == HistorySort.Alerts
            ? $"""
                SELECT {Columns}, count(*) OVER () AS total
                FROM incidents i
                WHERE {where}
                ORDER BY {OrderBy(sort, descending)}
                LIMIT {take} OFFSET {skip}
                """
            : $"""
                SELECT {Columns}, (SELECT count(*) FROM incidents i WHERE {where}) AS total
                FROM (SELECT i.* FROM incidents i WHERE {where} ORDER BY {OrderBy(sort, descending)} LIMIT {take} OFFSET {skip}) i
                ORDER BY {OrderBy(sort, descending)}
                """;
        var rows = new List<HistoryRow>();
        var total = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(Read(reader));
            total = (int)reader.GetInt64(12);
        }

        if (rows.Count == 0 && skip > 0)
        {
            // Past the last page: the total is still wanted.
            await reader.DisposeAsync();
            total = await CountAsync(filter, ct);
        }

        return new HistoryPage(rows, total);
    }

    public async Task<int> CountAsync(HistoryFilter filter, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM incidents i WHERE {Where(filter, command)}";
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    /// <summary>Writes every matching incident as CSV (RFC 4180, UTF-8, ISO-8601 UTC times), newest first.</summary>
    public async Task WriteCsvAsync(HistoryFilter filter, HistorySort sort, bool descending, Stream output, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand();
        command.CommandText = $"SELECT {Columns}, 0::bigint FROM incidents i WHERE {Where(filter, command)} ORDER BY {OrderBy(sort, descending)}";
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await writer.WriteLineAsync("number,reference,title,service,severity,state,triggered_at,acknowledged_at,resolved_at,seconds_to_acknowledge,seconds_to_resolve,alerts,origin");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var r = Read(reader);
            await writer.WriteLineAsync(string.Join(',',
                r.Number.ToString(CultureInfo.InvariantCulture), r.Reference, Csv(r.Title), Csv(r.Service), r.Severity, r.State,
                Time(r.TriggeredAt), Time(r.AcknowledgedAt), Time(r.ResolvedAt),
                Number(r.SecondsToAcknowledge), Number(r.SecondsToResolve), r.Alerts.ToString(CultureInfo.InvariantCulture), r.Origin));
        }

        await writer.FlushAsync(ct);
    }

    private const string Columns = """
        i."Number", i."Title", i."Service", i."Severity", i."State", i."TriggeredAt", i."AcknowledgedAt", i."ResolvedAt",
        extract(epoch FROM i."AcknowledgedAt" - i."TriggeredAt")::float8,
        extract(epoch FROM i."ResolvedAt" - i."TriggeredAt")::float8,
        (SELECT count(*) FROM alerts a WHERE a."IncidentId" = i."Id")::int,
        i."Origin"
        """;

    private static HistoryRow Read(NpgsqlDataReader r)
    {
        var number = r.GetInt32(0);
        return new HistoryRow(
            number, $"INC-{number}", r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
            Enum.Parse<Severity>(r.GetString(3)), Enum.Parse<IncidentState>(r.GetString(4)),
            r.GetFieldValue<DateTimeOffset>(5),
            r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
            r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7),
            r.IsDBNull(8) ? null : r.GetDouble(8),
            r.IsDBNull(9) ? null : r.GetDouble(9),
            r.GetInt32(10),
            Enum.Parse<IncidentOrigin>(r.GetString(11)));
    }

    /// <summary>Builds the WHERE clause with parameters (never string-concatenated values).</summary>
    public static string Where(HistoryFilter f, NpgsqlCommand command)
    {
        var clauses = new List<string> { "TRUE" };
        if (!string.IsNullOrWhiteSpace(f.Search))
        {
            command.Parameters.AddWithValue("search", f.Search.Trim());
            // Both full-text indexes answer first (the matching incidents and timeline lines), instead of a timeline lookup per incident.
            clauses.Add("""
                i."Id" IN (SELECT x."Id" FROM incidents x WHERE x."SearchVector" @@ websearch_to_tsquery('english', @search)
                           UNION SELECT t."IncidentId" FROM timeline_entries t WHERE t."SearchVector" @@ websearch_to_tsquery('english', @search))
                """);
        }

        if (f.Severities is { Count: > 0 })
        {
            command.Parameters.AddWithValue("severities", f.Severities.Select(s => s.ToString()).ToArray());
            clauses.Add("""i."Severity" = ANY(@severities)""");
        }

        if (!string.IsNullOrWhiteSpace(f.Service))
        {
            command.Parameters.AddWithValue("service", f.Service.Trim());
            clauses.Add("""i."Service" = @service""");
        }

        if (f.States is { Count: > 0 })
        {
            command.Parameters.AddWithValue("states", f.States.Select(s => s.ToString()).ToArray());
            clauses.Add("""i."State" = ANY(@states)""");
        }

        if (f.From is { } from)
        {
            command.Parameters.AddWithValue("from", from.ToUniversalTime());
            clauses.Add("""i."TriggeredAt" >= @from""");
        }

        if (f.To is { } to)
        {
            command.Parameters.AddWithValue("to", to.ToUniversalTime());
            clauses.Add("""i."TriggeredAt" < @to""");
        }

        return string.Join(" AND ", clauses);
    }

    /// <summary>Whitelisted sort columns; the incident number breaks ties so pages never overlap.</summary>
    private static string OrderBy(HistorySort sort, bool descending)
    {
        var column = sort switch
        {
            HistorySort.Number => "i.\"Number\"",
            HistorySort.Severity => "i.\"Severity\"",
            HistorySort.Service => "i.\"Service\"",
            HistorySort.State => "i.\"State\"",
            HistorySort.TimeToAcknowledge => "(i.\"AcknowledgedAt\" - i.\"TriggeredAt\")",
            HistorySort.TimeToResolve => "(i.\"ResolvedAt\" - i.\"TriggeredAt\")",
            HistorySort.Alerts => "11",
            HistorySort.Title => "i.\"Title\"",
            _ => "i.\"TriggeredAt\"",
        };
        // Empty values last either way; columns that are never empty keep the plain order an index can serve.
        var nullable = sort is HistorySort.Service or HistorySort.TimeToAcknowledge or HistorySort.TimeToResolve;
        var direction = (descending ? "DESC" : "ASC") + (nullable ? " NULLS LAST" : "");
        return $"{column} {direction}, i.\"Number\" {(descending ? "DESC" : "ASC")}";
    }

    /// <summary>Quotes a CSV cell; a leading = + - @ is prefixed with ' so spreadsheets never run it as a formula.</summary>
    public static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    private static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    private static string Number(double? v) => v?.ToString("0", CultureInfo.InvariantCulture) ?? "";
}
