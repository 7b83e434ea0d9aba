using System.Globalization;

namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// How one integration turns alerts into incidents. Every decision made with these rules can be
/// explained in one sentence (see <see cref="Explain"/>), and the same rules drive both the live
/// applier and the dry-run simulator, so a dry run shows exactly what saving would do.
/// </summary>
/// <param name="GroupBy">Label keys that make the group; empty = the source's own grouping (Alertmanager groupKey ...).</param>
/// <param name="MaxIncidentAge">An open incident older than this takes no new alerts; a new one opens.</param>
/// <param name="OpenThreshold">Open an incident only once this many distinct alerts of the group fire within <paramref name="ThresholdWindow"/>.</param>
/// <param name="ThresholdWindow">The window for <paramref name="OpenThreshold"/>.</param>
/// <param name="ResolveWhenAllResolved">Resolve the incident when all its alerts have resolved; false = only people resolve it.</param>
/// <param name="FingerprintKeys">For sources without their own fingerprint (generic JSON): label keys that identify one alert.</param>
public sealed record GroupingRules(
    IReadOnlyList<string> GroupBy,
    TimeSpan? MaxIncidentAge,
    int OpenThreshold,
    TimeSpan ThresholdWindow,
    bool ResolveWhenAllResolved,
    IReadOnlyList<string> FingerprintKeys)
{
    public static GroupingRules Default { get; } = new([], null, 1, TimeSpan.FromMinutes(5), true, []);

    /// <summary>Says what is wrong with the rules, or null when they are usable.</summary>
    public string? Validate()
    {
        if (OpenThreshold is < 1 or > 1000)
        {
            return "The threshold to open must be between 1 and 1000 alerts.";
        }

        if (ThresholdWindow <= TimeSpan.Zero || ThresholdWindow > TimeSpan.FromDays(1))
        {
            return "The threshold window must be between 1 second and 1 day.";
        }

        if (MaxIncidentAge is { } age && (age < TimeSpan.FromMinutes(1) || age > TimeSpan.FromDays(30)))
        {
            return "The maximum incident age must be between 1 minute and 30 days.";
        }

        var bad = GroupBy.Concat(FingerprintKeys).FirstOrDefault(k => string.IsNullOrWhiteSpace(k) || k.Any(char.IsWhiteSpace));
        return bad is null ? null : $"'{bad}' is not a label key (no spaces, not empty).";
    }

    /// <summary>The group an alert belongs to under these rules, and the fields that made it.</summary>
    public AlertGroup GroupOf(NormalisedAlert alert)
    {
        if (GroupBy.Count == 0)
        {
            return new AlertGroup(alert.GroupKey, $"same source group key {alert.GroupKey}");
        }

        var fields = GroupBy.Select(k => $"{k}={alert.Labels.GetValueOrDefault(k, "")}").ToList();
        var key = "by:" + string.Join(",", fields);
        return new AlertGroup(key.Length <= 1000 ? key : key[..1000], string.Join(", ", fields));
    }

    /// <summary>The alert's identity: the source's own, or (generic sources with keys set) the chosen labels.</summary>
    public string FingerprintOf(SourceKind kind, NormalisedAlert alert) =>
        kind == SourceKind.Generic && FingerprintKeys.Count > 0
            ? AlertSources.FingerprintOf(FingerprintKeys.Select(k => new KeyValuePair<string, string>(k, alert.Labels.GetValueOrDefault(k, "")))
                .Append(new("title", alert.Title)))
            : alert.Fingerprint;

    /// <summary>Whether an open incident of the group may take the alert; if not, why a new one opens.</summary>
    public bool CanJoin(DateTimeOffset incidentOpenedAt, DateTimeOffset now, out string? whyNot)
    {
        if (MaxIncidentAge is { } age && now - incidentOpenedAt > age)
        {
            whyNot = $"the open incident is older than the {Duration(age)} maximum age";
            return false;
        }

        whyNot = null;
        return true;
    }

    /// <summary>One sentence for the timeline: which rule grouped the alert and on which fields.</summary>
    public string Explain(AlertGroup group) =>
        GroupBy.Count == 0
            ? $"rule 'source grouping': {group.Fields}"
            : $"rule 'group by {string.Join(", ", GroupBy)}': {group.Fields}" + (MaxIncidentAge is { } age ? $", within {Duration(age)}" : "");

    public static string Duration(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? $"{span.TotalDays.ToString(CultureInfo.InvariantCulture)} d"
        : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? $"{span.TotalHours.ToString(CultureInfo.InvariantCulture)} h"
        : span.TotalMinutes >= 1 ? $"{Math.Round(span.TotalMinutes).ToString(CultureInfo.InvariantCulture)} min"
        : $"{Math.Round(span.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s";
}

/// <summary>A group key and the fields that made it, e.g. "service=payments, alertname=HighErrorRate".</summary>
public sealed record AlertGroup(string Key, string Fields);
