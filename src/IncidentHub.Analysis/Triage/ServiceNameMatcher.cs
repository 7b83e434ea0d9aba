namespace IncidentHub.Analysis.Triage;

/// <summary>
/// Finds a known service name inside free text (a label value, an alarm name, a host name): the name must
/// stand on its own, bounded by the start or end of the text or by a character that is not a letter or a
/// digit, so "feed-api" is found in "feed-api-alb-5xx-high" and "app/feed-api-prod/6d1c", but "api" is not
/// found in "rapid". The longest such name wins ("checkout-web" over "checkout").
/// </summary>
public static class ServiceNameMatcher
{
    public static string? Longest(IEnumerable<string> names, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string? best = null;
        foreach (var name in names)
        {
            if (name.Length < 3 || (best is not null && name.Length <= best.Length))
            {
                continue;
            }

            if (Occurs(text, name))
            {
                best = name;
            }
        }

        return best;
    }

    /// <summary>Whether <paramref name="name"/> (a service name or any word) occurs in <paramref name="text"/> (case-insensitive) as a whole token.</summary>
    public static bool Occurs(string text, string name)
    {
        var index = 0;
        while ((index = text.IndexOf(name, index, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var end = index + name.Length;
            if ((index == 0 || !char.IsLetterOrDigit(text[index - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end])))
            {
                return true;
            }

            index++;
        }

        return false;
    }

    /// <summary>
    /// The catalog name that shares the most distinctive words with a component's name (a consumer group, queue, topic
    /// or job named after what it serves: "ledger-events-consumers" → "ledger-projector"), when one name shares more than
    /// any other and covers at least half of the component's distinctive words. Generic words (consumer, group, queue,
    /// topic, worker, service, events, prod...) do not count.
    /// </summary>
    public static string? ByWords(IEnumerable<string> names, string? text)
    {
        var words = Words(text);
        if (words.Count == 0)
        {
            return null;
        }

        var ranked = names.Select(n => (Name: n, Shared: Words(n).Count(words.Contains)))
            .Where(x => x.Shared > 0)
            .OrderByDescending(x => x.Shared)
            .ToList();
        if (ranked.Count == 0 || (ranked.Count > 1 && ranked[1].Shared == ranked[0].Shared) || 2 * ranked[0].Shared < words.Count)
        {
            return null;
        }

        return ranked[0].Name;
    }

    private static readonly HashSet<string> GenericWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "consumer", "consumers", "group", "groups", "cg", "queue", "queues", "topic", "topics", "stream", "streams", "worker", "workers",
        "service", "svc", "api", "app", "job", "jobs", "events", "event", "prod", "production", "staging", "dlq", "dead", "letter",
        "main", "primary", "v1", "v2", "the", "and", "high", "low", "lag", "errors", "error", "alert", "rate",
    };

    private static HashSet<string> Words(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : text.Split(['-', '_', '.', ' ', '/', ':', '(', ')', ','], StringSplitOptions.RemoveEmptyEntries)
                .Where(w => w.Length >= 3 && !GenericWords.Contains(w) && !w.All(char.IsDigit))
                .Select(w => Stem(w.ToLowerInvariant()))
                .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The word's stem, so a queue named after the plural or the action ("refunds", "invoice-render-jobs") meets the service
    /// named after the thing or the doer ("refund-processor", "invoice-renderer"): -ies → -y, a plural -s, then -er, -ing,
    /// -ed (repeatedly) on words long enough to keep a stem of four letters.
    /// </summary>
    internal static string Stem(string word)
    {
        var w = word;
        if (w.Length > 4 && w.EndsWith("ies", StringComparison.Ordinal))
        {
            w = w[..^3] + "y";
        }
        else if (w.Length > 4 && w.EndsWith('s') && !w.EndsWith("ss", StringComparison.Ordinal))
        {
            w = w[..^1];
        }

        // Repeated, so the doer and the action meet: renderer → render → rend, render → rend.
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var suffix in (string[])["er", "ing", "ed"])
            {
                if (w.Length - suffix.Length >= 4 && w.EndsWith(suffix, StringComparison.Ordinal))
                {
                    w = w[..^suffix.Length];
                    changed = true;
                    break;
                }
            }
        }

        return w;
    }
}
