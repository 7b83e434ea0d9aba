namespace IncidentHub.Analysis.Diagnosis;

/// <summary>Small series arithmetic: counter rates, sums and ratios aligned on timestamps.</summary>
public static class MetricMath
{
    /// <summary>
    /// Per-second rate of a monotonic counter between consecutive points. A decrease is a counter
    /// reset (process restart): the new value is taken as the increase since the reset, as Prometheus does.
    /// The result has one point fewer than the input, stamped at the later point of each pair.
    /// </summary>
    public static IReadOnlyList<MetricPoint> Rate(IReadOnlyList<MetricPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var ordered = points.Where(p => double.IsFinite(p.Value)).OrderBy(p => p.At).ToList();
        var result = new List<MetricPoint>(Math.Max(0, ordered.Count - 1));
        for (var i = 1; i < ordered.Count; i++)
        {
            var seconds = (ordered[i].At - ordered[i - 1].At).TotalSeconds;
            if (seconds <= 0)
            {
                continue;
            }

            var delta = ordered[i].Value - ordered[i - 1].Value;
            if (delta < 0)
            {
                delta = ordered[i].Value;
            }

            result.Add(new MetricPoint(ordered[i].At, delta / seconds));
        }

        return result;
    }

    /// <summary>Point-wise sum of several series over the timestamps they share.</summary>
    public static IReadOnlyList<MetricPoint> Sum(IEnumerable<IReadOnlyList<MetricPoint>> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var all = series.ToList();
        if (all.Count == 0)
        {
            return [];
        }

        var sums = new SortedDictionary<DateTimeOffset, (double Sum, int Count)>();
        foreach (var s in all)
        {
            foreach (var p in s)
            {
                sums[p.At] = sums.TryGetValue(p.At, out var v) ? (v.Sum + p.Value, v.Count + 1) : (p.Value, 1);
            }
        }

        return sums.Where(kv => kv.Value.Count == all.Count).Select(kv => new MetricPoint(kv.Key, kv.Value.Sum)).ToList();
    }

    /// <summary>
    /// numerator / denominator at the timestamps both have. Where the denominator is zero the ratio
    /// is 0 when the numerator is also zero (nothing happened), otherwise the point is skipped.
    /// </summary>
    public static IReadOnlyList<MetricPoint> Ratio(IReadOnlyList<MetricPoint> numerator, IReadOnlyList<MetricPoint> denominator)
    {
        ArgumentNullException.ThrowIfNull(numerator);
        ArgumentNullException.ThrowIfNull(denominator);
        var den = new Dictionary<DateTimeOffset, double>();
        foreach (var p in denominator)
        {
            den[p.At] = p.Value;
        }

        var result = new List<MetricPoint>();
        foreach (var p in numerator.OrderBy(p => p.At))
        {
            if (!den.TryGetValue(p.At, out var d))
            {
                continue;
            }

            if (d > 0)
            {
                result.Add(new MetricPoint(p.At, p.Value / d));
            }
            else if (p.Value == 0)
            {
                result.Add(new MetricPoint(p.At, 0));
            }
        }

        return result;
    }

    /// <summary>Error ratio from error and total counters: rate(errors) / rate(total).</summary>
    public static IReadOnlyList<MetricPoint> ErrorRatio(IReadOnlyList<MetricPoint> errorCounter, IReadOnlyList<MetricPoint> totalCounter) =>
        Ratio(Rate(errorCounter), Rate(totalCounter));

    /// <summary>Median of the values (NaN for none).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        Array.Sort(sorted);
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Median absolute deviation scaled to a standard deviation for normal data (x 1.4826).</summary>
    public static double Mad(IEnumerable<double> values)
    {
        var list = values.Where(double.IsFinite).ToList();
        if (list.Count == 0)
        {
            return double.NaN;
        }

        var median = Median(list);
        return 1.4826 * Median(list.Select(v => Math.Abs(v - median)));
    }
}
