using Bunit;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Investigation.Components;

namespace IncidentHub.Web.Tests.Components;

public sealed class DiagnosisEvidenceTests : BunitContext, IAsyncLifetime
{
    private static readonly DateTimeOffset Onset = new(2026, 11, 20, 3, 12, 0, TimeSpan.Zero);

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => base.DisposeAsync().AsTask();

    [Fact]
    public void Diff_ColoursAddedAndRemovedLines()
    {
        var diff = Render<DiffView>(p => p.Add(d => d.Diff, "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n-old = 1\n+new = 2\n same\n"));

        var lines = diff.FindAll("pre.ih-diff > span");
        Assert.Equal(["ih-diff-file", "ih-diff-file", "ih-diff-hunk", "ih-diff-del", "ih-diff-add", "ih-diff-ctx"], lines.Select(l => l.ClassName));
        Assert.Equal("+new = 2", diff.Find(".ih-diff-add").TextContent.TrimEnd('\n'));
    }

    [Fact]
    public void MetricChart_MarksTheOnset_OnlyWhenItFallsInsideTheSeries()
    {
        var series = new MetricSeries("checkout_5xx_ratio", "q", MetricRole.ErrorRatio, new Dictionary<string, string>(),
            Enumerable.Range(-10, 20).Select(m => new MetricPoint(Onset.AddMinutes(m), m < 0 ? 0.004 : 0.12)).ToList());

        var marked = Render<MetricChart>(p => p.Add(c => c.Series, series).Add(c => c.OnsetAt, Onset));
        var outside = Render<MetricChart>(p => p.Add(c => c.Series, series).Add(c => c.OnsetAt, Onset.AddHours(2)));

        Assert.Contains("onset 03:12:00", marked.Find("[data-testid=metric-onset]").TextContent, StringComparison.Ordinal);
        Assert.Equal(20, marked.Find("polyline").GetAttribute("points")!.Split(' ').Length);
        // The onset line sits a third of the way along (10 of 19 minutes), between the axis at 56 and the right edge at 710.
        var x = double.Parse(marked.Find("[data-testid=metric-onset] line").GetAttribute("x1")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(x, 56 + (654 * 10 / 19.0) - 1, 56 + (654 * 10 / 19.0) + 1);
        Assert.Empty(outside.FindAll("[data-testid=metric-onset]"));
    }
}
