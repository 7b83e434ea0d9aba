using IncidentHub.Analysis.Ingestion;
using Markdig;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace IncidentHub.Web.Infrastructure.Web;

/// <summary>
/// People's Markdown (incident notes) as HTML that cannot run script: raw HTML is shown as text, links keep only
/// http(s) and mailto targets (others become plain text), images become links (no request leaves a reader's browser
/// because of someone's note), and every link opens without an opener or referrer.
/// </summary>
public static class SafeMarkdown
{
    /// <summary>Longest note rendered; longer input is cut (the caller bounds what it stores).</summary>
    public const int MaxLength = 20_000;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseAutoLinks()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .Build();

    public static string ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown.Length > MaxLength ? markdown[..MaxLength] : markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            var safe = link.Url is { } url && (WebLinks.HttpOrNull(url) is not null || url.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase));
            if (!safe)
            {
                Unwrap(link);
                continue;
            }

            if (link.IsImage)
            {
                link.IsImage = false;
            }

            link.GetAttributes().AddPropertyIfNotExist("rel", "noopener noreferrer nofollow");
            link.GetAttributes().AddPropertyIfNotExist("target", "_blank");
        }

        foreach (var auto in document.Descendants<AutolinkInline>().Where(a => !a.IsEmail && WebLinks.HttpOrNull(a.Url) is null).ToList())
        {
            auto.ReplaceBy(new LiteralInline(auto.Url));
        }

        return document.ToHtml(Pipeline);
    }

    /// <summary>Replaces a link by its text: what it said stays, where it pointed does not.</summary>
    private static void Unwrap(LinkInline link)
    {
        var text = new LiteralInline(link.IsImage ? $"[image: {link.Url}]" : "");
        link.ReplaceBy(text);
        var children = link.ToList();
        Inline after = text;
        foreach (var child in children)
        {
            child.Remove();
            after.InsertAfter(child);
            after = child;
        }
    }
}
