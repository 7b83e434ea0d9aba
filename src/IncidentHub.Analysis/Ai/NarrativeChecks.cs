using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Analysis.Ai;

public sealed record CheckedSentence(string Text, IReadOnlyList<string> Cites);

public sealed record CheckedSection(string Name, IReadOnlyList<CheckedSentence> Sentences);

/// <summary>The sections kept (each sentence citing only ids that exist) and every sentence dropped, with why.</summary>
public sealed record NarrativeReview(IReadOnlyList<CheckedSection> Sections, IReadOnlyList<string> Dropped)
{
    public int Kept => Sections.Sum(s => s.Sentences.Count);
}

/// <summary>
/// What code checks in a post-mortem narrative: each sentence must cite at least one id, and every id it cites must be an
/// observation (obs-N) or timeline line (tl-N) of this incident; a sentence citing none or an unknown id is dropped, as is one
/// that reads like an instruction. Sections and sentences are bounded.
/// </summary>
public static class NarrativeChecks
{
    public const int MaxSentencesPerSection = 6;
    public const int MaxSentenceChars = 400;

    public static NarrativeReview Review(NarrativeAnswer answer, IReadOnlySet<string> knownIds)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(knownIds);
        var dropped = new List<string>();
        var sections = new List<CheckedSection>();
        foreach (var (name, sentences) in new[] { ("Summary", answer.Summary), ("Impact", answer.Impact), ("What happened", answer.WhatHappened), ("Lessons", answer.Lessons) })
        {
            var kept = new List<CheckedSentence>();
            foreach (var sentence in (sentences ?? []).Take(MaxSentencesPerSection))
            {
                var text = Flat(sentence.Text);
                if (text.Length == 0)
                {
                    continue;
                }

                var cites = (sentence.Cites ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).Distinct(StringComparer.Ordinal).ToList();
                var unknown = cites.Where(c => !knownIds.Contains(c)).ToList();
                if (cites.Count == 0)
                {
                    dropped.Add($"\"{Short(text)}\" ({name}) cites nothing");
                }
                else if (unknown.Count > 0)
                {
                    dropped.Add($"\"{Short(text)}\" ({name}) cites ids that do not exist on this incident: {string.Join(", ", unknown.Take(5).Select(u => u.Length > 40 ? u[..40] : u))}");
                }
                else if (InjectionDetector.Check(text) is { } reason)
                {
                    dropped.Add($"\"{Short(text)}\" ({name}) reads like an instruction ({reason})");
                }
                else
                {
                    kept.Add(new(text, cites));
                }
            }

            var extra = (sentences?.Count ?? 0) - MaxSentencesPerSection;
            if (extra > 0)
            {
                dropped.Add($"{extra} sentence(s) of {name} past the first {MaxSentencesPerSection}");
            }

            sections.Add(new(name, kept));
        }

        return new(sections, dropped);
    }

    private static string Flat(string? text)
    {
        var flat = string.Join(' ', (text ?? "").Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return flat.Length <= MaxSentenceChars ? flat : flat[..MaxSentenceChars] + "…";
    }

    private static string Short(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
