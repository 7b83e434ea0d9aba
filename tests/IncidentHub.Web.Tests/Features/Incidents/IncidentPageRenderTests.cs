using Bunit;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Incidents.Pages;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.Incidents;

/// <summary>
/// A click from the wall shows the incident's title after a small first render: the header comes in a render batch of
/// its own, the timeline and alerts (bounded, with a way to the rest) in the next (decision 026).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class IncidentPageRenderTests : BunitContext, IAsyncLifetime
{
    private readonly IncidentHubFactory _app;
    private readonly IServiceScope _scope;

    public IncidentPageRenderTests(IncidentHubFactory app)
    {
        _app = app;
        _scope = app.Services.CreateScope();
        Services.AddMudServices();
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<IncidentService>());
        Services.AddSingleton(app.Services.GetRequiredService<IIncidentNotifier>());
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<IEnumerable<IncidentPanel>>([]);
        JSInterop.Mode = JSRuntimeMode.Loose;
        var auth = AddAuthorization();
        auth.SetAuthorized(IncidentHubFactory.AdminEmail);
        auth.SetRoles(Roles.Admin);
        auth.SetPolicies(Policies.Responder);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        _scope.Dispose();
    }

    [Fact]
    public async Task IncidentPage_ShowsTheHeaderFirst_ThenTheListsBounded_AndTheRestOnRequest()
    {
        var hook = await _app.CreateIntegrationAsync(SourceKind.Alertmanager, $"page {Guid.NewGuid():N}");
        var run = Guid.NewGuid().ToString("N")[..8];
        using var http = _app.Client();
        var alerts = Enumerable.Range(0, 120).Select(i => ($"Page{run}-{i}", $"Page{run}", "checkout", "warning", "firing")).ToArray();
        (await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("firing", $"Page{run}-group", alerts)))).EnsureSuccessStatusCode();
        int number;
        await using (var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(_app.ConnectionString).Options))
        {
            number = (await db.Incidents.AsNoTracking().SingleAsync(i => i.Title.StartsWith($"Page{run}"))).Number;
        }

        // Every render's markup, from the first: the page's read waits behind a lock on the incidents table until the
        // watch is on (a fast read would otherwise render the header and the lists before the test could look).
        var markups = new List<string>();
        IRenderedComponent<IncidentPage> page;
        await using (var gate = new NpgsqlConnection(_app.ConnectionString))
        {
            await gate.OpenAsync();
            await using var hold = await gate.BeginTransactionAsync();
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE", gate, hold))
            {
                await lockTable.ExecuteNonQueryAsync();
            }

            page = Render<IncidentPage>(p => p.Add(x => x.Number, number));
            page.OnMarkupUpdated += (_, _) => markups.Add(page.Markup);
            Assert.DoesNotContain("data-testid=\"incident-title\"", page.Markup, StringComparison.Ordinal);
            await hold.CommitAsync();
        }

        page.WaitForElement("[data-testid=alerts-more]", TimeSpan.FromSeconds(30));
        var header = markups.First(m => m.Contains("data-testid=\"incident-title\"", StringComparison.Ordinal));
        Assert.DoesNotContain("data-testid=\"alert-row\"", header, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"timeline-entry\"", header, StringComparison.Ordinal);

        // The next render brings the lists, bounded: 50 of the 120 alerts, and a button for the rest.
        Assert.Equal(IncidentPage.AlertsFirstShown, page.FindAll("[data-testid=alert-row]").Count);
        Assert.NotEmpty(page.FindAll("[data-testid=timeline-entry]"));
        page.Find("[data-testid=alerts-more]").Click();
        page.WaitForAssertion(() => Assert.Equal(120, page.FindAll("[data-testid=alert-row]").Count));
        Assert.Empty(page.FindAll("[data-testid=alerts-more]"));
    }
}
