using IncidentHub.Web.Infrastructure.Web;

namespace IncidentHub.Web.Tests.Infrastructure;

/// <summary>A note is a person's Markdown: it renders as formatting and links, never as script.</summary>
public sealed class SafeMarkdownTests
{
    [Fact]
    public void Formatting_AndHttpLinks_Render()
    {
        var html = SafeMarkdown.ToHtml("Rolled **back**; see [runbook](https://runbooks.example/q) and https://status.example/");

        Assert.Contains("<strong>back</strong>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://runbooks.example/q\"", html, StringComparison.Ordinal);
        Assert.Contains("rel=\"noopener noreferrer nofollow\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://status.example/\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("[click](javascript:alert(document.cookie))")]
    [InlineData("[click](JaVaScRiPt:alert(1))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("<javascript:alert(1)>")]
    [InlineData("![x](javascript:alert(1))")]
    public void ScriptCannotRun(string markdown)
    {
        var html = SafeMarkdown.ToHtml(markdown);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"data:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onerror=", html.Replace("&lt;img src=x onerror=alert(1)&gt;", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void UnsafeLink_KeepsItsText()
    {
        Assert.Contains("click", SafeMarkdown.ToHtml("[click](javascript:alert(1))"), StringComparison.Ordinal);
    }

    [Fact]
    public void Images_BecomeLinks_NoRequestLeavesTheReadersBrowser()
    {
        var html = SafeMarkdown.ToHtml("![graph](https://grafana.example/render.png)");

        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://grafana.example/render.png\"", html, StringComparison.Ordinal);
    }
}
