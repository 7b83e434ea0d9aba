namespace IncidentHub.Analysis.Logs;

/// <summary>
/// Replaces the variable parts of one token with a typed mask. A hand-written scanner, not a chain of regular
/// expressions: it runs on every token of every mined line. The order of kinds is in decision 008.
/// </summary>
public static class TokenMasker
{
    public const string Any = "<*>";
    public const string Number = "<NUM>";
    public const string Hex = "<HEX>";
    public const string Ip = "<IP>";
    public const string Uuid = "<UUID>";
    public const string Path = "<PATH>";
    public const string Url = "<URL>";
    public const string Timestamp = "<TS>";
    public const string Email = "<EMAIL>";
    public const string Host = "<HOST>";

    private static readonly string[] Masks = [Any, Number, Hex, Ip, Uuid, Path, Url, Timestamp, Email, Host];

    private static readonly HashSet<string> TopLevelDomains = new(StringComparer.Ordinal)
    {
        "com", "net", "org", "edu", "gov", "mil", "int", "io", "dev", "app", "cloud", "info", "biz", "local", "internal", "lan",
        "uk", "de", "fr", "nl", "it", "es", "pl", "ru", "cn", "jp", "kr", "hk", "tw", "in", "br", "au", "ca", "us", "ch", "se", "no", "eu",
    };

    private static readonly HashSet<string> DateWords = new(StringComparer.Ordinal)
    {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
    };

    private static readonly HashSet<string> Units = new(StringComparer.Ordinal)
    {
        "B", "KB", "MB", "GB", "TB", "kB", "KiB", "MiB", "GiB", "TiB", "ms", "us", "ns", "s", "sec", "secs", "min", "mins",
    };

    /// <summary>A month or weekday abbreviation (part of a spelled-out date when a number or another one follows).</summary>
    public static bool IsDateWord(ReadOnlySpan<char> token) =>
        DateWords.GetAlternateLookup<ReadOnlySpan<char>>().Contains(token.TrimEnd(",."));

    /// <summary>A unit that belongs to the number before it (<c>12 KB</c>, <c>250 ms</c>, <c>1 sec</c>).</summary>
    public static bool IsUnit(ReadOnlySpan<char> token) =>
        Units.GetAlternateLookup<ReadOnlySpan<char>>().Contains(token.TrimEnd(",.;)]"));

