using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Infrastructure.Observability;

/// <summary>
/// Incidents by state and the outbox's depth, read at most every <see cref="MaxAge"/>: gauges are read at scrape time
/// (synchronously, OpenTelemetry's callbacks are), and several scrapers or a short interval must not each run the
/// counts. With PostgreSQL away the last values are kept (a scrape never fails for it).
/// </summary>
public sealed class DatabaseGauges(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, ILogger<DatabaseGauges> logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);

    public sealed record Snapshot(IReadOnlyDictionary<string, long> IncidentsByState, long OutboxDepth, DateTimeOffset At);

    private readonly Lock _gate = new();
    private Snapshot _last = new(new Dictionary<string, long>(), 0, DateTimeOffset.MinValue);

    public Snapshot Read()
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (now - _last.At < MaxAge)
            {
                return _last;
            }

            try
            {
                using var db = dbFactory.CreateDbContext();
                var incidents = db.Incidents.AsNoTracking().GroupBy(i => i.State).Select(g => new { g.Key, Count = g.LongCount() }).ToList()
                    .ToDictionary(x => x.Key.ToString(), x => x.Count);
                // Every message not Sent yet (Waiting, Queued, Sending, Failed, Uncertain).
                var outbox = db.Outbox.AsNoTracking().GroupBy(m => m.Status).Select(g => new { g.Key, Count = g.LongCount() }).ToList()
                    .Where(x => x.Key.ToString() != "Sent").Sum(x => x.Count);
                // Every state appears, with 0 when empty, so a series does not vanish when its last incident moves on.
                foreach (var state in Enum.GetNames<IncidentHub.Analysis.Incidents.IncidentState>())
                {
                    incidents.TryAdd(state, 0);
                }

                _last = new Snapshot(incidents, outbox, now);
            }
            catch (Exception ex) when (DatabaseUnavailable(ex))
            {
                logger.LogWarning("Metrics kept their last database values: {Reason}", ex.Message);
                _last = _last with { At = now };
            }

            return _last;
        }
    }

    private static bool DatabaseUnavailable(Exception ex) => Errors.DatabaseUnavailableException.From(ex) is not null || ex is TimeoutException;
}
