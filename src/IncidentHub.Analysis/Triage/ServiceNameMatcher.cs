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
}
