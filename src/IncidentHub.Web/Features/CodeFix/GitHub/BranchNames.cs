using System.Globalization;
using System.Text;

namespace IncidentHub.Web.Features.CodeFix.GitHub;

/// <summary>Names of the branches IncidentHub proposes changes on: <c>incident/INC-42-checkout-latency-after-deploy</c>.</summary>
public static class BranchNames
{
    public const int MaxSlugLength = 40;

    public static string For(int incidentNumber, string title)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(incidentNumber);
        var slug = Slug(title);
        return slug.Length == 0 ? $"incident/INC-{incidentNumber}" : $"incident/INC-{incidentNumber}-{slug}";
    }

    /// <summary>Lowercase ASCII letters and digits joined by single hyphens, accents dropped, cut at a word end within <see cref="MaxSlugLength"/>.</summary>
    public static string Slug(string title)
    {
        var slug = new StringBuilder();
        foreach (var c in title.Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(char.ToLowerInvariant(c));
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark && slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        var text = slug.ToString().TrimEnd('-');
        if (text.Length > MaxSlugLength)
        {
            var cut = text[..(MaxSlugLength + 1)].LastIndexOf('-');
            text = (cut >= MaxSlugLength / 2 ? text[..cut] : text[..MaxSlugLength]).TrimEnd('-');
        }

        return text;
    }

    /// <summary>
    /// The rules of <c>git check-ref-format --branch</c> that matter to us, checked without running git
    /// (LocalBranchPublisher also asks git itself).
    /// </summary>
    public static bool IsValid(string branch) =>
        branch.Length is > 0 and <= 200
        && !branch.StartsWith('-') && !branch.StartsWith('/') && !branch.EndsWith('/') && !branch.EndsWith('.') && !branch.EndsWith(".lock", StringComparison.Ordinal)
        && !branch.Contains("..", StringComparison.Ordinal) && !branch.Contains("//", StringComparison.Ordinal) && !branch.Contains("@{", StringComparison.Ordinal)
        && branch != "@" && branch != "HEAD"
        && branch.Split('/').All(part => !part.StartsWith('.'))
        && branch.All(c => c > ' ' && c != '\u007f' && c is not ('~' or '^' or ':' or '?' or '*' or '[' or '\\'));
}
