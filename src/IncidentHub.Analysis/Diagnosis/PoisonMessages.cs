using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.Diagnosis;

/// <summary>One message (the same id or offset) failing the same consumer again and again.</summary>
internal sealed record PoisonMessage(string EvidenceId, EvidenceKind Kind, string Id, int Count, string Display);

/// <summary>
/// A poison message: an error template or trace that names one message id/offset, repeated at least
/// <see cref="MinRepeats"/> times. A template that keeps a literal id (the miner found it constant) or examples that
/// all carry the same id both say "one message", where normal failures carry many different ids.
/// </summary>
internal static partial class PoisonMessages
{
    public const int MinRepeats = 5;

    public static List<PoisonMessage> Find(IEnumerable<TextFact> texts, IReadOnlyDictionary<string, int> counts)
    {
        var result = new List<PoisonMessage>();
        foreach (var t in texts)
        {
            if (counts.GetValueOrDefault(t.EvidenceId) < MinRepeats)
            {
                continue;
            }

            var ids = MessageIdRegex().Matches(t.Text).Select(m => m.Groups["id"].Value).Where(id => id.Any(char.IsDigit) && !id.Contains("<*>", StringComparison.Ordinal)).ToList();
            var lines = t.Text.Split('\n').Length;
            // The same id in the template (line 1) and in every example, or on every line when there are several.
            if (ids.Count > 0 && ids.Distinct(StringComparer.Ordinal).Count() == 1 && (ids.Count >= Math.Min(lines, 2) || t.Kind == EvidenceKind.Traces))
            {
                result.Add(new PoisonMessage(t.EvidenceId, t.Kind, ids[0], counts[t.EvidenceId], t.Display));
            }
        }

        return result;
    }

    // The keyword must stand as a word of its own ("ledger-events-3" names a topic, not an event id).
    [GeneratedRegex(@"\b(?:message|msg|offset|record|row|event|delivery|envelope|payload|receipt)(?:[\s_-]*(?:id|key|offset|tag|no|number|handle))?\b\s*[:=#]?\s*[""'\[(]?(?<id>[A-Za-z0-9][\w:\-]{2,})", RegexOptions.IgnoreCase)]
    private static partial Regex MessageIdRegex();
}