    /// <summary>True when a template token is (or wraps) a mask, i.e. stands for a variable.</summary>
    public static bool IsVariable(string token)
    {
        if (token.IndexOf('<', StringComparison.Ordinal) < 0)
        {
            return false;
        }

        foreach (var mask in Masks)
        {
            if (token.Contains(mask, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The masked form of one token, or null when the token is a constant.</summary>
    public static string? MaskOf(ReadOnlySpan<char> token)
    {
        var mask = Analyse(token, out var keep, out var suffix);
        return mask is null ? null : string.Concat(token[..keep], mask, token[suffix..]);
    }

    /// <summary>
    /// Allocation-free form of <see cref="MaskOf"/>: the masked token is
    /// <c>token[..keep] + mask + token[suffix..]</c>; null when the token is a constant.
    /// </summary>
    public static string? Analyse(ReadOnlySpan<char> token, out int keep, out int suffix)
    {
        keep = 0;
        suffix = token.Length;
        if (token.Length > 3 && token[0] == '[' && IsIpv6(token.TrimEnd(",;.")))
        {
            suffix = token.TrimEnd(",;.").Length;
            return Ip;
        }

        var start = 0;
        while (start < token.Length && IsOpening(token[start]))
        {
            start++;
        }

        var end = token.Length;
        while (end > start && IsClosing(token[end - 1]))
        {
            end--;
        }

        var core = token[start..end];
        if (core.IsEmpty)
        {
            // "()" or "''": an empty value.
            if (token.Length >= 2 && start > 0)
            {
                keep = start;
                suffix = start;
                return Any;
            }

            return null;
        }

        var mask = Classify(core, allowSplit: true, out var key);
        keep = start + key;
        suffix = end;
        return mask;
    }

    private static bool IsOpening(char c) => c is '(' or '[' or '{' or '"' or '\'';

    private static bool IsClosing(char c) => c is ')' or ']' or '}' or '"' or '\'' or ',' or ';' or '.' or ':' or '!' or '?';

    private static string? Classify(ReadOnlySpan<char> s, bool allowSplit, out int key)
    {
        key = 0;
        if (s.Contains(Any, StringComparison.Ordinal))
        {
            return Any;
        }

        var digits = 0;
        var hexLetters = 0;
        var other = 0;
        foreach (var c in s)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (char.IsAsciiHexDigit(c))
            {
                hexLetters++;
            }
            else
            {
                other++;
            }
        }

        if (s.Contains("://", StringComparison.Ordinal))
        {
            return Url;
        }

        if (s.Length > 1 && (s[0] == '/' || (s.Length > 2 && char.IsAsciiLetter(s[0]) && s[1] == ':' && s[2] == '\\') || s.StartsWith("~/")))
        {
            if (s[0] == '/' && IsIpWithPort(s[1..]))
            {
                return Ip;
            }

            if (IsPath(s))
            {
                return Path;
            }
        }

        if (s.IndexOf('@') is var at && at > 0 && IsEmail(s, at))
        {
            return Email;
        }

        if (digits == 0)
        {
            return IsHost(s) ? Host : allowSplit ? SplitValue(s, out key) : null;
        }

        if (other == 0 && digits + hexLetters == s.Length)
        {
            // Only digits and a-f: a number, or a hex id when it is long enough or mixes letters in.
            return hexLetters == 0 ? Number : s.Length >= 6 ? Hex : Any;
        }

        if (IsUuid(s))
        {
            return Uuid;
        }

        if (IsIpWithPort(s) || IsIpv6(s))
        {
            return Ip;
        }

        if (IsTimestamp(s))
        {
            return Timestamp;
        }

        if (IsHost(s))
        {
            return Host;
        }

        if (IsNumber(s))
        {
            return Number;
        }

        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && IsAllHex(s[2..]))
        {
            return Hex;
        }

        return (allowSplit ? SplitValue(s, out key) : null) ?? Any;
    }

    /// <summary><c>key=value</c> or <c>key:value</c> with a word key: keep the key, mask the value.</summary>
    private static string? SplitValue(ReadOnlySpan<char> s, out int key)
    {
        key = 0;
        var i = s.IndexOfAny('=', ':');
        var dots = s.IndexOf("..", StringComparison.Ordinal);
        if (dots > 0 && (i < 0 || dots < i))
        {
            // "instruction......0": a padded label and its value.
            i = dots;
            while (i + 1 < s.Length && s[i + 1] == '.')
            {
                i++;
            }
        }

        if (i <= 0 || i == s.Length - 1)
        {
            return null;
        }

        foreach (var c in s[..i])
        {
            if (char.IsAsciiDigit(c))
            {
                return null;
            }
        }

        var mask = Classify(s[(i + 1)..], allowSplit: false, out _);
        key = mask is null ? 0 : i + 1;
        return mask;
    }

    /// <summary>
    /// A lower-case DNS name: at least three labels (<c>proxy.example.edu.hk</c>, <c>com.apple.xpc.launchd</c>) or two
    /// with a known top-level domain (<c>zummit.com</c>). Mixed-case dotted names are code (Java classes) and stay.
    /// </summary>
    private static bool IsHost(ReadOnlySpan<char> s)
    {
        var dots = 0;
        var labelStart = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '.')
            {
                if (i == labelStart)
                {
                    return false;
                }

                dots++;
                labelStart = i + 1;
            }
            else if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-' || c == '_'))
            {
                return false;
            }
        }

        var last = s[labelStart..];
        if (dots == 0 || last.IsEmpty || !IsLetters(last))
        {
            return false;
        }

        return dots >= 2 || TopLevelDomains.GetAlternateLookup<ReadOnlySpan<char>>().Contains(last);
    }

