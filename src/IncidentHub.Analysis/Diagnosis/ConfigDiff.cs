using System.Globalization;
using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.Diagnosis;

/// <summary>
/// One key whose value a commit changed in a configuration file. <paramref name="Extreme"/> when the new value is
/// zero, negative, or at least <see cref="ExtremeFactor"/> times away from the old one.
/// </summary>
internal sealed record ConfigEdit(string Sha, string File, string Key, string? OldValue, string NewValue, bool Extreme, string EvidenceId, string? DeployVersion = null)
{
    /// <summary>The edit is this change: the commit that made it, or the commit-less deploy (an environment change) that described it.</summary>
    public bool MadeBy(ChangeCandidate c) =>
        (c.Commit is { } sha && ChangeCorrelator.ShaMatches(Sha, sha)) || (DeployVersion is not null && string.Equals(DeployVersion, c.Version, StringComparison.Ordinal));
}

/// <summary>Reads configuration edits out of unified diffs (git show): <c>key: value</c> and <c>key=value</c> lines of config files.</summary>
internal static partial class ConfigDiff
{
    /// <summary>A value moved this many times up or down (a 90 s probe delay cut to 10 s, a pool of 50 cut to 5) is extreme.</summary>
    internal const double ExtremeFactor = 5;

    /// <summary>
    /// Edits a commit-less configuration deploy describes (an environment or flag change recorded by the deploy system:
    /// <c>env: RANKER_TIMEOUT_MS=150 (was 1500)</c>, <c>TIMEOUT: 2s -> 250ms</c>): the same key/value rule as a diff.
    /// </summary>
    public static List<ConfigEdit> FromDeploys(IEnumerable<Cited<DeployEvent>> deploys)
    {
        var result = new List<ConfigEdit>();
        foreach (var d in deploys.Where(d => string.IsNullOrEmpty(d.Fact.Commit) && Evidence.IsConfigKind(d.Fact.Kind)))
        {
            foreach (System.Text.RegularExpressions.Match m in DescribedEditRegex().Matches(d.Fact.Version))
            {
                var key = m.Groups["key"].Value;
                var value = m.Groups["new"].Success ? m.Groups["new"].Value : m.Groups["new2"].Value;
                var old = m.Groups["old"].Success ? m.Groups["old"].Value : m.Groups["old2"].Success ? m.Groups["old2"].Value : null;
                result.Add(new ConfigEdit(d.Fact.Commit ?? "", "environment", key, old, value, IsExtreme(old, value), d.EvidenceId, d.Fact.Version));
            }
        }

        return result;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<key>[A-Za-z_][\w.:-]*)\s*=\s*(?<new>[^\s,;()]+)(?:\s*\((?:was|from|previously)\s+(?<old>[^\s,;()]+)\))?|(?<key>[A-Za-z_][\w.:-]*)\s*:\s*(?<old2>[^\s,;()]+)\s*(?:->|→|=>)\s*(?<new2>[^\s,;()]+)")]
    private static partial System.Text.RegularExpressions.Regex DescribedEditRegex();

    public static List<ConfigEdit> From(IReadOnlyList<Cited<CommitDiff>> diffs)
    {
        var result = new List<ConfigEdit>();
        foreach (var diff in diffs)
        {
            string? file = null;
            var removed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var added = new List<(string Key, string Value)>();
            void Flush()
            {
                if (file is not null)
                {
                    foreach (var (key, value) in added)
                    {
                        var old = removed.GetValueOrDefault(key);
                        if (old is not null && old == value)
                        {
                            continue;
                        }

                        result.Add(new ConfigEdit(diff.Fact.Sha, file, key, old, value, IsExtreme(old, value), diff.EvidenceId));
                    }
                }

                removed.Clear();
                added.Clear();
            }

            foreach (var line in diff.Fact.Patch.Split('\n'))
            {
                if (line.StartsWith("+++ ", StringComparison.Ordinal))
                {
                    Flush();
                    var path = line[4..].Trim();
                    path = path.StartsWith("b/", StringComparison.Ordinal) ? path[2..] : path;
                    file = path != "/dev/null" && ChangeCorrelator.IsConfigFile(path) ? path : null;
                    continue;
                }

                if (file is null || line.StartsWith("--- ", StringComparison.Ordinal) || line.Length < 2 || line[0] is not ('+' or '-'))
                {
                    continue;
                }

                if (KeyValueRegex().Match(line[1..]) is { Success: true } m)
                {
                    var key = m.Groups["key"].Value;
                    var value = m.Groups["value"].Value.Trim().TrimEnd(',').Trim().Trim('"', '\'');
                    if (line[0] == '-')
                    {
                        removed[key] = value;
                    }
                    else if (value.Length > 0)
                    {
                        added.Add((key, value));
                    }
                }
            }

            Flush();
        }

        return result;
    }

