using IncidentHub.Analysis.Logs;

namespace IncidentHub.Analysis.Triage;

/// <summary>One catalog service's log lines of the incident window, read to find who works on a component.</summary>
public sealed record ServiceTelemetry(string Service, IReadOnlyList<string> Lines);

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
            if (ComponentLabelKeys.Contains(key.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal)) && !string.IsNullOrWhiteSpace(value)
                && !isCatalogService(value.Trim()))
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
        labels.Any(l => ComponentLabelKeys.Contains(l.Key.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal)) && !string.IsNullOrWhiteSpace(l.Value));

    /// <summary>Label keys (without _ or -, any case) that name a messaging or storage component.</summary>
    private static readonly HashSet<string> ComponentLabelKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "topic", "topicname", "queue", "queuename", "consumergroup", "group", "groupid", "subscription", "subscriptionname", "stream",
        "streamname", "exchange", "bucket", "bucketname",
    };

    public static ComponentOwnerMatch? Find(IReadOnlyCollection<string> components, IReadOnlyList<ServiceTelemetry> telemetry)
    {
        var names = components.Where(c => !string.IsNullOrWhiteSpace(c) && c.Trim().Length >= 3).Select(c => c.Trim())
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (names.Count == 0 || telemetry.Count == 0)
        {
            return null;
        }

        var ranked = new List<(string Service, string Component, int Failing, int Lines)>();
        foreach (var t in telemetry)
        {
            var failing = 0;
            var lines = 0;
            string? named = null;
            foreach (var line in t.Lines)
            {
                var hit = names.FirstOrDefault(n => Names(line, n));
                if (hit is null)
                {
                    continue;
                }

                named ??= hit;
                lines++;
                if (LogTemplateAnalysis.LooksLikeError(line))
                {
                    failing++;
                }
            }

            if (named is not null)
            {
                ranked.Add((t.Service, named, failing, lines));
            }
        }

        ranked = [.. ranked.OrderByDescending(r => r.Failing).ThenByDescending(r => r.Lines)];
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
