using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Analysis.Tests.Diagnosis;

public sealed class OnsetDetectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>300 points at 15 s (75 min) from a function of the index plus seeded gaussian noise.</summary>
    private static List<MetricPoint> Series(Func<int, double> level, double noise, int seed, int count = 300)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            return new MetricPoint(T0.AddSeconds(15 * i), level(i) + noise * gaussian);
        }).ToList();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Step_IsFoundAtTheStep(int seed)
    {
        var points = Series(i => i < 200 ? 0.12 : 0.45, 0.02, seed);

        var onset = OnsetDetector.Detect("p99", MetricRole.Latency, points);

        Assert.NotNull(onset);
        Assert.Equal("up", onset.Direction);
        Assert.InRange((onset.At - T0.AddSeconds(15 * 200)).TotalSeconds, -30, 30);
        Assert.InRange(onset.Before, 0.10, 0.14);
        Assert.InRange(onset.After, 0.42, 0.48);
        Assert.InRange(onset.Change, 0.28, 0.38);
    }

    [Fact]
    public void Ramp_IsDatedToWhereItStarted()
    {
        // Memory leak: flat 400 MB, then +4 MB per point from point 150.
        var points = Series(i => i < 150 ? 400 : 400 + 4 * (i - 150), 3, 7);

        var onset = OnsetDetector.Detect("memory", MetricRole.Saturation, points);

        Assert.NotNull(onset);
        Assert.Equal("up", onset.Direction);
        Assert.InRange((onset.At - T0.AddSeconds(15 * 150)).TotalMinutes, -1, 5);
    }

    [Fact]
    public void Drop_IsFoundGoingDown()
    {
        var points = Series(i => i < 240 ? 520 : 130, 15, 11);

        var onset = OnsetDetector.Detect("traffic", MetricRole.Traffic, points);

        Assert.NotNull(onset);
        Assert.Equal("down", onset.Direction);
        Assert.True(onset.Change < -300);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void NoiseOnly_GivesNoOnset(int seed)
    {
        Assert.Null(OnsetDetector.Detect("p99", MetricRole.Latency, Series(_ => 0.3, 0.05, seed)));
        Assert.Null(OnsetDetector.Detect("ratio", MetricRole.ErrorRatio, Series(_ => 0.02, 0.004, seed + 100)));
    }

    [Fact]
    public void SingleSpikes_GiveNoOnset()
    {
        var points = Series(i => i % 60 == 30 ? 5.0 : 0.3, 0.03, 5);

        Assert.Null(OnsetDetector.Detect("p99", MetricRole.Latency, points));
    }

    [Fact]
    public void Flat_And_TooShort_GiveNoOnset()
    {
        Assert.Null(OnsetDetector.Detect("flat", MetricRole.Saturation, Series(_ => 1.0, 0, 1)));
        Assert.Null(OnsetDetector.Detect("short", MetricRole.Saturation, Series(i => i < 5 ? 1 : 9, 0, 1, count: 10)));
    }

    [Fact]
    public void TinyErrorRatioRise_BelowOnePercentagePoint_IsNotAnOnset()
    {
        var points = Series(i => i < 200 ? 0.0 : 0.004, 0.0, 1);

        Assert.Null(OnsetDetector.Detect("ratio", MetricRole.ErrorRatio, points));
    }

    [Fact]
    public void SparseErrorRatio_IsFoundThroughTheTrailingMean()
    {
        // Three requests per point: after the onset about a third of the points carry one failure.
        var points = Enumerable.Range(0, 300).Select(i => new MetricPoint(T0.AddSeconds(15 * i), i >= 180 && i % 3 == 0 ? 0.33 : 0)).ToList();

        var onset = OnsetDetector.Detect("ratio", MetricRole.ErrorRatio, points);

        Assert.NotNull(onset);
        Assert.InRange((onset.At - T0.AddSeconds(15 * 180)).TotalMinutes, -1, 2);
    }

    [Fact]
    public void Rate_TurnsACounterIntoPerSecondAndSurvivesAReset()
    {
        MetricPoint P(int s, double v) => new(T0.AddSeconds(s), v);

        var rate = MetricMath.Rate([P(0, 100), P(15, 130), P(30, 160), P(45, 12), P(60, 42)]);

        Assert.Equal([2.0, 2.0, 12.0 / 15, 2.0], rate.Select(p => p.Value));
        Assert.Equal(T0.AddSeconds(15), rate[0].At);
    }

    [Fact]
    public void ErrorRatio_FromCounters_AndZeroTrafficIsNoRatio()
    {
        MetricPoint P(int s, double v) => new(T0.AddSeconds(s), v);
        IReadOnlyList<MetricPoint> errors = [P(0, 0), P(15, 3), P(30, 3), P(45, 9)];
        IReadOnlyList<MetricPoint> total = [P(0, 100), P(15, 130), P(30, 130), P(45, 160)];

        var ratio = MetricMath.ErrorRatio(errors, total);

        Assert.Equal([0.1, 0.0, 0.2], ratio.Select(p => Math.Round(p.Value, 6)));
        Assert.Equal([4.0, 6.0], MetricMath.Sum([[P(0, 1), P(15, 2)], [P(0, 3), P(15, 4)]]).Select(p => p.Value));
    }
}
