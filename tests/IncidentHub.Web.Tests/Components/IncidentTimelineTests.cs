using Bunit;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Incidents.Components;

namespace IncidentHub.Web.Tests.Components;

public sealed class IncidentTimelineTests : BunitContext, IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 3, 14, 15, TimeSpan.Zero);

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => base.DisposeAsync().AsTask();

    [Fact]
    public void Timeline_ShowsEntriesInOrder_WithTimeActorAndText()
    {
        var timeline = Render<IncidentTimeline>(p => p.Add(t => t.Entries, [
            new TimelineEntryView(1, At, "ingestion", TimelineKind.Opened, "Opened by alert HighErrorRate", new Dictionary<string, string>()),
            new TimelineEntryView(2, At.AddSeconds(2), "triage-agent", TimelineKind.Triage, "Triage: P0, service checkout", new Dictionary<string, string> { ["confidence"] = "0.80" }),
            new TimelineEntryView(3, At.AddMinutes(4), "alice@example.com", TimelineKind.Acknowledged, "Acknowledged by alice@example.com", new Dictionary<string, string>()),
        ]));

        var entries = timeline.FindAll("[data-testid=timeline-entry]");
        Assert.Equal(["Opened", "Triage", "Acknowledged"], entries.Select(e => e.GetAttribute("data-kind")));
        Assert.Equal("03:14:15", entries[0].QuerySelector(".ih-tl-time")!.TextContent);
        Assert.Equal("03:18:15", entries[2].QuerySelector(".ih-tl-time")!.TextContent);
        Assert.Equal("triage-agent", entries[1].QuerySelector(".ih-tl-actor")!.TextContent);
        Assert.Contains("ih-tl-agent", entries[1].ClassName, StringComparison.Ordinal);
        Assert.Contains("ih-tl-person", entries[2].ClassName, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeline_ShowsStructuredDetails_WhenAsked()
    {
        var entry = new TimelineEntryView(1, At, "triage-agent", TimelineKind.Triage, "Triage", new Dictionary<string, string> { ["signals"] = "severity label 'critical' -> P1" });

        var shown = Render<IncidentTimeline>(p => p.Add(t => t.Entries, [entry]));
        var hidden = Render<IncidentTimeline>(p => p.Add(t => t.Entries, [entry]).Add(t => t.ShowDetails, false));

        Assert.Contains("severity label 'critical' -> P1", shown.Find("dd").TextContent, StringComparison.Ordinal);
        Assert.Empty(hidden.FindAll("details"));
    }

    [Fact]
    public void LongTimeline_ShowsTheLatestLines_AndTheEarlierOnesOnRequest()
    {
        var entries = Enumerable.Range(0, 300)
            .Select(i => new TimelineEntryView(i, At.AddSeconds(i), "ingestion", TimelineKind.Note, $"line {i}", new Dictionary<string, string>()))
            .ToList();

        var timeline = Render<IncidentTimeline>(p => p.Add(t => t.Entries, entries).Add(t => t.Latest, 100));

        var shown = timeline.FindAll("[data-testid=timeline-entry]");
        Assert.Equal(100, shown.Count);
        Assert.Contains("line 200", shown[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("line 299", shown[^1].TextContent, StringComparison.Ordinal);
        Assert.Contains("200 earlier", timeline.Find("[data-testid=timeline-earlier]").TextContent, StringComparison.Ordinal);

        timeline.Find("[data-testid=timeline-earlier]").Click();

        Assert.Equal(300, timeline.FindAll("[data-testid=timeline-entry]").Count);
        // A live refresh of the page keeps what the reader asked for.
        timeline.Render(p => p.Add(t => t.Entries, entries).Add(t => t.Latest, 100));
        Assert.Equal(300, timeline.FindAll("[data-testid=timeline-entry]").Count);
    }
}
