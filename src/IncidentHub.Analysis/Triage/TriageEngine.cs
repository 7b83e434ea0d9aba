using IncidentHub.Analysis.Incidents;

namespace IncidentHub.Analysis.Triage;

/// <summary>What triage knows about one alert: its labels and annotations, as the source sent them.</summary>
public sealed record AlertFacts(
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    bool Firing = true);

/// <summary>A service's criticality from the catalog: tier 1 is customer-facing and critical.</summary>
public sealed record ServiceTier(string Name, int Tier);

/// <param name="Alerts">The alerts read (for a storm, a sample: see <see cref="FiringTotal"/>).</param>
public sealed record TriageInput(string Title, IReadOnlyList<AlertFacts> Alerts, IReadOnlyList<ServiceTier> Catalog)
{
    /// <summary>How many of the incident's alerts fire, when <see cref="Alerts"/> is only a sample of them.</summary>
    public int? FiringTotal { get; init; }
}

/// <summary>The outcome, with the signals it rests on so a person can check each one.</summary>
public sealed record TriageResult(
    Severity Severity,
    string? Service,
    int? ServiceTier,
    double Confidence,
    string Reason,
    IReadOnlyList<string> Signals);

/// <summary>
/// Deterministic first triage: severity from the alert's severity label, outage keywords and the
/// service's tier; the service from well-known labels checked against the catalog; a confidence
/// that grows with each independent signal. No I/O: the same input always gives the same answer.
/// </summary>
public static partial class TriageEngine
{
    /// <summary>Labels that name the service, most specific first.</summary>
    public static readonly string[] ServiceLabelKeys =
        ["service", "service_name", "app", "app_kubernetes_io_name", "application", "component", "job"];

    /// <summary>Labels that name where the alert fired; a service's name is often part of them (batch-exporter-1).</summary>
    private static readonly string[] HostLabelKeys = ["instance", "host", "hostname", "pod", "deployment", "container", "namespace"];

    /// <summary>The labels read first, in order, when looking for a service name inside label values.</summary>
    private static readonly string[] NamingLabelKeys = [.. ServiceLabelKeys, .. HostLabelKeys];

    private static readonly string[] SeverityLabelKeys = ["severity", "priority", "level"];

    /// <summary>Words that mean users cannot use the product; each raises severity by one level.</summary>
    private static readonly string[] OutageKeywords =
        ["outage", "down", "unavailable", "unreachable", "data loss", "corruption", "breach", "all requests failing"];

    public static TriageResult Triage(TriageInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var signals = new List<string>();
        var confidence = 0.1;

        var (severity, severityLabel) = SeverityFromLabels(input.Alerts);
        if (severityLabel is not null)
        {
            signals.Add($"severity label '{severityLabel}' -> {severity}");
            confidence += 0.35;
        }
        else
        {
            signals.Add($"no severity label -> {severity}");
        }

        var keyword = FindOutageKeyword(input);
        if (keyword is not null)
        {
            severity = Raise(severity);
            signals.Add($"outage keyword '{keyword}' -> {severity}");
            confidence += 0.1;
        }

        var (service, source, exact) = ResolveService(input);
        int? tier = null;
        if (service is not null)
        {
            signals.Add($"service '{service}' from {source}");
            confidence += exact ? 0.2 : 0.15;
            var entry = input.Catalog.FirstOrDefault(s => string.Equals(s.Name, service, StringComparison.OrdinalIgnoreCase));
            if (entry is not null)
            {
                service = entry.Name;
                tier = entry.Tier;
                confidence += 0.15;
                if (entry.Tier <= 1)
                {
                    severity = Raise(severity);
                    signals.Add($"tier-1 service in catalog -> {severity}");
                }
                else if (entry.Tier >= 3)
                {
                    severity = Lower(severity);
                    signals.Add($"tier-{entry.Tier} service in catalog -> {severity}");
                }
                else
                {
                    signals.Add($"tier-{entry.Tier} service in catalog");
                }
            }
            else
            {
                signals.Add($"service '{service}' is not in the catalog");
            }
        }
        else
        {
            signals.Add("no service label, and no catalog service named in the alert");
        }

        var firing = input.FiringTotal ?? input.Alerts.Count(a => a.Firing);
        if (firing > 1)
        {
            signals.Add($"{firing} alerts firing together");
            confidence += 0.05;
        }

        confidence = Math.Round(Math.Min(confidence, 0.95), 2);
        return new TriageResult(severity, service, tier, confidence, Summarise(severity, service, tier, severityLabel, keyword), signals);
    }

