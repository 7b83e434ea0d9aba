using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Metrics;

namespace IncidentHub.Analysis.Tests.Metrics;

public sealed class OpenMetricsParserTests
{
    private const string Sample = """
        # HELP http_requests Requests served.
        # TYPE http_requests counter
        http_requests_total{service="ingest",code="200"} 100 1700000000
        http_requests_total{service="ingest",code="200"} 160 1700000060
        http_requests_total{service="ingest",code="200"} 220 1700000120
        http_requests_total{service="ingest",code="500"} 0 1700000000
        http_requests_total{service="ingest",code="500"} 0 1700000060
        http_requests_total{service="ingest",code="500"} 60 1700000120
        # TYPE queue_depth gauge
        queue_depth{service="ingest"} 3 1700000000.5
        queue_depth{service="ingest"} 40 1700000060.5
        # EOF
        queue_depth{service="ingest"} 999 1700000200
        """;

    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1700000000);

    [Fact]
    public void Parse_ReadsTypesLabelsValuesAndSecondTimestamps_AndStopsAtEof()
    {
        var doc = OpenMetricsParser.Parse(Sample);

        Assert.True(doc.SawEof);
        Assert.Empty(doc.Errors);
        Assert.Equal(8, doc.Samples.Count);
        Assert.Equal("counter", doc.TypeOf("http_requests_total"));
        Assert.Equal("gauge", doc.TypeOf("queue_depth"));
        var depth = doc.Samples.Last();
        Assert.Equal(40, depth.Value);
        Assert.Equal(T0.AddSeconds(60.5), depth.At);
        Assert.Equal("ingest", depth.Labels["service"]);
        Assert.DoesNotContain(doc.Samples, s => s.Value == 999);
    }

    [Fact]
    public void Parse_KeepsGoodLinesAndReportsBadOnes()
    {
        var doc = OpenMetricsParser.Parse("""
            up{job="a"} 1 1700000000
            up{job="b" 1 1700000000
            up{job="c"} notanumber
            up{job="d",note="say \"hi\""} 0 1700000000
            """);

        Assert.Equal(2, doc.Samples.Count);
        Assert.Equal("say \"hi\"", doc.Samples[1].Labels["note"]);
        Assert.Equal(2, doc.Errors.Count);
        Assert.False(doc.SawEof);
    }

    [Fact]
    public void PlainSelector_OnAGauge_ReturnsTheRawPoints()
    {
        var doc = OpenMetricsParser.Parse(Sample);

        var series = Assert.Single(MetricQuery.Parse("queue_depth{service=\"ingest\"}").Evaluate(doc, "q", MetricRole.Saturation, T0, T0.AddHours(1)));

        Assert.Equal([3.0, 40.0], series.Points.Select(p => p.Value));
        Assert.Equal(MetricRole.Saturation, series.Role);
    }

    [Fact]
    public void PlainSelector_OnACounter_BecomesAPerSecondRate()
    {
        var doc = OpenMetricsParser.Parse(Sample);

        var series = Assert.Single(MetricQuery.Parse("http_requests_total{code=\"500\"}").Evaluate(doc, "q", MetricRole.Other, T0, T0.AddHours(1)));

        Assert.Equal([0.0, 1.0], series.Points.Select(p => p.Value));
        Assert.Equal(T0.AddSeconds(120), series.Points[^1].At);
    }

    [Fact]
    public void Selector_MatchesOnlyTheNamedLabels_IncludingRegexAndNegation()
    {
        var doc = OpenMetricsParser.Parse(Sample);

        Assert.Equal(2, MetricQuery.Parse("http_requests_total{service=\"ingest\"}").Evaluate(doc, "q", MetricRole.Other, T0, T0.AddHours(1)).Count);
        Assert.Single(MetricQuery.Parse("http_requests_total{code=~\"5..\"}").Evaluate(doc, "q", MetricRole.Other, T0, T0.AddHours(1)));
        Assert.Single(MetricQuery.Parse("http_requests_total{code!=\"500\"}").Evaluate(doc, "q", MetricRole.Other, T0, T0.AddHours(1)));
        Assert.Empty(MetricQuery.Parse("http_requests_total{service=\"other\"}").Evaluate(doc, "q", MetricRole.Other, T0, T0.AddHours(1)));
    }

    [Fact]
    public void RatioOfSummedRates_GivesTheErrorRatio()
    {
        var doc = OpenMetricsParser.Parse(Sample);
        const string query = "sum(rate(http_requests_total{code=\"500\"}[1m])) / sum(rate(http_requests_total[1m]))";

        var series = Assert.Single(MetricQuery.Parse(query).Evaluate(doc, query, MetricRole.ErrorRatio, T0, T0.AddHours(1)));

        Assert.Equal(0.0, series.Points[0].Value);
        Assert.Equal(0.5, series.Points[1].Value, 6);
    }

    [Fact]
    public void Evaluate_KeepsOnlyPointsInTheWindow()
    {
        var doc = OpenMetricsParser.Parse(Sample);

        var series = Assert.Single(MetricQuery.Parse("queue_depth").Evaluate(doc, "q", MetricRole.Saturation, T0.AddSeconds(30), T0.AddHours(1)));

        Assert.Equal([40.0], series.Points.Select(p => p.Value));
    }

    [Fact]
    public void PerSecond_TreatsADropAsACounterReset()
    {
        var points = new[] { new MetricPoint(T0, 100), new MetricPoint(T0.AddSeconds(10), 5) };

        Assert.Equal(0.5, MetricQuery.PerSecond(points, null).Single().Value);
    }

    [Theory]
    [InlineData("rate(x[5q])")]
    [InlineData("x{a=b}")]
    [InlineData("sum(x")]
    [InlineData("x y")]
    public void Parse_RejectsMalformedQueries(string query) =>
        Assert.Throws<FormatException>(() => MetricQuery.Parse(query));
}
