using IncidentHub.Tests.Shared;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace IncidentHub.Web.Tests.Infrastructure;

/// <summary>
/// Two notifiers on two connections pools stand for two processes (a worker and a web node)
/// sharing one PostgreSQL: what one publishes reaches the other's subscribers through LISTEN/NOTIFY.
/// </summary>
public sealed class IncidentNotifierTests : IAsyncLifetime
{
    private TestDatabase _database = default!;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<NpgsqlDataSource> _sources = [];

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var source in _sources)
        {
            await source.DisposeAsync();
        }

        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Publish_InWorkerProcess_ReachesSubscriberInWebProcess()
    {
        var worker = await StartProcessAsync();
        var web = await StartProcessAsync();
        var incident = Guid.NewGuid();
        var received = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = web.Subscribe(incident, id =>
        {
            received.TrySetResult(id);
            return Task.CompletedTask;
        });

        await worker.PublishAsync([incident]);

        Assert.Equal(incident, await received.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task StuckSubscriber_DoesNotHoldUpTheOtherPages()
    {
        var worker = await StartProcessAsync();
        var web = await StartProcessAsync();
        var incident = Guid.NewGuid();
        var never = new TaskCompletionSource();
        var stuckCalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var otherSaw = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A page whose browser went away and never finishes its reload, subscribed first.
        using var stuck = web.Subscribe(null, _ =>
        {
            stuckCalled.TrySetResult();
            return never.Task;
        });
        await worker.PublishAsync([incident]);
        await stuckCalled.Task.WaitAsync(TimeSpan.FromSeconds(5));

        using var other = web.Subscribe(incident, _ =>
        {
            otherSaw.TrySetResult();
            return Task.CompletedTask;
        });
        await worker.PublishAsync([incident]);

        await otherSaw.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Subscriber_ForOneIncident_IgnoresOthers_AndWallSubscriberSeesAll()
    {
        var worker = await StartProcessAsync();
        var web = await StartProcessAsync();
        var mine = Guid.NewGuid();
        var other = Guid.NewGuid();
        var seenByPage = new List<Guid>();
        var wallSaw = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pageSaw = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var page = web.Subscribe(mine, id =>
        {
            lock (seenByPage)
            {
                seenByPage.Add(id);
            }

            pageSaw.TrySetResult();
            return Task.CompletedTask;
        });
        using var wall = web.Subscribe(null, _ =>
        {
            wallSaw.TrySetResult();
            return Task.CompletedTask;
        });

        await worker.PublishAsync([other]);
        await wallSaw.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await worker.PublishAsync([mine]);
        await pageSaw.Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal([mine], seenByPage);
    }

    [Fact]
    public async Task Publish_InSameProcess_IsDeliveredOnce()
    {
        var process = await StartProcessAsync();
        var incident = Guid.NewGuid();
        var count = 0;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var marker = Guid.NewGuid();
        var markerSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = process.Subscribe(null, id =>
        {
            if (id == incident)
            {
                Interlocked.Increment(ref count);
                first.TrySetResult();
            }
            else if (id == marker)
            {
                markerSeen.TrySetResult();
            }

            return Task.CompletedTask;
        });

        await process.PublishAsync([incident]);
        await first.Task.WaitAsync(TimeSpan.FromSeconds(5));
        // Our own NOTIFY comes back through LISTEN; a later marker from another process proves it was processed.
        var other = await StartProcessAsync();
        await other.PublishAsync([marker]);
        await markerSeen.Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(1, count);
    }

    [Fact]
    public async Task StormStartAndEnd_ReachTheWallSubscribers_ButNotAnIncidentPage()
    {
        var web = await StartProcessAsync();
        var wallHeard = new List<Guid>();
        var pageHeard = 0;
        var stormSeen = new TaskCompletionSource<IntakeStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calmSeen = new TaskCompletionSource<IntakeStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var page = web.Subscribe(Guid.NewGuid(), _ =>
        {
            Interlocked.Increment(ref pageHeard);
            return Task.CompletedTask;
        });
        using var wall = web.Subscribe(null, id =>
        {
            wallHeard.Add(id);
            (web.Intake.Storming ? stormSeen : calmSeen).TrySetResult(web.Intake);
            return Task.CompletedTask;
        });

        web.PublishIntake(new IntakeStatus(true, 212, 3));
        var storm = await stormSeen.Task.WaitAsync(TimeSpan.FromSeconds(5));
        // A reading that changes only the rate updates what the wall reads, without waking every wall.
        web.PublishIntake(new IntakeStatus(true, 230, 4));
        web.PublishIntake(new IntakeStatus(false, 10, 0));
        var calm = await calmSeen.Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(212, storm.RequestsPerSecond);
        Assert.Equal(3, storm.JobsWaiting);
        Assert.False(calm.Storming);
        Assert.Equal([IIncidentNotifier.IntakeChanged, IIncidentNotifier.IntakeChanged], wallHeard);
        Assert.Equal(0, pageHeard);
    }

    private async Task<IncidentNotifier> StartProcessAsync()
    {
        var source = NpgsqlDataSource.Create(_database.ConnectionString);
        _sources.Add(source);
        var notifier = new IncidentNotifier(source, NullLogger<IncidentNotifier>.Instance);
        var listener = new IncidentEventsListener(source, notifier, NullLogger<IncidentEventsListener>.Instance);
        var dispatcher = new IncidentEventsDispatcher(notifier);
        await listener.StartAsync(_stop.Token);
        await dispatcher.StartAsync(_stop.Token);
        await listener.Listening.WaitAsync(TimeSpan.FromSeconds(5));
        return notifier;
    }
}