    /// <summary>The worst severity any alert claims; P3 when none claims one.</summary>
    internal static (Severity Severity, string? Label) SeverityFromLabels(IReadOnlyList<AlertFacts> alerts)
    {
        Severity? worst = null;
        string? label = null;
        foreach (var alert in alerts)
        {
            foreach (var key in SeverityLabelKeys)
            {
                if (!TryGet(alert.Labels, key, out var value) || ParseSeverity(value) is not { } parsed)
                {
                    continue;
                }

                if (worst is null || parsed < worst)
                {
                    worst = parsed;
                    label = value;
                }

                break;
            }
        }

        return (worst ?? Severity.P3, label);
    }

    /// <summary>Maps the vocabularies of Alertmanager, Grafana, PagerDuty and Datadog onto P0-P3.</summary>
    public static Severity? ParseSeverity(string value) =>
        value.Trim().ToLowerInvariant() switch
        {
            "p0" or "sev0" or "sev-0" or "emergency" => Severity.P0,
            "p1" or "sev1" or "sev-1" or "critical" or "crit" or "page" or "fatal" or "disaster" => Severity.P1,
            "p2" or "sev2" or "sev-2" or "error" or "high" or "major" => Severity.P2,
            "p3" or "sev3" or "sev-3" or "p4" or "p5" or "warning" or "warn" or "medium" or "minor" or "low" or "info" => Severity.P3,
            _ => null,
        };

    /// <summary>
    /// The alert's service: a service/app/job label (the catalog's spelling when it names an entry, also
    /// once an environment qualifier is dropped, as PagerDuty's "notifier (production)"; else as given).
    /// Without such a label: the longest catalog name found inside another label value, an annotation or
    /// the title, read in that order (CloudWatch's "feed-api-alb-5xx-high", Grafana's instance "batch-exporter-1").
    /// </summary>
    internal static (string? Service, string? Source, bool Exact) ResolveService(TriageInput input)
    {
        var (named, key) = ServiceFromLabels(input.Alerts);
        var names = input.Catalog.Select(c => c.Name).ToList();
        if (named is not null)
        {
            if (names.Any(n => string.Equals(n, named, StringComparison.OrdinalIgnoreCase)))
            {
                return (named, $"label '{key}'", true);
            }

            // An explicit service label wins, even when the catalog lacks it; only an environment qualifier
            // ("notifier (production)", "checkout-prod") is dropped to find the catalog's entry.
            var bare = QualifierRegex().Replace(named, "").Trim();
            var entry = names.FirstOrDefault(n => string.Equals(n, bare, StringComparison.OrdinalIgnoreCase));
            if (entry is not null)
            {
                return (entry, $"label '{key}' \"{Clip(named)}\"", true);
            }

            // A component the catalog does not list (a consumer group, queue or topic named in the service label): the
            // catalog service it is named after, when one stands out; else the label as given.
            // (only a name that says it is such a component: "checkout-api" is a service of its own, not "checkout").
            // The alert says so too when the same value stands in a component label (topic, queue, consumer group ...).
            // The alert says so too when the same value stands in a component label (topic, queue, consumer group ...), or
            // when its title describes a messaging component ("consumer lag", "queue depth", "dead letters").
            var component = ComponentNameRegex().IsMatch(bare) || ComponentTextRegex().IsMatch(input.Title) || input.Alerts.Any(a => a.Labels.Any(l =>
                ComponentLabelRegex().IsMatch(l.Key) && string.Equals(l.Value.Trim(), named.Trim(), StringComparison.OrdinalIgnoreCase)));
            var owner = component ? ServiceNameMatcher.Longest(names, bare) ?? ServiceNameMatcher.ByWords(names, bare) : null;
            return owner is not null ? (owner, $"label '{key}' \"{Clip(named)}\" (a component of {owner})", false) : (named, $"label '{key}'", true);
        }

        foreach (var (where, text) in ServiceTexts(input))
        {
            if (ServiceNameMatcher.Longest(names, text) is { } found)
            {
                return (found, $"{where} \"{Clip(text)}\"", false);
            }
        }

        // A component the catalog does not list by name (a consumer group, queue, topic): the catalog service named
        // after the same thing.
        foreach (var (where, text) in ServiceTexts(input))
        {
            if (ServiceNameMatcher.ByWords(names, text) is { } found)
            {
                return (found, $"{where} \"{Clip(text)}\" (shares its words)", false);
            }
        }

        return (null, null, false);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:^|[-_.\s])(?:consumers?|cg|group|queue|topic|stream|subscription|subscriber|listener|dlq|partition)(?:$|[-_.\s])", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex ComponentNameRegex();

