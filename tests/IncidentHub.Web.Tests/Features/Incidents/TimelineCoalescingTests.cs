using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Incidents;

namespace IncidentHub.Web.Tests.Features.Incidents;

/// <summary>A storm's thousands of "alerts grouped" lines read as one line on the incident page.</summary>
public sealed class TimelineCoalescingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);

    private static TimelineEntryView Entry(int id, TimelineKind kind, int seconds, int? alerts = null) =>
        new(id, T0.AddSeconds(seconds), "ingestion", kind, $"{kind} {id}",
            alerts is { } n ? new Dictionary<string, string> { ["alerts"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) } : []);

    [Fact]
    public void RunOfGroupedLines_IsOneLine_WithTheTotalAndTheSpan_OtherLinesStay()
    {
        var timeline = new List<TimelineEntryView> { Entry(1, TimelineKind.Opened, 0) };
        timeline.AddRange(Enumerable.Range(2, 1000).Select(i => Entry(i, TimelineKind.AlertGrouped, i, alerts: 100)));
        timeline.Add(Entry(2000, TimelineKind.StateChanged, 1500));
        timeline.Add(Entry(2001, TimelineKind.AlertGrouped, 1501, alerts: 7));
        timeline.Add(Entry(2002, TimelineKind.AlertGrouped, 1502, alerts: 3));

        var shown = IncidentService.CoalesceGrouping(timeline);

        Assert.Equal([TimelineKind.Opened, TimelineKind.AlertGrouped, TimelineKind.StateChanged, TimelineKind.AlertGrouped, TimelineKind.AlertGrouped],
            shown.Select(t => t.Kind));
        Assert.StartsWith("100,000 alerts grouped in 1,000 intake batches from 15:00:02 to 15:16:41 UTC", shown[1].Text, StringComparison.Ordinal);
        Assert.Equal("1000", shown[1].Details["lines"]);
        // Two in a row are shown as they are.
        Assert.Equal(["AlertGrouped 2001", "AlertGrouped 2002"], shown.Skip(3).Select(t => t.Text));
    }
}
