using Npgsql;
using NpgsqlTypes;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>
/// Keeps <see cref="Incident.AlertCount"/> and its siblings in step with the alerts table, set-based and inside the
/// writer's transaction: <see cref="Delta"/> for incremental writers (the intake's batches), <see cref="RecountSql"/>
/// for bulk writers that create whole incidents (history, the migration's backfill).
/// </summary>
public sealed class IncidentCounts
{
    private readonly Dictionary<Guid, (int Alerts, int Firing, long Notifications, int Flapping)> _deltas = [];

    /// <summary>One alert's part in its incident's figures.</summary>
    public readonly record struct Contribution(Guid? IncidentId, bool Firing, int Notifications, bool Flapping);

    /// <summary>Moves an alert's part from what it was (null: a new alert) to what it is now.</summary>
    public void Change(Contribution? before, Contribution after)
    {
        if (before is { IncidentId: { } from } b)
        {
            Add(from, -1, b.Firing ? -1 : 0, -b.Notifications, b.Flapping ? -1 : 0);
        }

        if (after.IncidentId is { } to)
        {
            Add(to, 1, after.Firing ? 1 : 0, after.Notifications, after.Flapping ? 1 : 0);
        }
    }

    private void Add(Guid incidentId, int alerts, int firing, long notifications, int flapping)
    {
        var current = _deltas.GetValueOrDefault(incidentId);
        _deltas[incidentId] = (current.Alerts + alerts, current.Firing + firing, current.Notifications + notifications, current.Flapping + flapping);
    }

    /// <summary>One UPDATE for every incident whose figures changed, or null when none did.</summary>
    public NpgsqlBatchCommand? Command()
    {
        var changed = _deltas.Where(d => d.Value != default).ToList();
        if (changed.Count == 0)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(
            """
            UPDATE incidents AS i SET "AlertCount" = i."AlertCount" + d.alerts, "FiringCount" = i."FiringCount" + d.firing,
                "NotificationCount" = i."NotificationCount" + d.notifications, "FlappingCount" = i."FlappingCount" + d.flapping
            FROM unnest($1, $2, $3, $4, $5) AS d(id, alerts, firing, notifications, flapping)
            WHERE i."Id" = d.id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = changed.Select(d => d.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = changed.Select(d => d.Value.Alerts).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = changed.Select(d => d.Value.Firing).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = changed.Select(d => d.Value.Notifications).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = changed.Select(d => d.Value.Flapping).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        return command;
    }

    /// <summary>Sets the figures of the incidents <paramref name="where"/> selects (SQL on alias i) from their alerts.</summary>
    public static string RecountSql(string where) =>
        $"""
        UPDATE incidents AS i SET "AlertCount" = coalesce(c.alerts, 0), "FiringCount" = coalesce(c.firing, 0),
            "NotificationCount" = coalesce(c.notifications, 0), "FlappingCount" = coalesce(c.flapping, 0)
        FROM incidents AS x
        LEFT JOIN LATERAL (
            SELECT count(*)::int AS alerts, count(*) FILTER (WHERE a."Status" = 'Firing')::int AS firing,
                coalesce(sum(a."Count"), 0)::bigint AS notifications, count(*) FILTER (WHERE a."Flapping")::int AS flapping
            FROM alerts AS a WHERE a."IncidentId" = x."Id") AS c ON true
        WHERE i."Id" = x."Id" AND ({where})
        """;
}
