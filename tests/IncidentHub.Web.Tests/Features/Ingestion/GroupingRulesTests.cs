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

/// <summary>Per-integration grouping rules on real PostgreSQL: each decision explained on the incident.</summary>
[Collection(AppCollection.Name)]
public sealed class GroupingRulesTests(IncidentHubFactory app)
{
    [Fact]
    public async Task GroupByServiceAndAlertname_SplitsOneSourceGroup_AndExplainsEachDecision()
    {
        var (hook, id) = await CreateAsync(GroupingRules.Default with { GroupBy = ["service", "alertname"] });
        using var http = app.Client();
        var group = $"g-{Guid.NewGuid():N}";

        var first = await PostAsync(http, hook, group, ("a" + group, "HighErrorRate", "payments"));
        var second = await PostAsync(http, hook, group, ("b" + group, "HighErrorRate", "payments"));
        var other = await PostAsync(http, hook, group, ("c" + group, "HighErrorRate", "checkout"));

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        var detail = await GetAsync(first);
        var opened = Assert.Single(detail.Timeline, t => t.Kind == TimelineKind.Opened);
        Assert.Contains("rule 'group by service, alertname': service=payments, alertname=HighErrorRate", opened.Text, StringComparison.Ordinal);
        var grouped = Assert.Single(detail.Timeline, t => t.Kind == TimelineKind.AlertGrouped);
        Assert.Equal($"Alert HighErrorRate: HighErrorRate on payments grouped into INC-{first} by rule 'group by service, alertname': service=payments, alertname=HighErrorRate", grouped.Text);
    }