    private static bool IsLetters(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAllHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNumber(ReadOnlySpan<char> s)
    {
        // [-+]?digits([.,]digits)* with an optional short unit: 12, -3.5, 1,024, 250ms, 10KB, 99%.
        var i = 0;
        if (s[0] is '-' or '+')
        {
            i++;
        }

        var sawDigit = false;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || ((s[i] is '.' or ',') && sawDigit && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))))
        {
            sawDigit |= char.IsAsciiDigit(s[i]);
            i++;
        }

        if (!sawDigit)
        {
            return false;
        }

        var unit = s.Length - i;
        if (unit > 3)
        {
            return false;
        }

        for (; i < s.Length; i++)
        {
            if (!char.IsAsciiLetter(s[i]) && s[i] != '%')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsUuid(ReadOnlySpan<char> s)
    {
        if (s.Length != 36)
        {
            return false;
        }

        for (var i = 0; i < 36; i++)
        {
            var ok = i is 8 or 13 or 18 or 23 ? s[i] == '-' : char.IsAsciiHexDigit(s[i]);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsIpWithPort(ReadOnlySpan<char> s)
    {
        // a.b.c.d or a.b.c.d:port
        var parts = 0;
        var i = 0;
        while (parts < 4)
        {
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start || i - start > 3)
            {
                return false;
            }

            parts++;
            if (parts < 4)
            {
                if (i >= s.Length || s[i] != '.')
                {
                    return false;
                }

                i++;
            }
        }

        if (i == s.Length)
        {
            return true;
        }

        if (s[i] != ':' || i + 1 == s.Length)
        {
            return false;
        }

        for (i++; i < s.Length; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsIpv6(ReadOnlySpan<char> s)
    {
        // fe80::1, 2001:db8::8a2e:370:7334, [::1]:8080, fe80::1%eth0
        if (s[0] == '[')
        {
            var close = s.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            var rest = s[(close + 1)..];
            if (!rest.IsEmpty && (rest[0] != ':' || rest.Length == 1 || !IsDigits(rest[1..])))
            {
                return false;
            }

            s = s[1..close];
        }

        var zone = s.IndexOf('%');
        if (zone >= 0)
        {
            s = s[..zone];
        }

        var colons = 0;
        foreach (var c in s)
        {
            if (c == ':')
            {
                colons++;
            }
            else if (!char.IsAsciiHexDigit(c) && c != '.')
            {
                return false;
            }
        }

        return colons >= 2 && (s.Contains("::", StringComparison.Ordinal) || colons == 7);
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return !s.IsEmpty;
    }

    private static bool IsTimestamp(ReadOnlySpan<char> s)
    {
        // 12:34:56, 12:34:56.789, 2024-01-02, 2024-01-02T10:11:12Z, 2024-01-02T10:11:12+01:00, 20240102-10:11:12
        if (!char.IsAsciiDigit(s[0]))
        {
            return false;
        }

        var colons = 0;
        var dashes = 0;
        foreach (var c in s)
        {
            if (c == ':')
            {
                colons++;
            }
            else if (c == '-')
            {
                dashes++;
            }
            else if (!char.IsAsciiDigit(c) && c is not ('.' or ',' or 'T' or 'Z' or '+' or '/'))
            {
                return false;
            }
        }

        return colons >= 1 || (dashes == 2 && s.Length >= 8);
    }

    private static bool IsPath(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '/' or '\\' or '.' or '_' or '-' or '~' or '+' or '@' or '%' or ':' or '='))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsEmail(ReadOnlySpan<char> s, int at)
    {
        var domain = s[(at + 1)..];
        var dot = domain.LastIndexOf('.');
        if (dot <= 0 || dot == domain.Length - 1)
        {
            return false;
        }

        foreach (var c in s[..at])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+' or '%'))
            {
                return false;
            }
        }

        foreach (var c in domain)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
