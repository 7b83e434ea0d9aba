using IncidentHub.Analysis.Ingestion;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IncidentHub.Web.Tests.Features.Ingestion;

/// <summary>
/// The applier's linger (docs/decisions/016, amended): the first alert after a quiet spell is applied at once; during a
/// flood a batch waits for the requests behind it. The linger runs on the app's clock, which this test holds still.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class InboxLingerTests(IncidentHubFactory app)
{
    [Fact]
    public async Task AfterAQuietSpell_AnAlertIsAppliedWithoutLingering_DuringAFlood_TheNextBatchWaitsForTheLinger()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var integrationId = await app.CreateIntegrationIdAsync(SourceKind.Alertmanager);
        var processor = new InboxProcessor(app.Services.GetRequiredService<IServiceScopeFactory>(), app.Services.GetRequiredService<IncidentPipeline>(),
            Options.Create(new IngestionOptions { ApplyLinger = TimeSpan.FromSeconds(1) }), clock, NullLogger<InboxProcessor>.Instance);
        await processor.StartAsync(CancellationToken.None);
        try
        {
            // Quiet: the clock never moves, so a lingering applier would never apply this one (the app's own sweep
            // only picks up events left for 30 s).
            var first = await StoreAsync(integrationId);
            processor.Enqueue(first);
            await Eventually.HoldsAsync(() => StatusAsync(first.EventId), s => s == RawEventStatus.Processed, TimeSpan.FromSeconds(15), "the first alert after a quiet spell applied");

            // A flood: the next events come right behind it (no time has passed); their batch waits for the linger.
            var next = new[] { await StoreAsync(integrationId), await StoreAsync(integrationId) };
            foreach (var e in next)
            {
                processor.Enqueue(e);
            }

            // The clock moves on until they are applied (whether or not the applier reached its wait yet).
            foreach (var e in next)
            {
                await Eventually.HoldsAsync(() =>
                {
                    clock.Advance(TimeSpan.FromMilliseconds(500));
                    return StatusAsync(e.EventId);
                }, s => s == RawEventStatus.Processed, TimeSpan.FromSeconds(15), "the flood's events applied once the clock moved");
            }
        }
        finally
        {
            await processor.StopAsync(CancellationToken.None);
        }
    }

    private async Task<ParsedEvent> StoreAsync(Guid integrationId)
    {
        var fp = Guid.NewGuid().ToString("N")[..16];
        var body = System.Text.Encoding.UTF8.GetBytes(Payloads.Alertmanager("firing", $"g-{fp}", (fp, "LingerProbe", "inventory", "warning", "firing")).ToJsonString());
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = "application/json" };
        var now = DateTimeOffset.UtcNow;
        var parsed = AlertSources.Parse(SourceKind.Alertmanager, body, now, headers);
        var id = await app.Services.GetRequiredService<InboxWriter>()
            .AppendAsync(new RawEventDraft(integrationId, now, headers, body, body.Length, RawEventStatus.Received, null, parsed.Alerts.Count));
        return new ParsedEvent(id, integrationId, parsed.Alerts);
    }

    private async Task<RawEventStatus> StatusAsync(long eventId)
    {
        await using var db = await NewDbAsync();
        return await db.AlertEvents.Where(e => e.Id == eventId).Select(e => e.Status).SingleAsync();
    }

    private Task<AppDbContext> NewDbAsync() =>
        app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
}
