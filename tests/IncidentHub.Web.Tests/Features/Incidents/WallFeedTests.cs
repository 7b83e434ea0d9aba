using System.Net.Http.Json;
using System.Text.Json;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Incidents;

/// <summary>Every wall open in a process gets the same snapshot from one read per change (decision 026).</summary>
[Collection(AppCollection.Name)]
public sealed class WallFeedTests(IncidentHubFactory app)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    [Fact]
    public async Task NewIncident_ReachesEveryOpenWall_EvenWithOneWallStuck()
    {
        var feed = app.Services.GetRequiredService<WallFeed>();
        var never = new TaskCompletionSource();
        using var stuck = feed.Subscribe(_ => never.Task);
        var walls = Enumerable.Range(0, 20).Select(_ => new Wall()).ToList();
        var subscriptions = walls.Select(w => feed.Subscribe(w.OnChange)).ToList();

        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var fp = Guid.NewGuid().ToString("N")[..16];
        using var http = app.Client();
        // Two changes: the stuck wall is still in its first when the second is fanned out.
        var first = await (await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("firing", $"g-{fp}", (fp, "QueueBacklog", "billing", "warning", "firing")))))
            .Content.ReadFromJsonAsync<HookAccepted>(Json);
        var fp2 = Guid.NewGuid().ToString("N")[..16];
        var second = await (await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("firing", $"g-{fp2}", (fp2, "QueueBacklog", "ledger", "warning", "firing")))))
            .Content.ReadFromJsonAsync<HookAccepted>(Json);

        foreach (var wall in walls)
        {
            var seen = await wall.Shows(second!.Incidents[0].Id).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains(seen.Open, i => i.Id == first!.Incidents[0].Id);
        }

        // What a newly opened wall reads first is the feed's kept snapshot, as new as what the others were sent.
        var current = await feed.CurrentAsync();
        Assert.Contains(current.Open, i => i.Id == second!.Incidents[0].Id);

        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }

        stuck.Dispose();
        Assert.Equal(0, feed.Walls);
    }

    [Fact]
    public async Task AChangeTheWallDoesNotShow_IsNotSentToTheWalls_AndTheNextOneIs()
    {
        var feed = app.Services.GetRequiredService<WallFeed>();
        var notifier = app.Services.GetRequiredService<IIncidentNotifier>();
        var received = new List<WallSnapshot>();
        var wall = new Wall();
        using var subscription = feed.Subscribe(snapshot =>
        {
            if (snapshot is not null)
            {
                lock (received)
                {
                    received.Add(snapshot);
                }
            }

            return wall.OnChange(snapshot);
        });

        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        using var http = app.Client();
        async Task<Guid> OpenAsync(string service)
        {
            var fp = Guid.NewGuid().ToString("N")[..16];
            var accepted = await (await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("firing", $"g-{fp}", (fp, "QueueBacklog", service, "warning", "firing")))))
                .Content.ReadFromJsonAsync<HookAccepted>(Json);
            return accepted!.Incidents[0].Id;
        }

        var first = await OpenAsync("billing");
        await wall.Shows(first).WaitAsync(TimeSpan.FromSeconds(10));

        // "INC changed" with nothing on its row changed (as a timeline line or a job's bookkeeping publishes it): the feed
        // reads, and sends nothing.
        var before = (await feed.CurrentAsync()).Version;
        await notifier.PublishAsync([first]);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await feed.CurrentAsync()).Version <= before)
        {
            Assert.True(DateTime.UtcNow < deadline, "the feed did not read after the change");
            await Task.Delay(10);
        }

        // The next change that shows is sent as usual.
        var second = await OpenAsync("ledger");
        await wall.Shows(second).WaitAsync(TimeSpan.FromSeconds(10));

        lock (received)
        {
            Assert.Contains(received, s => s.Open.Any(i => i.Id == second));
            for (var i = 1; i < received.Count; i++)
            {
                Assert.False(IncidentSummary.LookAlike(received[i - 1].Open, received[i].Open), $"snapshot {received[i].Version} shows what {received[i - 1].Version} showed");
            }
        }
    }

    private sealed class Wall
    {
        private readonly List<(Guid Id, TaskCompletionSource<WallSnapshot> Done)> _waiting = [];
        private WallSnapshot? _last;

        public Task OnChange(WallSnapshot? snapshot)
        {
            lock (_waiting)
            {
                if (snapshot is not null && (_last is null || snapshot.Version > _last.Version))
                {
                    _last = snapshot;
                }

                foreach (var (id, done) in _waiting.Where(w => _last?.Open.Any(i => i.Id == w.Id) == true).ToList())
                {
                    done.TrySetResult(_last!);
                    _waiting.RemoveAll(w => w.Id == id);
                }
            }

            return Task.CompletedTask;
        }

        public Task<WallSnapshot> Shows(Guid incident)
        {
            lock (_waiting)
            {
                if (_last is not null && _last.Open.Any(i => i.Id == incident))
                {
                    return Task.FromResult(_last);
                }

                var done = new TaskCompletionSource<WallSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting.Add((incident, done));
                return done.Task;
            }
        }
    }
}
