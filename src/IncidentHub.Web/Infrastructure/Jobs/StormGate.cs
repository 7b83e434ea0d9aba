using Hangfire.Server;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IncidentHub.Web.Infrastructure.Jobs;

/// <summary>
/// Agent work yields to intake during an alert storm: on two cores the agents' CPU would come out of the webhooks'
/// latency. Samples the inbox's growth in every process; the wall hears of it through the live-update notifier.
/// The rule and its bounds are decision 015.
/// </summary>
public sealed class StormGate(NpgsqlDataSource dataSource, IncidentNotifier notifier, IOptions<IncidentHubOptions> options, TimeProvider clock, ILogger<StormGate> logger)
    : BackgroundService
{
    private readonly ManualResetEventSlim _calm = new(true);

    /// <summary>Webhook requests per second over the last sample.</summary>
    public double RequestsPerSecond { get; private set; }

    public bool Storming => !_calm.IsSet;

    private int _waiting;

    /// <summary>Jobs held at the gate right now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>How often the rate is read: a storm closes the gate within about this long.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Recent readings (timestamp, last id), oldest first, reaching back about a second.
        var samples = new Queue<(long At, long Id)>();
        var failing = false;
        using var timer = new PeriodicTimer(SampleInterval, clock);
        do
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT coalesce(max(\"Id\"), 0) FROM alert_events");
                var id = Convert.ToInt64(await command.ExecuteScalarAsync(stoppingToken), System.Globalization.CultureInfo.InvariantCulture);
                var now = clock.GetTimestamp();
                if (samples.Count > 0)
                {
                    var (lastAt, lastId) = samples.Last();
                    while (samples.Count > 1 && clock.GetElapsedTime(samples.ElementAt(1).At, now) >= TimeSpan.FromSeconds(1))
                    {
                        samples.Dequeue();
                    }

                    var (firstAt, firstId) = samples.Peek();
                    Observe(Rate(lastId, id, clock.GetElapsedTime(lastAt, now)), Rate(firstId, id, clock.GetElapsedTime(firstAt, now)));
                }

                samples.Enqueue((now, id));
                if (failing)
                {
                    failing = false;
                    logger.LogInformation("Storm gate: reading the intake rate again");
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Without a reading the agents are not held back. Said once per outage, not four times a second.
                if (!failing)
                {
                    failing = true;
                    logger.LogWarning(e, "Storm gate: could not read the intake rate; agents are not held back until it can");
                }

                samples.Clear();
                Observe(0);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static double Rate(long from, long to, TimeSpan elapsed) => (to - from) / Math.Max(0.001, elapsed.TotalSeconds);

    /// <summary>
    /// One reading of the intake rate: the gate closes as soon as the latest interval is above the limit (a storm
    /// is held within a quarter second, before agents start more work), and opens once the rate over the last
    /// second is at or below it (a short lull inside a storm does not let the agents back in).
    /// </summary>
    public void Observe(double requestsPerSecond, double? overLastSecond = null)
    {
        RequestsPerSecond = overLastSecond ?? requestsPerSecond;
        var limit = options.Value.StormRequestsPerSecond;
        if (requestsPerSecond > limit && _calm.IsSet)
        {
            _calm.Reset();
            logger.LogWarning("Alert storm: {Rate:0} webhook requests/s (limit {Limit}); agent jobs wait until it calms down (at most {MaxDelay})",
                requestsPerSecond, limit, options.Value.StormMaxDelay);
        }
        else if ((overLastSecond ?? requestsPerSecond) <= limit && requestsPerSecond <= limit && !_calm.IsSet)
        {
            _calm.Set();
            logger.LogInformation("Alert storm over ({Rate:0} webhook requests/s); agent jobs run again", overLastSecond ?? requestsPerSecond);
        }

        // The wall shows it, through the same live-update path as incident changes.
        notifier.PublishIntake(new IntakeStatus(Storming, RequestsPerSecond, Waiting));
    }

    /// <summary>Blocks until intake is calm or the maximum delay has passed; returns how long it waited.</summary>
    public TimeSpan WaitForCalm(CancellationToken ct)
    {
        if (_calm.IsSet)
        {
            return TimeSpan.Zero;
        }

        var start = clock.GetTimestamp();
        Interlocked.Increment(ref _waiting);
        try
        {
            _calm.Wait(options.Value.StormMaxDelay, ct);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        return clock.GetElapsedTime(start);
    }

    public override void Dispose()
    {
        _calm.Dispose();
        base.Dispose();
    }
}

/// <summary>Holds every background job at the <see cref="StormGate"/> before it runs.</summary>
public sealed class StormGateFilter(StormGate gate, ILogger<StormGateFilter> logger) : IServerFilter
{
    public void OnPerforming(PerformingContext context)
    {
        var waited = gate.WaitForCalm(context.CancellationToken.ShutdownToken);
        if (waited >= TimeSpan.FromSeconds(1))
        {
            logger.LogInformation("Job {Job} ({Type}) waited {Seconds:0} s for an alert storm to calm down",
                context.BackgroundJob.Id, context.BackgroundJob.Job.Type.Name, waited.TotalSeconds);
        }
    }

    public void OnPerformed(PerformedContext context)
    {
    }
}