    /// <summary>Alert text that describes a messaging component: consumer lag, queue depth or backlog, dead letters, a partition.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\bconsumers?\b|\bconsumer[ _-]?(?:group|lag)|\bqueue[ _-]?(?:depth|length|size|backlog)|\bdead[ _-]?letter|\bDLQ\b|\bpartition\b|\btopic\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex ComponentTextRegex();

    /// <summary>Label keys that name a messaging component: topic, queue, consumer group, subscription, stream.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:topic|queue|queue_?name|consumer_?group|consumergroup|group|subscription|stream|exchange|routing_?key|channel)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex ComponentLabelRegex();

    [System.Text.RegularExpressions.GeneratedRegex(@"\s*\([^)]*\)|[\s_.-]+(?:prod|production|prd|staging|stage|stg|live|canary)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex QualifierRegex();

    /// <summary>A service name without an environment qualifier: "notifier (production)" and "checkout-prod" name notifier and checkout.</summary>
    public static string WithoutQualifier(string name) => QualifierRegex().Replace(name, "").Trim();

    /// <summary>Where a service may be named, most specific first: name labels, host-like labels, other labels, annotations, title.</summary>
    private static IEnumerable<(string Where, string Text)> ServiceTexts(TriageInput input)
    {
        foreach (var key in NamingLabelKeys)
        {
            foreach (var alert in input.Alerts)
            {
                if (TryGet(alert.Labels, key, out var value) && !string.IsNullOrWhiteSpace(value))
                {
                    yield return ($"label '{key}'", value);
                }
            }
        }

        foreach (var alert in input.Alerts)
        {
            foreach (var (key, value) in alert.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!NamingLabelKeys.Contains(key, StringComparer.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(value))
                {
                    yield return ($"label '{key}'", value);
                }
            }
        }

        foreach (var alert in input.Alerts)
        {
            foreach (var (key, value) in alert.Annotations.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!string.IsNullOrWhiteSpace(value) && !value.StartsWith("http", StringComparison.OrdinalIgnoreCase))
                {
                    yield return ($"annotation '{key}'", value);
                }
            }
        }

        yield return ("the title", input.Title);
    }

    private static string Clip(string text) => text.Length <= 60 ? text : text[..60] + "...";

    internal static (string? Service, string? Label) ServiceFromLabels(IReadOnlyList<AlertFacts> alerts)
    {
        foreach (var key in ServiceLabelKeys)
        {
            foreach (var alert in alerts)
            {
                if (TryGet(alert.Labels, key, out var value) && !string.IsNullOrWhiteSpace(value))
                {
                    return (value.Trim(), key);
                }
            }
        }

        return (null, null);
    }

    private static string? FindOutageKeyword(TriageInput input)
    {
        var texts = new List<string> { input.Title };
        foreach (var alert in input.Alerts)
        {
            texts.AddRange(alert.Annotations.Values);
            if (TryGet(alert.Labels, "alertname", out var name))
            {
                texts.Add(name);
            }
        }

        foreach (var keyword in OutageKeywords)
        {
            if (texts.Any(t => ContainsWord(t, keyword)))
            {
                return keyword;
            }
        }

        return null;
    }

    /// <summary>Whole-word match, so "download" does not count as "down"; CamelCase names are split first.</summary>
    internal static bool ContainsWord(string text, string word) => ServiceNameMatcher.Occurs(SplitCamelCase(text), word);

    private static string SplitCamelCase(string text)
    {
        var chars = new List<char>(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            if (i > 0 && char.IsUpper(text[i]) && char.IsLower(text[i - 1]))
            {
                chars.Add(' ');
            }

            chars.Add(text[i]);
        }

        return new string([.. chars]);
    }

    private static bool TryGet(IReadOnlyDictionary<string, string> map, string key, out string value)
    {
        foreach (var (k, v) in map)
        {
            if (string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }

        value = "";
        return false;
    }

    private static Severity Raise(Severity s) => s == Severity.P0 ? s : s - 1;

    private static Severity Lower(Severity s) => s == Severity.P3 ? s : s + 1;

    private static string Summarise(Severity severity, string? service, int? tier, string? label, string? keyword)
    {
        var parts = new List<string>();
        parts.Add(label is null ? "no severity label" : $"severity={label}");
        if (keyword is not null)
        {
            parts.Add($"'{keyword}' in the alert");
        }

        parts.Add(service is null ? "service unknown" : tier is null ? $"service {service} (not in catalog)" : $"tier-{tier} service {service}");
        return $"{severity}: {string.Join("; ", parts)}";
    }
}