    /// <summary>Zero, negative, or an order of magnitude away from the old value (units of time and size understood).</summary>
    internal static bool IsExtreme(string? oldValue, string newValue)
    {
        if (Quantity(newValue) is not { } now)
        {
            return false;
        }

        if (now <= 0)
        {
            return true;
        }

        return oldValue is not null && Quantity(oldValue) is { } before && before > 0 && (now / before >= ExtremeFactor || before / now >= ExtremeFactor);
    }

    private static double? Quantity(string value)
    {
        var m = QuantityRegex().Match(value.Trim());
        if (!m.Success || !double.TryParse(m.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        return n * m.Groups["u"].Value.ToLowerInvariant() switch
        {
            "ms" => 0.001,
            "m" or "min" => 60,
            "h" => 3600,
            "d" => 86400,
            "k" or "kb" or "ki" or "kib" => 1e3,
            "mb" or "mi" or "mib" => 1e6,
            "g" or "gb" or "gi" or "gib" => 1e9,
            _ => 1,
        };
    }

    /// <summary>Normalised for matching a key against error text: lower case without separators (read-timeout = readTimeout).</summary>
    internal static string Normalise(string text) => SeparatorRegex().Replace(text.ToLowerInvariant(), "");

    /// <summary>
    /// The words an error would use to name the key: each dotted part normalised (<c>ratelimit.permits-per-second</c> gives
    /// <c>ratelimit</c> and <c>permitspersecond</c>), also without a unit suffix (<c>timeout_ms</c> gives <c>timeout</c>,
    /// <c>initialDelaySeconds</c> gives <c>initialdelay</c>); at least 5 letters and not a generic word (enabled, value,
    /// size, count, default ...), which names no particular setting.
    /// </summary>
    internal static IReadOnlyList<string> KeyWords(string key)
    {
        var words = new List<string>();
        foreach (var part in key.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var unitless = UnitSuffixRegex().Replace(part, "");
            foreach (var w in new[] { Normalise(part), Normalise(unitless) })
            {
                if (w.Length >= 5 && !GenericKeyWordRegex().IsMatch(w) && !words.Contains(w))
                {
                    words.Add(w);
                }
            }
        }

        return words;
    }

    [GeneratedRegex(@"(?:[-_]?(?:ms|millis|milliseconds|secs?|seconds|minutes|mins|hours|bytes|kb|mb|gb|pct|percent)|(?<=[a-z])(?:Ms|Millis|Seconds|Secs|Minutes|Bytes|Percent))$")]
    private static partial Regex UnitSuffixRegex();

    [GeneratedRegex(@"^(?:enabled?|disabled?|value|values|default|defaults|config|configs|settings|count|size|level|name|server|client|service|options?|params?|prod|production|staging|general|common|spec|metadata|template|containers?|true|false)$")]
    private static partial Regex GenericKeyWordRegex();

    // key: value, key=value, and JSON's "key": value, (the quotes around the key and a trailing comma dropped).
    [GeneratedRegex(@"^\s*(?:export\s+)?[""']?(?<key>[A-Za-z_][\w.\-]*)[""']?\s*[:=]\s*(?<value>[^#\r{\[]*?)\s*(?:#.*)?$")]
    private static partial Regex KeyValueRegex();

    [GeneratedRegex(@"^[""']?(?<n>[-+]?\d+(?:\.\d+)?)\s*(?<u>ms|s|sec|min|m|h|d|kib|kb|ki|k|mib|mb|mi|gib|gb|gi|g|b|%)?[""']?$", RegexOptions.IgnoreCase)]
    private static partial Regex QuantityRegex();

    [GeneratedRegex(@"[-_.\s]")]
    private static partial Regex SeparatorRegex();
}
