using System.Net.Http.Json;
using System.Text.Json;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
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