    [Fact]
    public async Task MaxIncidentAge_OpensANewIncident_AndSaysWhy()
    {
        var (hook, id) = await CreateAsync(GroupingRules.Default with { GroupBy = ["service"], MaxIncidentAge = TimeSpan.FromMinutes(10) });
        using var http = app.Client();
        var group = $"g-{Guid.NewGuid():N}";
        var first = await PostAsync(http, hook, group, ("a" + group, "DiskFull", "inventory"));
        await using (var db = await NewDbAsync())
        {
            // The incident has been open for an hour.
            await db.Incidents.Where(i => i.Number == first).ExecuteUpdateAsync(s => s.SetProperty(i => i.TriggeredAt, DateTimeOffset.UtcNow.AddHours(-1)));
        }

        var second = await PostAsync(http, hook, group, ("b" + group, "DiskFull", "inventory"));

        Assert.NotEqual(first, second);
        var opened = Assert.Single((await GetAsync(second)).Timeline, t => t.Kind == TimelineKind.Opened);
        Assert.Contains($"not joined to INC-{first} because the open incident is older than the 10 min maximum age", opened.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenThreshold_HoldsAlertsUntilTheThirdArrives_ThenOpensWithAllThree()
    {
        var (hook, _) = await CreateAsync(GroupingRules.Default with { GroupBy = ["service"], OpenThreshold = 3, ThresholdWindow = TimeSpan.FromMinutes(5) });
        using var http = app.Client();
        var group = $"g-{Guid.NewGuid():N}";

        var one = await PostRawAsync(http, hook, group, ("a" + group, "Timeout", "geocoder"));
        var two = await PostRawAsync(http, hook, group, ("b" + group, "Timeout", "geocoder"));
        var three = await PostRawAsync(http, hook, group, ("c" + group, "Timeout", "geocoder"));

        Assert.Empty(one["incidents"]!.AsArray());
        Assert.Empty(two["incidents"]!.AsArray());
        var number = three["incidents"]![0]!["number"]!.GetValue<int>();
        var detail = await GetAsync(number);
        Assert.Equal(3, detail.Alerts.Count);
        Assert.Contains("3 alerts within 5 min reached the threshold of 3", Assert.Single(detail.Timeline, t => t.Kind == TimelineKind.Opened).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManualResolution_KeepsTheIncidentOpenWhenItsAlertsResolve()
    {
        var (hook, _) = await CreateAsync(GroupingRules.Default with { ResolveWhenAllResolved = false });
        using var http = app.Client();
        var group = $"g-{Guid.NewGuid():N}";
        var number = await PostAsync(http, hook, group, ("a" + group, "CertExpiry", "push-gateway"));

        await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("resolved", group, ("a" + group, "CertExpiry", "push-gateway", "warning", "resolved"))));

        var detail = await GetAsync(number);
        Assert.Equal(AlertStatus.Resolved, Assert.Single(detail.Alerts).Status);
        Assert.NotEqual(IncidentState.Resolved, detail.Summary.State);
    }

    [Fact]
    public async Task DryRun_ShowsWhatProposedRulesWouldHaveDone_WithoutChangingAnything()
    {
        var (hook, id) = await CreateAsync(GroupingRules.Default);
        using var http = app.Client();
        var group = $"g-{Guid.NewGuid():N}";
        foreach (var (fp, service) in new[] { ("a", "payments"), ("b", "checkout"), ("c", "payments"), ("a", "payments") })
        {
            await PostAsync(http, hook, group, (fp + group, "HighErrorRate", service));
        }

        using var scope = app.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();
        var (current, proposed) = await integrations.DryRunAsync(id, GroupingRules.Default with { GroupBy = ["service"] }, TimeSpan.FromDays(7));

        Assert.Single(current.Incidents);
        Assert.Equal(2, proposed.Incidents.Count);
        Assert.Equal(4, proposed.Notifications);
        Assert.Equal(["service=payments", "service=checkout"], proposed.Incidents.Select(i => i.Fields));
        Assert.Empty((await integrations.RulesAsync(id)).GroupBy);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => integrations.DryRunAsync(id, GroupingRules.Default with { OpenThreshold = 0 }, TimeSpan.FromDays(1)));
    }

    [Fact]
    public async Task DryRun_ReplaysOnlyTheNewestPayloads_WithinTheEventAndByteBounds()
    {
        var (hook, id) = await CreateAsync(GroupingRules.Default);
        using var http = app.Client();
        var group = $"g-{Guid.NewGuid():N}";
        for (var i = 0; i < 6; i++)
        {
            await PostAsync(http, hook, group, ($"fp{i}{group}", "HighErrorRate", $"service-{i}"));
        }

        await using var db = await NewDbAsync();
        var newestTwoBytes = (await db.AlertEvents.Where(e => e.IntegrationId == id).OrderByDescending(e => e.Id).Take(2)
            .Select(e => e.Body.Length).ToListAsync()).Sum();
        var byService = GroupingRules.Default with { GroupBy = ["service"] };

        var unbounded = await DryRunAsync(id, byService, new IngestionOptions());
        var byCount = await DryRunAsync(id, byService, new IngestionOptions { DryRunMaxEvents = 3 });
        var byBytes = await DryRunAsync(id, byService, new IngestionOptions { DryRunMaxBytes = newestTwoBytes + 10 });

        Assert.Equal(6, unbounded.Notifications);
        Assert.Equal(3, byCount.Notifications);
        Assert.Equal(["service=service-3", "service=service-4", "service=service-5"], byCount.Incidents.Select(i => i.Fields).Order());
        Assert.Equal(2, byBytes.Notifications);
        Assert.Equal(["service=service-4", "service=service-5"], byBytes.Incidents.Select(i => i.Fields).Order());
    }

    /// <summary>The real IntegrationService of the app, with the dry-run limits of the test.</summary>
    private async Task<SimulationResult> DryRunAsync(Guid id, GroupingRules rules, IngestionOptions limits)
    {
        using var scope = app.Services.CreateScope();
        var integrations = ActivatorUtilities.CreateInstance<IntegrationService>(scope.ServiceProvider, Microsoft.Extensions.Options.Options.Create(limits));
        return (await integrations.DryRunAsync(id, rules, TimeSpan.FromDays(1))).Proposed;
    }

    private async Task<(string Hook, Guid Id)> CreateAsync(GroupingRules rules)
    {
        using var scope = app.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();
        var issued = await integrations.CreateAsync($"rules {Guid.NewGuid():N}", SourceKind.Alertmanager);
        await integrations.SetRulesAsync(issued.IntegrationId, rules);
        return (new Uri(issued.Url).AbsolutePath, issued.IntegrationId);
    }

    private static async Task<int> PostAsync(HttpClient http, string hook, string group, (string Fingerprint, string AlertName, string Service) alert) =>
        (await PostRawAsync(http, hook, group, alert))["incidents"]![0]!["number"]!.GetValue<int>();

    private static async Task<JsonObject> PostRawAsync(HttpClient http, string hook, string group, (string Fingerprint, string AlertName, string Service) alert)
    {
        var response = await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("firing", group, (alert.Fingerprint, alert.AlertName, alert.Service, "warning", "firing"))));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private async Task<IncidentDetail> GetAsync(int number)
    {
        using var scope = app.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<IncidentService>().GetAsync(number))!;
    }

    private Task<AppDbContext> NewDbAsync() =>
        app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
}
