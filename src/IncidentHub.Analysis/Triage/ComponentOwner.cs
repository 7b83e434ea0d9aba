using IncidentHub.Analysis.Logs;

namespace IncidentHub.Analysis.Triage;

/// <summary>One catalog service's log lines of the incident window, read to find who works on a component.</summary>
public sealed record ServiceTelemetry(string Service, IReadOnlyList<string> Lines);

/// <summary>How often one service's logs of the window name a component, in all lines and in failing ones.</summary>
public sealed record ComponentTally(string Service, string Component, int Failing, int Lines);

/// <summary>The catalog service found to work on an alert's component, with the reason a responder would give.</summary>
public sealed record ComponentOwnerMatch(string Service, string Component, int FailingLines, int Lines, string Reason);

/// <summary>
/// An alert keyed by something the catalog does not list (a topic, queue, consumer group, job, bucket): the service whose
/// own logs of the incident window name that component as a whole token, in lines that report a failure, is the one at
/// work on it, as a responder finds it by searching every service's logs for the name. A producer that only logs that it
/// published to the topic names it without failing; the consumer stuck on it fails on every line. Failing lines decide;
/// plain mentions only break a tie of failing lines. Nothing is returned when no service fails on it, or two fail alike.
/// </summary>
public static class ComponentOwner
{
    /// <summary>A component is named by this many failing lines before it says who works on it.</summary>
    public const int MinFailingLines = 3;

    /// <summary>
    /// What an alert is keyed by when it is not a catalog service: the service/app/job label value the catalog does not
    /// list (<paramref name="isCatalogService"/> false), and the values of messaging and storage labels (topic, queue,
    /// consumer group, subscription, stream, exchange, bucket; CloudWatch's QueueName, TopicName, BucketName alike).
    /// </summary>
    public static IReadOnlyList<string> ComponentsOf(IReadOnlyDictionary<string, string> labels, Func<string, bool> isCatalogService)
    {
        var result = new List<string>();
        foreach (var key in TriageEngine.ServiceLabelKeys)
        {
            if (labels.FirstOrDefault(l => string.Equals(l.Key, key, StringComparison.OrdinalIgnoreCase)).Value is { Length: > 0 } value && !isCatalogService(value.Trim()))
            {
                result.Add(value.Trim());
            }
        }

        foreach (var (key, value) in labels)
        {
            if (IsComponentKey(key) && !string.IsNullOrWhiteSpace(value) && !isCatalogService(value.Trim()))
            {
                result.Add(value.Trim());
            }
        }

        return [.. result.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// The component's whole name stands in the line: not inside a longer name ("orders" is not named by "orders-archive"
    /// nor "old-orders"), though a partition or shard number may follow it ("payments.captured-3").
    /// </summary>
    internal static bool Names(string line, string name)
    {
        static bool Joins(char c) => c is '-' or '_' or '.';
        var index = 0;
        while ((index = line.IndexOf(name, index, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var end = index + name.Length;
            var before = index == 0 || (!char.IsLetterOrDigit(line[index - 1]) && !(Joins(line[index - 1]) && index >= 2 && char.IsLetter(line[index - 2])));
            var after = end == line.Length || (!char.IsLetterOrDigit(line[end]) && !(Joins(line[end]) && end + 1 < line.Length && char.IsLetter(line[end + 1])));
            if (before && after)
            {
                return true;
            }

            index++;
        }

        return false;
    }

    /// <summary>The alert carries a messaging or storage label (topic, queue, consumer group, bucket ...).</summary>
    public static bool HasComponentLabel(IReadOnlyDictionary<string, string> labels) =>
        labels.Any(l => IsComponentKey(l.Key) && !string.IsNullOrWhiteSpace(l.Value));

    /// <summary>A component label key; CloudWatch's dimensions arrive as <c>dim_&lt;Name&gt;</c> (see CloudWatchSource).</summary>
    private static bool IsComponentKey(string key)
    {
        var bare = key.StartsWith("dim_", StringComparison.OrdinalIgnoreCase) ? key[4..] : key;
        return ComponentLabelKeys.Contains(bare.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal));
    }

    /// <summary>
    /// Label keys (without _ or -, any case) that name a messaging, storage or database component: the services that use it
    /// are found by who fails on it (a database instance at its connection limit belongs to the service refused by it).
    /// </summary>
    private static readonly HashSet<string> ComponentLabelKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "topic", "topicname", "queue", "queuename", "consumergroup", "group", "groupid", "subscription", "subscriptionname", "stream",
        "streamname", "exchange", "bucket", "bucketname",
        "dbinstanceidentifier", "dbclusteridentifier", "cacheclusterid", "replicationgroupid", "tablename", "brokername", "domainname",
        "filesystemid", "database", "datname", "dbinstance",
    };

    /// <summary>The names worth searching for: distinct, trimmed, at least 3 characters.</summary>
    public static IReadOnlyList<string> SearchNames(IReadOnlyCollection<string> components) =>
        [.. components.Where(c => !string.IsNullOrWhiteSpace(c) && c.Trim().Length >= 3).Select(c => c.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)];

    public static ComponentOwnerMatch? Find(IReadOnlyCollection<string> components, IReadOnlyList<ServiceTelemetry> telemetry)
    {
        var names = SearchNames(components);
        return names.Count == 0 ? null : Rank(telemetry.Select(t => Tally(t.Service, t.Lines, names)));
    }

    /// <summary>
    /// How one service's lines name the components (<paramref name="names"/> from <see cref="SearchNames"/>): null when they
    /// name none. Kept instead of the lines, so a search over many services holds counts, not every service's logs.
    /// </summary>
    public static ComponentTally? Tally(string service, IEnumerable<string> lines, IReadOnlyList<string> names)
    {
        var failing = 0;
        var count = 0;
        string? named = null;
        foreach (var line in lines)
        {
            var hit = names.FirstOrDefault(n => Names(line, n));
            if (hit is null)
            {
                continue;
            }

            named ??= hit;
            count++;
            if (LogTemplateAnalysis.LooksLikeError(line))
            {
                failing++;
            }
        }

        return named is null ? null : new ComponentTally(service, named, failing, count);
    }

    /// <summary>The service that fails on the component most, when it is clearly the one (see the class).</summary>
    public static ComponentOwnerMatch? Rank(IEnumerable<ComponentTally?> tallies)
    {
        var ranked = tallies.OfType<ComponentTally>().OrderByDescending(r => r.Failing).ThenByDescending(r => r.Lines).ToList();
        if (ranked.Count == 0 || ranked[0].Failing < MinFailingLines)
        {
            return null;
        }

        // Two services failing on the component about as often: it is not theirs to own, or the logs cannot tell.
        if (ranked.Count > 1 && ranked[1].Failing * 2 > ranked[0].Failing)
        {
            return null;
        }

        var best = ranked[0];
        return new ComponentOwnerMatch(best.Service, best.Component, best.Failing, best.Lines,
            $"{best.Service}'s logs name {best.Component} in {best.Failing} failing line(s) of the window"
            + (ranked.Count > 1 ? $" ({ranked[1].Service}: {ranked[1].Failing})" : ""));
    }
}
