using Bunit;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Components.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Incidents.Components;
using MudBlazor.Services;

namespace IncidentHub.Web.Tests.Components;

public sealed class IncidentWallTests : BunitContext, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    public IncidentWallTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => base.DisposeAsync().AsTask();

    private static IncidentSummary Incident(int number, Severity severity, IncidentState state, string? service = "checkout",
        TimeSpan? age = null, DateTimeOffset? acked = null, int firing = 1, int alerts = 1, int notifications = 3) =>
        new(Guid.NewGuid(), number, $"INC-{number}", $"Title {number}", service, severity, state, Now - (age ?? TimeSpan.FromMinutes(5)),
            acked, state == IncidentState.Resolved ? Now : null, alerts, firing, notifications, Now);

    [Fact]
    public void Wall_ShowsEachIncidentWithSeverityServiceStateAgeAndAlertCounts()
    {
        var wall = Render<IncidentWall>(p => p
            .Add(w => w.Incidents, [Incident(1042, Severity.P0, IncidentState.Investigating, age: TimeSpan.FromMinutes(17), firing: 2, alerts: 3, notifications: 9)])
            .Add(w => w.Now, Now));

        var row = wall.Find("[data-testid=incident-row][data-number='1042']");
        Assert.Contains("ih-row-p0", row.ClassName, StringComparison.Ordinal);
        Assert.Equal("P0", row.QuerySelector(".ih-sev")!.TextContent);
        Assert.Equal("INC-1042", row.QuerySelector(".ih-ref a")!.TextContent);
        Assert.Equal("/incidents/1042", row.QuerySelector(".ih-ref a")!.GetAttribute("href"));
        Assert.Contains("checkout", row.TextContent, StringComparison.Ordinal);
        Assert.Equal("Investigating", row.QuerySelector(".ih-state")!.TextContent);
        Assert.Contains("17m", row.TextContent, StringComparison.Ordinal);
        Assert.Equal("2/3(9)", System.Text.RegularExpressions.Regex.Replace(row.QuerySelector("[data-testid=alert-count]")!.TextContent, @"\s+", ""));
        Assert.Contains("unacked", row.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Wall_MarksDemoAndImportedIncidents_AndLeavesLiveOnesUnmarked()
    {
        var wall = Render<IncidentWall>(p => p
            .Add(w => w.Incidents, [
                Incident(1, Severity.P2, IncidentState.Investigating) with { Origin = IncidentOrigin.Demo },
                Incident(2, Severity.P2, IncidentState.Investigating) with { Origin = IncidentOrigin.Imported },
                Incident(3, Severity.P2, IncidentState.Investigating)])
            .Add(w => w.Now, Now));

        Assert.Equal("demo", wall.Find("[data-number='1'] [data-testid=origin-badge]").TextContent);
        Assert.Contains("not a real incident", wall.Find("[data-number='1'] [data-testid=origin-badge]").GetAttribute("title"), StringComparison.Ordinal);
        Assert.Equal("imported", wall.Find("[data-number='2'] [data-testid=origin-badge]").TextContent);
        Assert.Empty(wall.FindAll("[data-number='3'] [data-testid=origin-badge]"));
    }

    [Fact]
    public void Wall_KeepsTheGivenOrder_AndMarksAcknowledgedAndResolvedRows()
    {
        var wall = Render<IncidentWall>(p => p
            .Add(w => w.Incidents, [
                Incident(1, Severity.P1, IncidentState.Triggered),
                Incident(2, Severity.P3, IncidentState.Investigating, acked: Now - TimeSpan.FromMinutes(3)),
                Incident(3, Severity.P2, IncidentState.Resolved, service: null),
            ])
            .Add(w => w.Now, Now));

        var rows = wall.FindAll("[data-testid=incident-row]");
        Assert.Equal(["1", "2", "3"], rows.Select(r => r.GetAttribute("data-number")));
        Assert.Contains("✓", rows[1].TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("unacked", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("ih-row-resolved", rows[2].ClassName, StringComparison.Ordinal);
        Assert.Contains("—", rows[2].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Wall_WithNoIncidents_SaysSo()
    {
        var wall = Render<IncidentWall>(p => p.Add(w => w.Incidents, []).Add(w => w.Now, Now));

        Assert.Contains("No open incidents", wall.Find("[data-testid=wall-empty]").TextContent, StringComparison.Ordinal);
        Assert.Empty(wall.FindAll("[data-testid=incident-row]"));
    }

    [Fact]
    public void Wall_ReRendersWhenGivenNewIncidents()
    {
        var wall = Render<IncidentWall>(p => p.Add(w => w.Incidents, []).Add(w => w.Now, Now));

        wall.Render(p => p.Add(w => w.Incidents, [Incident(7, Severity.P2, IncidentState.Triggered)]));

        Assert.Single(wall.FindAll("[data-testid=incident-row]"));
    }

    [Fact]
    public void Wall_OnAChange_RendersOnlyTheNewAndChangedRows_AndShowsThem()
    {
        var first = Incident(1, Severity.P1, IncidentState.Triggered);
        var second = Incident(2, Severity.P2, IncidentState.Triggered);
        var third = Incident(3, Severity.P3, IncidentState.Triggered);
        var wall = Render<IncidentWall>(p => p.Add(w => w.Incidents, [first, second, third]).Add(w => w.Now, Now));

        // A new P0 at the top (every row moves down one place) and the second one investigated, as the feed's next read.
        var opened = Incident(4, Severity.P0, IncidentState.Triggered);
        wall.Render(p => p.Add(w => w.Incidents, [opened, first, second with { State = IncidentState.Investigating }, third]).Add(w => w.Now, Now));

        var rows = wall.FindComponents<WallRow>().ToDictionary(r => r.Instance.Incident.Number);
        Assert.Equal(["4", "1", "2", "3"], wall.FindAll("[data-testid=incident-row]").Select(r => r.GetAttribute("data-number")));
        Assert.Equal("Investigating", wall.Find("[data-number='2'] .ih-state").TextContent);
        // The rows that only moved or stayed were not rendered again; the changed one was.
        Assert.Equal(1, rows[1].RenderCount);
        Assert.Equal(1, rows[3].RenderCount);
        Assert.True(rows[2].RenderCount > 1);
    }

    [Fact]
    public void Wall_DoesNotRenderARowAgain_WhenOnlyWhatItDoesNotShowChanged()
    {
        var incident = Incident(1, Severity.P1, IncidentState.Triggered);
        var wall = Render<IncidentWall>(p => p.Add(w => w.Incidents, [incident]).Add(w => w.Now, Now));

        // The incident's row version moved (a timeline line, a job's bookkeeping); nothing on its row did.
        wall.Render(p => p.Add(w => w.Incidents, [incident with { UpdatedAt = Now.AddSeconds(30) }]).Add(w => w.Now, Now));
        Assert.Equal(1, wall.FindComponent<WallRow>().RenderCount);

        wall.Render(p => p.Add(w => w.Incidents, [incident with { UpdatedAt = Now.AddSeconds(40), FiringCount = 2 }]).Add(w => w.Now, Now));
        Assert.Equal(2, wall.FindComponent<WallRow>().RenderCount);
        Assert.Equal("2/1(3)", System.Text.RegularExpressions.Regex.Replace(wall.Find("[data-testid=alert-count]").TextContent, @"\s+", ""));
    }

    [Fact]
    public void Wall_DoesNotRenderARowAgain_WhenOnlyTimePassed()
    {
        var wall = Render<IncidentWall>(p => p.Add(w => w.Incidents, [Incident(1, Severity.P1, IncidentState.Triggered, age: TimeSpan.FromMinutes(5))]).Add(w => w.Now, Now));

        // Time passes (the wall renders for another incident's change): the row's age moves in the page (js/wall-keys.js),
        // so its row is neither rendered nor sent again, on this wall or any of the 50 open ones.
        wall.Render(p => p.Add(w => w.Now, Now.AddMinutes(2)));
        wall.Render(p => p.Add(w => w.Now, Now.AddHours(3)));

        Assert.Equal(1, wall.FindComponent<WallRow>().RenderCount);
        var age = wall.Find("[data-number='1'] time.ih-age");
        Assert.Equal("5m", age.TextContent);
        Assert.Equal((Now - TimeSpan.FromMinutes(5)).UtcDateTime, DateTimeOffset.Parse(age.GetAttribute("datetime")!, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime);

        // When the row renders for a change of its own, it writes the age as of then.
        wall.Render(p => p.Add(w => w.Incidents, [Incident(1, Severity.P1, IncidentState.Investigating, age: TimeSpan.FromMinutes(5))]).Add(w => w.Now, Now.AddMinutes(2)));
        Assert.Equal("7m", wall.Find("[data-number='1'] time.ih-age").TextContent);
    }

    [Fact]
    public void WallRow_IsAFewPlainElements_WithNoComponentsInside()
    {
        // A usual row (acknowledged), and the fullest (flapping alerts, imported): 200 rows per wall, on every open wall.
        var usual = Incident(1, Severity.P0, IncidentState.Investigating, acked: Now - TimeSpan.FromMinutes(1));
        var fullest = Incident(2, Severity.P1, IncidentState.Triggered) with { FlappingCount = 2, Origin = IncidentOrigin.Imported };
        var wall = Render<IncidentWall>(p => p.Add(w => w.Incidents, [usual, fullest]).Add(w => w.Now, Now));

        var row = wall.Find("[data-number='1']");
        // Elements and their texts, no whitespace between cells (in the browser, Blazor adds one marker for the row).
        Assert.InRange(1 + Descendants(row).Count(), 10, 24);
        Assert.InRange(1 + Descendants(wall.Find("[data-number='2']")).Count(), 10, 28);
        // No component per cell (each is a server-side component per row per wall and a marker node in the page): the row is
        // one component.
        Assert.Equal(2, wall.FindComponents<WallRow>().Count);
        Assert.Empty(wall.FindComponents<SeverityBadge>());
        Assert.Empty(wall.FindComponents<StateBadge>());
        Assert.Empty(wall.FindComponents<OriginBadge>());
        Assert.Equal("P0", row.QuerySelector(".ih-sev")!.TextContent);
        Assert.Equal("imported", wall.Find("[data-number='2'] [data-testid=origin-badge]").TextContent);
        Assert.Contains("⇅2", wall.Find("[data-number='2']").TextContent, StringComparison.Ordinal);
        Assert.Contains("✓ 4m", row.TextContent, StringComparison.Ordinal);
    }

    private static IEnumerable<AngleSharp.Dom.INode> Descendants(AngleSharp.Dom.INode node) =>
        node.ChildNodes.SelectMany(child => Descendants(child).Prepend(child));
}
