using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Ingestion;

[Collection(AppCollection.Name)]
public sealed class FlappingAndMaintenanceTests(IncidentHubFactory app)
{
    [Fact]
    public async Task FlappingAlert_StopsReopeningIncidents_AndTheIncidentSaysSo()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var fp = Guid.NewGuid().ToString("N")[..16];
        using var http = app.Client();
        async Task SendAsync(string status) =>
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(hook + "?wait=true",
                Payloads.Json(Payloads.Alertmanager(status, $"g-{fp}", (fp, "QueueDepth", "batch-reports", "warning", status))))).StatusCode);

        // fire, resolve, fire, resolve: two short incidents; the 4th change makes it flap.
        foreach (var status in new[] { "firing", "resolved", "firing", "resolved", "firing", "resolved", "firing" })
        {
            await SendAsync(status);
        }

        await using var db = await NewDbAsync();
        var alert = await db.Alerts.SingleAsync(a => a.Fingerprint == fp);
        Assert.True(alert.Flapping);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        var incidents = await db.Incidents.Where(i => i.GroupKey == $"g-{fp}").OrderBy(i => i.Number).ToListAsync();
        Assert.Equal(2, incidents.Count);
        Assert.All(incidents, i => Assert.Equal(IncidentState.Resolved, i.State));
        var last = await GetAsync(incidents[^1].Number);
        Assert.Contains(last.Timeline, t => t.Text.StartsWith("Flapping:", StringComparison.Ordinal));
        Assert.Contains(last.Timeline, t => t.Text.StartsWith("Fired again while flapping, not re-opened", StringComparison.Ordinal));
        Assert.True(Assert.Single(last.Alerts).Flapping);
    }

    [Fact]
    public async Task AlertInMaintenanceWindow_IsStoredButOpensNothing_UntilTheWindowEnds()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        var service = $"svc-{Guid.NewGuid():N}"[..16];
        using var scope = app.Services.CreateScope();
        var silences = scope.ServiceProvider.GetRequiredService<SilenceService>();
        var window = await silences.CreateAsync($"service={service}, env=prod", TimeSpan.FromHours(1), "database upgrade", IncidentHubFactory.Admin);
        using var http = app.Client();
        async Task<JsonObject> SendAsync(object body) =>
            (await (await http.PostAsJsonAsync(hook + "?wait=true", body)).Content.ReadFromJsonAsync<JsonObject>())!;

        var held = await SendAsync(new { title = "Disk latency high", service, labels = new { env = "prod" } });
        var otherEnv = await SendAsync(new { title = "Disk latency high", service, labels = new { env = "staging" } });

        Assert.Empty(held["incidents"]!.AsArray());
        Assert.Single(otherEnv["incidents"]!.AsArray());
        await using var db = await NewDbAsync();
        var alert = await db.Alerts.SingleAsync(a => a.SilenceId == window);
        Assert.Null(alert.IncidentId);
        Assert.Equal(1, (await silences.ListAsync()).Single(s => s.Id == window).SilencedAlerts);

        await silences.ExpireAsync(window);
        var after = await SendAsync(new { title = "Disk latency high", service, labels = new { env = "prod" } });

        Assert.Single(after["incidents"]!.AsArray());
        Assert.False((await silences.ListAsync()).Single(s => s.Id == window).Active);
    }

    [Theory]
    [InlineData("", "at least one label matcher")]
    [InlineData("service", "is not a label matcher")]
    [InlineData("service=", "is not a label matcher")]
    public async Task MaintenanceWindow_WithBadMatchers_IsRefusedWithTheReason(string matchers, string message)
    {
        using var scope = app.Services.CreateScope();

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            scope.ServiceProvider.GetRequiredService<SilenceService>().CreateAsync(matchers, TimeSpan.FromHours(1), "x", IncidentHubFactory.Admin));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private async Task<IncidentDetail> GetAsync(int number)
    {
        using var scope = app.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<IncidentService>().GetAsync(number))!;
    }

    private Task<AppDbContext> NewDbAsync() =>
        app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
}
