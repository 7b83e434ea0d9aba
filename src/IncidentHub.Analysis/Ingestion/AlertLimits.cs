using System.Text;

namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// What a parsed payload must fit to be stored: the sizes of the alerts table's columns, and text
/// PostgreSQL can hold (no NUL character, no unpaired UTF-16 surrogate, which JSON can spell as
/// <c>\u0000</c> and <c>\ud800</c>). <see cref="AlertSources.Parse"/> applies it to every parser's
/// result, so a sender's oversize or odd field is shortened, hashed or replaced instead of failing
/// the insert.
/// </summary>
public static class AlertLimits
{
    public const int Fingerprint = 200;
    public const int GroupKey = 1000;
    public const int Title = 500;
    public const int SourceUrl = 2000;

    /// <summary>The error is said to the sender and kept on the raw row (which holds 4000).</summary>
    public const int Error = 2000;

    /// <summary>Stands for a character that cannot be stored (NUL, an unpaired surrogate).</summary>
    public const char Replacement = '\uFFFD';

    public static ParseResult Bound(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Error is not null)
        {
            var error = Truncate(Clean(result.Error), Error);
            return ParseResult.Invalid(string.IsNullOrWhiteSpace(error) ? "The payload was refused." : error);
        }

        var notice = result.Notice is { } n
            ? new SourceNotice(Clean(n.Kind), Clean(n.Text), WebLinks.HttpOrNull(n.ActionUrl))
            : null;
        return new ParseResult([.. result.Alerts.Select(Bound)], null, notice);
    }

    /// <summary>
    /// Fingerprint and group key are identities: when too long they are replaced by a hash, so two
    /// different long keys stay different. The title is shortened; a link that is not http(s)
    /// (<c>javascript:</c> would run in the incident page) or too long to store is dropped (a cut link would
    /// lead somewhere else); the alert is kept.
    /// </summary>
    public static NormalisedAlert Bound(NormalisedAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var title = Truncate(Clean(alert.Title), Title);
        var url = WebLinks.HttpOrNull(alert.SourceUrl is null ? null : Clean(alert.SourceUrl));
        return alert with
        {
            Fingerprint = Key(alert.Fingerprint, Fingerprint, "fingerprint"),
            GroupKey = Key(alert.GroupKey, GroupKey, "groupKey"),
            Title = string.IsNullOrWhiteSpace(title) ? "Alert" : title,
            Labels = Clean(alert.Labels),
            Annotations = Clean(alert.Annotations),
            SourceUrl = url is { Length: > SourceUrl } ? null : url,
        };
    }

    /// <summary>The value, or when longer than <paramref name="max"/> a hash of it (the way Datadog's aggreg_key is bounded).</summary>
    public static string Key(string value, int max, string name)
    {
        var clean = Clean(value);
        return clean.Length <= max ? clean : AlertSources.FingerprintOf([new(name, clean)]);
    }

    /// <summary>At most <paramref name="max"/> characters, ending in "…" when cut; never cuts a surrogate pair in two.</summary>
    public static string Truncate(string value, int max)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length <= max)
        {
            return value;
        }

        var cut = max - 1;
        if (cut > 0 && char.IsHighSurrogate(value[cut - 1]))
        {
            cut--;
        }

        return value[..cut] + "…";
    }

    /// <summary>The text with NUL and unpaired surrogates replaced by U+FFFD; the same instance when there is none.</summary>
    public static string Clean(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var first = FirstUnstorable(value);
        if (first < 0)
        {
            return value;
        }

        var text = new StringBuilder(value.Length);
        text.Append(value, 0, first);
        for (var i = first; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[++i]);
            }
            else
            {
                text.Append(c == '\0' || char.IsSurrogate(c) ? Replacement : c);
            }
        }

        return text.ToString();
    }

    private static Dictionary<string, string> Clean(Dictionary<string, string> map)
    {
        if (map.All(p => FirstUnstorable(p.Key) < 0 && FirstUnstorable(p.Value) < 0))
        {
            return map;
        }

        var clean = new Dictionary<string, string>(map.Count, map.Comparer);
        foreach (var (key, value) in map)
        {
            clean[Clean(key)] = Clean(value);
        }

        return clean;
    }

    private static int FirstUnstorable(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return i;
            }

            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                    continue;
                }

                return i;
            }
        }

        return -1;
    }
}
