namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// The one check for a link that came from outside (an alert's source link, a runbook, a pull request,
/// a timeline "url") before it is stored or rendered as <c>href</c>: only an absolute http(s) URL with a
/// host is a link; <c>javascript:</c>, <c>data:</c>, relative and protocol-relative URLs are not.
/// </summary>
public static class WebLinks
{
    /// <summary>The URL when it is a safe web link, otherwise null (the caller keeps the rest and drops the link).</summary>
    public static string? HttpOrNull(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '\\'))
        {
            return null;
        }

        // Checked on the text as well as the parsed Uri: Uri trims and unescapes, the browser gets the text.
        if (!url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && uri.Host.Length > 0
            ? url
            : null;
    }

    public static bool IsHttp(string? url) => HttpOrNull(url) is not null;
}
