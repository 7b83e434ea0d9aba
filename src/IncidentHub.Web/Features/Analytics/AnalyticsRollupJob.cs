using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Npgsql;

namespace IncidentHub.Web.Features.Analytics;

/// <summary>Weeks are Monday 00:00 UTC to the next Monday; an incident belongs to the week of its TriggeredAt.</summary>
public static class AnalyticsWeeks
{
    public static readonly TimeSpan Length = TimeSpan.FromDays(7);

    /// <summary>The Monday 00:00 UTC on or before <paramref name="at"/>.</summary>
    public static DateTimeOffset Monday(DateTimeOffset at)
    {
        var day = at.UtcDateTime.Date;
        return new DateTimeOffset(day.AddDays(-(((int)day.DayOfWeek + 6) % 7)), TimeSpan.Zero);
    }

    /// <summary>A week is closed once its last instant has passed: no new incident can fall in it.</summary>
    public static bool IsClosed(DateTimeOffset week, DateTimeOffset now) => week + Length <= now;
}

/// <summary>A closed week whose rollup rows were computed; trusted while no <see cref="StaleWeek"/> mark exists for it.</summary>
public sealed class RolledWeek
{
    private RolledWeek()
    {
    }

    public DateTimeOffset Week { get; private set; }
    public DateTimeOffset RolledAt { get; private set; }
}

/// <summary>
/// Written in the same transaction as any change to an incident (or its alerts) of a closed week: until the job
/// rolls that week again (and removes the marks it saw), the queries read the week from the raw rows.
/// </summary>
public sealed class StaleWeek
{
    private StaleWeek()
    {
    }

    public long Id { get; private set; }
    public DateTimeOffset Week { get; private set; }
    public DateTimeOffset MarkedAt { get; private set; }

    public static StaleWeek Mark(DateTimeOffset week, DateTimeOffset at) => new() { Week = week, MarkedAt = at };
}

public sealed class RolledWeekConfiguration : IEntityTypeConfiguration<RolledWeek>
{
    public void Configure(EntityTypeBuilder<RolledWeek> b)
    {
        b.ToTable("analytics_rolled_weeks");
        b.HasKey(w => w.Week);
        b.Property(w => w.Week).HasColumnName("week");
        b.Property(w => w.RolledAt).HasColumnName("rolled_at");
    }
}

public sealed class StaleWeekConfiguration : IEntityTypeConfiguration<StaleWeek>
{
    public void Configure(EntityTypeBuilder<StaleWeek> b)
    {
        b.ToTable("analytics_stale_weeks");
        b.HasKey(w => w.Id);
        b.Property(w => w.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        b.Property(w => w.Week).HasColumnName("week");
        b.Property(w => w.MarkedAt).HasColumnName("marked_at");
        b.HasIndex(w => w.Week);
    }
}

/// <summary>
/// Rolls closed weeks up: for each closed week not rolled yet (or marked stale since), recomputes its rollup rows
/// from the raw incidents and alerts and records it as rolled. Nothing here runs on the write path; writers only
/// add a <see cref="StaleWeek"/> mark when they change a closed week (<see cref="RollupInvalidator"/>).
/// See docs/decisions/014-analytics-closed-week-rollup.md.
/// </summary>
public sealed class AnalyticsRollupJob(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<AnalyticsRollupJob> logger)
{
    public const string RecurringId = "analytics-rollup";

    /// <summary>
    /// A week is rolled only this long after it closed: a transaction that started while the week was still open
    /// (and so wrote no mark) has long committed by then.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(15);

    private const long LockKey = 1466200;

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 2)]
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var rolled = 0;
        foreach (var week in await WeeksToRollAsync(ct))
        {
            await RollAsync(week, ct);
            rolled++;
        }

        if (rolled > 0)
        {
            logger.LogInformation("Analytics rollup: {Weeks} closed week(s) rolled", rolled);
        }

        return rolled;
    }

    /// <summary>Closed weeks (past the grace period) with incidents and no rollup yet, and rolled weeks marked stale.</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> WeeksToRollAsync(CancellationToken ct)
    {
        // Incidents before the Monday of (now - grace) are all in weeks that closed at least the grace period ago.
        var before = AnalyticsWeeks.Monday(clock.GetUtcNow() - Grace);
        await using var command = dataSource.CreateCommand($"""
            SELECT w FROM (
                SELECT DISTINCT {IncidentWeeklyStatsSql.Stats.Keys[0].Expression} AS w FROM incidents i WHERE i."TriggeredAt" < @before
                EXCEPT SELECT week FROM analytics_rolled_weeks
                UNION SELECT week FROM analytics_stale_weeks WHERE week < @before
            ) x ORDER BY w
            """);
        command.Parameters.AddWithValue("before", before);
        var weeks = new List<DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            weeks.Add(reader.GetFieldValue<DateTimeOffset>(0));
        }

        return weeks;
    }

    /// <summary>
    /// One week, in one transaction: the marks are read first, the rows recomputed by later statements (READ
    /// COMMITTED: each sees everything committed before it, so every change behind a mark read), and only the
    /// marks read are removed. A writer that commits during the roll leaves its mark: the week is rolled again.
    /// </summary>
    public async Task RollAsync(DateTimeOffset week, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        await using (var serialise = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, tx))
        {
            await serialise.ExecuteNonQueryAsync(ct);
        }

        var marks = new List<long>();
        await using (var read = new NpgsqlCommand("SELECT id FROM analytics_stale_weeks WHERE week = @week", connection, tx))
        {
            read.Parameters.AddWithValue("week", week);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                marks.Add(reader.GetInt64(0));
            }
        }

        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var rollup in IncidentWeeklyStatsSql.All)
        {
            batch.BatchCommands.Add(Command($"DELETE FROM {rollup.Table} WHERE week = @week", week));
            batch.BatchCommands.Add(Command($"""
                INSERT INTO {rollup.Table} ({rollup.ColumnList})
                {IncidentWeeklyStatsSql.BucketsFromIncidents(rollup, "i.\"TriggeredAt\" >= @week AND i.\"TriggeredAt\" < @week + interval '168 hours'")}
                """, week));
        }

        var unmark = new NpgsqlBatchCommand("DELETE FROM analytics_stale_weeks WHERE id = ANY($1)");
        unmark.Parameters.Add(new NpgsqlParameter { Value = marks.ToArray() });
        batch.BatchCommands.Add(unmark);
        batch.BatchCommands.Add(Command("""
            INSERT INTO analytics_rolled_weeks (week, rolled_at) VALUES (@week, now()) ON CONFLICT (week) DO UPDATE SET rolled_at = excluded.rolled_at
            """, week));
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Forgets every rolled week (bulk writers that bypass the change tracker call this first).</summary>
    public static NpgsqlBatchCommand ForgetAll() => new("TRUNCATE analytics_rolled_weeks, analytics_stale_weeks, incident_weekly_stats, incident_weekly_groups");

    private static NpgsqlBatchCommand Command(string sql, DateTimeOffset week)
    {
        var command = new NpgsqlBatchCommand(sql.Replace("@week", "$1", StringComparison.Ordinal));
        command.Parameters.Add(new NpgsqlParameter { Value = week });
        return command;
    }
}
