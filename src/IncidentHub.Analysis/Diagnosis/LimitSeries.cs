namespace IncidentHub.Analysis.Diagnosis;

/// <summary>A usage series at or near its limit, whatever the resource is called.</summary>
internal sealed record NearLimit(string Name, string? EvidenceId, double Fraction, string Feature);

/// <summary>
/// Exhaustion from metric names alone: a usage series beside its limit series (x vs x_max, x_limit, x_capacity),
/// a free/available series beside its size, or a ratio/percent series that climbed to nearly 1 (100).
/// "Approaching" means the usage is at 90 % or more of the limit now and was lower at the start of the series.
/// </summary>
internal static class LimitSeries
{
    private const double Near = 0.9;

    private static readonly HashSet<string> LimitTokens = new(StringComparer.OrdinalIgnoreCase) { "max", "maximum", "limit", "limits", "capacity", "quota", "allowed", "allocatable", "hard" };
    private static readonly HashSet<string> SizeTokens = new(StringComparer.OrdinalIgnoreCase) { "size", "total", "capacity", "limit", "max", "maximum" };
    private static readonly HashSet<string> FreeTokens = new(StringComparer.OrdinalIgnoreCase) { "free", "avail", "available", "remaining", "left", "idle" };
    private static readonly HashSet<string> UsageTokens = new(StringComparer.OrdinalIgnoreCase) { "used", "usage", "current", "last", "value", "count", "inuse", "in", "use", "active", "busy", "open", "occupied", "allocated", "pending", "size", "length", "len", "depth" };
    private static readonly HashSet<string> RatioTokens = new(StringComparer.OrdinalIgnoreCase) { "ratio", "percent", "percentage", "pct", "utilization", "utilisation", "fraction", "usage", "fill", "full" };
    private static readonly HashSet<string> PercentTokens = new(StringComparer.OrdinalIgnoreCase) { "percent", "percentage", "pct" };
    // A ratio that is good when high (hits, successes), an error ratio, or CPU time (busy is not depleted).
    private static readonly HashSet<string> NotExhaustionTokens = new(StringComparer.OrdinalIgnoreCase) { "hit", "hits", "success", "successes", "availability", "available", "error", "errors", "fail", "failed", "failure", "cpu", "load", "apdex", "idle", "free", "uptime" };

    public static List<NearLimit> Find(DiagnosisInput input, Func<string, bool> skip)
    {
        var result = new List<NearLimit>();
        var series = input.Series.Where(s => s.Fact.Points.Count >= 2 && !skip(s.Fact.Name)).ToList();
        var tokens = series.ToDictionary(s => s, s => Tokens(s.Fact.Name));
        foreach (var limit in series.Where(s => tokens[s].Any(LimitTokens.Contains) || tokens[s].Any(SizeTokens.Contains)))
        {
            var limitValue = limit.Fact.Points[^1].Value;
            if (!(limitValue > 0) || !double.IsFinite(limitValue))
            {
                continue;
            }

            var limitKey = Key(tokens[limit], SizeTokens, LimitTokens);
            foreach (var usage in series.Where(s => s != limit && SameLabels(s.Fact.Labels, limit.Fact.Labels)))
            {
                var t = tokens[usage];
                if (t.Any(LimitTokens.Contains))
                {
                    continue;
                }

                var free = t.Any(FreeTokens.Contains);
                var usageKey = Key(t, FreeTokens, UsageTokens);
                // The same thing measured: the same name parts once usage and limit words are dropped, or one name
                // refining the other (executor_active_threads vs executor_pool_max_threads share executor, threads).
                if (limitKey.Count == 0 || !(limitKey.SetEquals(usageKey)
                        || (Math.Min(limitKey.Count, usageKey.Count) >= 2 && (usageKey.IsSupersetOf(limitKey) || limitKey.IsSupersetOf(usageKey)))))
                {
                    continue;
                }

                // Free space measures the other way round: used = 1 - free / size. Only a size-like partner makes sense for it.
                if (free && !tokens[limit].Any(SizeTokens.Contains))
                {
                    continue;
                }

                double Used(double v) => free ? 1 - v / limitValue : v / limitValue;
                var (now, start) = NowAndStart(usage.Fact.Points, Used);

                if (now >= Near && (start < Near || now >= 0.999))
                {
                    result.Add(new NearLimit(usage.Fact.Name, usage.EvidenceId, now,
                        free
                            ? $"{usage.Fact.Name}: {now:P0} of {limit.Fact.Name} ({Evidence.Num(limitValue)}) used"
                            : $"{usage.Fact.Name} at {now:P0} of {limit.Fact.Name} ({Evidence.Num(limitValue)})"));
                }
            }
        }

        foreach (var ratio in series.Where(s => s.Fact.Role is MetricRole.Saturation or MetricRole.Other
                     && tokens[s].Any(RatioTokens.Contains) && !tokens[s].Any(NotExhaustionTokens.Contains) && !tokens[s].Any(LimitTokens.Contains)
                     && result.All(r => r.Name != s.Fact.Name)))
        {
            var max = ratio.Fact.Points.Max(p => p.Value);
            var scale = tokens[ratio].Any(PercentTokens.Contains) || max > 1.05 ? 100.0 : 1.0;
            if (max > scale * 1.05)
            {
                continue; // not a ratio after all
            }

            var (now, start) = NowAndStart(ratio.Fact.Points, v => v / scale);
            if (now >= 0.95 && start < Near)
            {
                result.Add(new NearLimit(ratio.Fact.Name, ratio.EvidenceId, now, $"{ratio.Fact.Name} climbed to {now:P0} (from {start:P0})"));
            }
        }

        return result;
    }

    /// <summary>The highest fraction in the last quarter of the series, and the mean of its first quarter.</summary>
    private static (double Now, double Start) NowAndStart(IReadOnlyList<MetricPoint> points, Func<double, double> fraction)
    {
        var quarter = Math.Max(1, points.Count / 4);
        var values = points.Select(p => p.Value).Where(double.IsFinite).Select(fraction).ToList();
        if (values.Count == 0)
        {
            return (0, 0);
        }

        return (values.TakeLast(quarter).Max(), values.Take(quarter).Average());
    }

    internal static string[] Tokens(string name) =>
        name.Split('{')[0].Split(['_', '.', ':', '-', '/'], StringSplitOptions.RemoveEmptyEntries).Select(t => t.ToLowerInvariant()).ToArray();

    private static HashSet<string> Key(string[] tokens, HashSet<string> drop, HashSet<string> alsoDrop) =>
        tokens.Where(t => !drop.Contains(t) && !alsoDrop.Contains(t) && t is not ("bytes" or "total" or "seconds" or "ratio")).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Labels the two series both carry must agree (one may carry more).</summary>
    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Where(kv => kv.Key != "__name__" && b.ContainsKey(kv.Key)).All(kv => b[kv.Key] == kv.Value);
}
