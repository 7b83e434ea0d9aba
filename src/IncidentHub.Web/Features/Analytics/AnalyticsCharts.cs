using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;

namespace IncidentHub.Web.Features.Analytics;

/// <summary>Turns an <see cref="AnalyticsReport"/> into Plotly figures (no numbers computed here: only shaped).</summary>
public static class AnalyticsCharts
{
    public sealed record Chart(string Id, Layout Layout, IList<ITrace> Data);

    private const string Text = "#c9d1d9";

    public static List<Chart> Build(AnalyticsReport r)
    {
        var weeks = r.Weekly.Select(w => (object)w.Week.UtcDateTime.ToString("yyyy-MM-dd")).ToList();
        var charts = new List<Chart>
        {
            new("trend", Layout("MTTA and MTTR by week (minutes)"),
            [
                new Scatter { Name = "MTTA", X = weeks, Y = r.Weekly.Select(w => (object?)Round(w.MttaMinutes)).ToList()!, Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers },
                new Scatter { Name = "MTTR", X = weeks, Y = r.Weekly.Select(w => (object?)Round(w.MttrMinutes)).ToList()!, Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers },
            ]),
            new("mttr-severity", Layout("MTTR by severity (minutes)"),
                [new Bar { Name = "MTTR", X = r.MttrBySeverity.Select(g => (object)g.Key).ToList(), Y = r.MttrBySeverity.Select(g => (object?)Round(g.MttrMinutes)).ToList()! }]),
            new("mttr-service", Layout("MTTR by service (minutes)"),
                [new Bar { Name = "MTTR", X = r.MttrByService.Select(g => (object)g.Key).ToList(), Y = r.MttrByService.Select(g => (object?)Round(g.MttrMinutes)).ToList()! }]),
            new("per-service", Layout("Incidents per service"),
                [new Bar { Name = "Incidents", X = r.IncidentsPerService.Select(g => (object)g.Key).ToList(), Y = r.IncidentsPerService.Select(g => (object)g.Count).ToList() }]),
            new("severity", Layout("Severity distribution"),
                [new Pie { Labels = r.Severities.Select(g => (object)g.Key).ToList(), Values = r.Severities.Select(g => (object)g.Count).ToList() }]),
            new("phases", Layout("Mean minutes per phase: agents vs waiting for people"),
                r.Phases.GroupBy(p => p.Who).Select(g => (ITrace)new Bar
                {
                    Name = g.Key,
                    X = g.Select(p => (object)p.Phase).ToList(),
                    Y = g.Select(p => (object?)Round(p.MeanMinutes)).ToList()!,
                }).ToList()),
            new("weekly-count", Layout("Incidents by week"),
                [new Bar { Name = "Incidents", X = weeks, Y = r.Weekly.Select(w => (object)w.Incidents).ToList() }]),
        };
        return charts;
    }

    private static double? Round(double? v) => v is { } x ? Math.Round(x, 1) : null;

    private static Layout Layout(string title) => new()
    {
        Title = new Title { Text = title, Font = new Plotly.Blazor.LayoutLib.TitleLib.Font { Color = Text, Size = 14 } },
        PaperBgColor = "rgba(0,0,0,0)",
        PlotBgColor = "rgba(0,0,0,0)",
        Font = new Font { Color = Text },
        Height = 300,
        Margin = new Margin { L = 50, R = 10, T = 40, B = 60 },
        ShowLegend = true,
        BarMode = BarModeEnum.Group,
    };
}
