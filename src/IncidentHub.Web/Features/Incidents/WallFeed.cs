using IncidentHub.Web.Infrastructure.Live;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>The open incidents as one read saw them; a higher <see cref="Version"/> is a later read.</summary>
public sealed record WallSnapshot(long Version, IReadOnlyList<IncidentSummary> Open);

/// <summary>
/// One read of the wall per change for every wall open in this process (decision 026): the feed listens while any
/// wall is open, reads the open incidents once per (coalesced) change and hands the same snapshot to every wall. A
/// wall's own callback only swaps its list and re-renders, each through its own <see cref="CoalescingRunner{T}"/>.
/// </summary>
public sealed class WallFeed(IServiceScopeFactory scopes, IIncidentNotifier notifier, ILogger<WallFeed> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, CoalescingRunner<WallSnapshot?>> _walls = [];
    private long _nextWall;
    private long _version;
    private IDisposable? _subscription;
    private WallSnapshot? _latest;
    private WallSnapshot? _posted;

    /// <summary>Open walls in this process.</summary>
    public int Walls
    {
        get
        {
            lock (_gate)
            {
                return _walls.Count;
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="onChange"/> with each new snapshot, or with null when only the intake (storm banner)
    /// changed. Subscribe first, then read <see cref="CurrentAsync"/>: nothing in between is missed.
    /// </summary>
    public IDisposable Subscribe(Func<WallSnapshot?, Task> onChange)
    {
        lock (_gate)
        {
            var id = ++_nextWall;
            // A snapshot pending is not replaced by an intake-only change; a later snapshot replaces an earlier one.
            _walls[id] = new CoalescingRunner<WallSnapshot?>(onChange, logger, (pending, posted) => posted ?? pending);
            _subscription ??= notifier.Subscribe(null, OnChangeAsync);
            return new Unsubscribe(this, id);
        }
    }

    /// <summary>The latest snapshot while walls are open (kept current by the feed), else a fresh read.</summary>
    public async Task<WallSnapshot> CurrentAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (_latest is not null)
            {
                return _latest;
            }
        }

        return await ReadAsync(ct);
    }

    private async Task OnChangeAsync(Guid id)
    {
        var snapshot = id == IIncidentNotifier.IntakeChanged ? null : await ReadAsync(CancellationToken.None);
        CoalescingRunner<WallSnapshot?>[] walls;
        lock (_gate)
        {
            // A change the wall does not show (a timeline line, the investigation's evidence, a job's bookkeeping) is
            // not sent: every open wall would render, send and have its browser apply an empty change. Changes come one
            // at a time here (the notifier's runner), so the last snapshot posted is what every wall shows or will.
            if (snapshot is not null && _posted is not null && IncidentSummary.LookAlike(_posted.Open, snapshot.Open))
            {
                return;
            }

            _posted = snapshot ?? _posted;
            walls = [.. _walls.Values];
        }

        foreach (var wall in walls)
        {
            wall.Post(snapshot);
        }
    }

    private async Task<WallSnapshot> ReadAsync(CancellationToken ct)
    {
        // Numbered before the read: a read that starts later sees at least what an earlier one saw.
        var version = Interlocked.Increment(ref _version);
        var started = DateTimeOffset.UtcNow;
        await using var scope = scopes.CreateAsyncScope();
        var open = await scope.ServiceProvider.GetRequiredService<IncidentService>().ListAsync(openOnly: true, ct: ct);
        var snapshot = new WallSnapshot(version, open);
        WallSnapshot? previous;
        lock (_gate)
        {
            previous = _latest;
            if (_subscription is not null && (_latest is null || _latest.Version < version))
            {
                _latest = snapshot;
            }
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            // The incidents this read is the first to show (storm.sh follows each new incident to the walls by these).
            var known = previous?.Open.Select(i => i.Number).ToHashSet() ?? [];
            logger.LogDebug("WALLTIME snapshot {Version} {Started} {Done} {New}", version, started.ToUnixTimeMilliseconds(),
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), string.Join(',', open.Where(i => !known.Contains(i.Number)).Select(i => i.Number)));
        }

        return snapshot;
    }

    /// <summary>At Debug: when a wall's render of a snapshot was handed to its circuit, and when its browser acknowledged it.</summary>
    public void LogRendered(string step, string wall, long version, long entered)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("WALLTIME {Step} {Wall} {Version} {Entered} {At}", step, wall, version, entered, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }
    }

    private void Remove(long id)
    {
        lock (_gate)
        {
            _walls.Remove(id);
            if (_walls.Count == 0)
            {
                // Nobody listens: stop reading, and forget a snapshot that would go stale.
                _subscription?.Dispose();
                _subscription = null;
                _latest = null;
                _posted = null;
            }
        }
    }

    private sealed class Unsubscribe(WallFeed feed, long id) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                feed.Remove(id);
            }
        }
    }
}
