namespace IncidentHub.Analysis.Diagnosis;

/// <summary>Tuning of <see cref="OnsetDetector"/>; the defaults suit 15 s points over about an hour.</summary>
public sealed record OnsetOptions(
    int MinSegment = 8,
    double MinScore = 5.0,
    double MinRelativeChange = 0.25,
    double Persistence = 0.75,
    double MinErrorRatioChange = 0.01,
    int MaxCandidates = 160,
    int SmoothingWindow = 8);

/// <summary>
/// Finds the one point where a series changed level: the split that best separates a "before" and an
/// "after" segment by their medians, measured in robust standard deviations (MAD). It fires only when
/// the shift is large against the noise, most points on each side agree with it, and the change is
/// material (relative change, or one percentage point for error ratios). Noise, single spikes and
/// flat series give null. Sparse series (a quarter or more zeros) are retried on a trailing mean. <see cref="MetricOnset.Change"/> is After - Before in the series' unit.
/// Counters must be turned into rates first (<see cref="MetricMath.Rate"/>).
/// </summary>
public static class OnsetDetector
{
    public static MetricOnset? Detect(MetricSeries series, OnsetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        return Detect(series.Name, series.Role, series.Points, options);
    }

    public static MetricOnset? Detect(string name, MetricRole role, IReadOnlyList<MetricPoint> points, OnsetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        var o = options ?? new OnsetOptions();
        var data = points.Where(p => double.IsFinite(p.Value)).OrderBy(p => p.At).ToArray();
        if (DetectSorted(name, role, data, o) is { } onset)
        {
            return onset;
        }

        // Sparse counts (a few requests per point: mostly zeros, sometimes 0.25 or 0.33) hide a rise from
        // the median; a trailing mean over SmoothingWindow points (like rate()[2m]) shows it.
        if (data.Length > 0 && data.Count(p => p.Value == 0) >= 0.25 * data.Length)
        {
            var smoothed = new MetricPoint[data.Length];
            var sum = 0.0;
            for (var i = 0; i < data.Length; i++)
            {
                sum += data[i].Value;
                if (i >= o.SmoothingWindow)
                {
                    sum -= data[i - o.SmoothingWindow].Value;
                }

                smoothed[i] = new MetricPoint(data[i].At, sum / Math.Min(i + 1, o.SmoothingWindow));
            }

            return DetectSorted(name, role, smoothed, o);
        }

        return null;
    }

    private static MetricOnset? DetectSorted(string name, MetricRole role, MetricPoint[] data, OnsetOptions o)
    {
        var n = data.Length;
        if (n < 2 * o.MinSegment)
        {
            return null;
        }

        var values = data.Select(p => p.Value).ToArray();
        var range = values.Max() - values.Min();
        if (range <= 0)
        {
            return null; // flat
        }

        var step = Math.Max(1, (n - 2 * o.MinSegment) / Math.Max(1, o.MaxCandidates));
        var candidates = new List<(double Weighted, double Score, int Split, double Before, double After)>();
        for (var k = o.MinSegment; k <= n - o.MinSegment; k += step)
        {
            var before = new ArraySegment<double>(values, 0, k);
            var after = new ArraySegment<double>(values, k, n - k);
            var mb = MetricMath.Median(before);
            var ma = MetricMath.Median(after);
            var score = Math.Abs(ma - mb) / Scale(MetricMath.Mad(before), mb, range);
            if (score >= o.MinScore)
            {
                // Rank splits by the score weighted for segment sizes (a shift sustained over more points is
                // more credible), so a flat baseline does not pull the split towards the end.
                candidates.Add((score * Math.Sqrt(k * (double)(n - k) / n), score, k, mb, ma));
            }
        }

        // The best-ranked split that is also material and persistent.
        (double Weighted, double Score, int Split, double Before, double After) best = default;
        var found = false;
        foreach (var c in candidates.OrderByDescending(c => c.Weighted))
        {
            if (IsMaterialAndPersistent(role, values, c.Split, c.Before, c.After, o))
            {
                best = c;
                found = true;
                break;
            }
        }

        if (!found)
        {
            return null;
        }

        var change = best.After - best.Before;
        var up = change > 0;

        // Walk back to where the departure began (a ramp starts before its best split).
        var baselineMad = MetricMath.Mad(values.Take(best.Split));
        var tolerance = Math.Max(3 * (double.IsFinite(baselineMad) ? baselineMad : 0), 0.1 * Math.Abs(change));
        var start = best.Split;
        while (start > 1 && (up ? values[start - 1] > best.Before + tolerance : values[start - 1] < best.Before - tolerance))
        {
            start--;
        }

        // And forward when the split landed before the first departing point.
        while (start < n - 1 && !(up ? values[start] > best.Before + tolerance : values[start] < best.Before - tolerance))
        {
            start++;
        }

        return new MetricOnset(name, role, data[start].At, best.Before, best.After, change, up ? "up" : "down");
    }

    private static bool IsMaterialAndPersistent(MetricRole role, double[] values, int split, double before, double after, OnsetOptions o)
    {
        var change = after - before;
        if (change == 0 || (role == MetricRole.ErrorRatio && Math.Abs(change) < o.MinErrorRatioChange))
        {
            return false;
        }

        if (Math.Abs(before) > 1e-12 && Math.Abs(change) < o.MinRelativeChange * Math.Abs(before))
        {
            return false;
        }

        // Persistence: most points after the split have clearly left the baseline (beyond 30 % of the
        // shift), most points before it have not.
        var threshold = before + 0.3 * change;
        var up = change > 0;
        var farAfter = 0;
        for (var i = split; i < values.Length; i++)
        {
            farAfter += (up ? values[i] > threshold : values[i] < threshold) ? 1 : 0;
        }

        var nearBefore = 0;
        for (var i = 0; i < split; i++)
        {
            nearBefore += (up ? values[i] > threshold : values[i] < threshold) ? 0 : 1;
        }

        return farAfter >= o.Persistence * (values.Length - split) && nearBefore >= o.Persistence * split;
    }

    /// <summary>Onsets of every series that has one, strongest relative change first.</summary>
    public static IReadOnlyList<MetricOnset> DetectAll(IEnumerable<MetricSeries> series, OnsetOptions? options = null) =>
        series.Select(s => Detect(s, options)).OfType<MetricOnset>()
            .OrderByDescending(o => Math.Abs(o.Change) / Math.Max(Math.Abs(o.Before), 1e-9))
            .ToList();

    /// <summary>The baseline's noise (MAD of the before segment): a trend after the onset must not hide the step.</summary>
    private static double Scale(double madBefore, double baseline, double range)
    {
        var mb = double.IsFinite(madBefore) ? madBefore : 0;

        // A perfectly flat baseline has MAD 0: fall back on a small share of the level and of the range.
        var floor = Math.Max(Math.Max(0.01 * Math.Abs(baseline), 0.02 * range), 1e-9);
        return Math.Max(mb, floor);
    }
}
