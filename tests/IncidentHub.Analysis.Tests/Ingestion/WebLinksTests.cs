using System.Text;
using IncidentHub.Analysis.Ingestion;

namespace IncidentHub.Analysis.Tests.Ingestion;

public sealed class WebLinksTests
{
    [Theory]
    [InlineData("https://grafana.example.com/d/checkout?orgId=1")]
    [InlineData("http://prometheus:9090/graph?g0.expr=up")]
    [InlineData("HTTPS://Example.COM/")]
    public void HttpOrNull_KeepsAbsoluteWebLinks(string url) => Assert.Equal(url, WebLinks.HttpOrNull(url));

    [Theory]
    [InlineData("javascript:alert(document.cookie)")]
    [InlineData("JaVaScRiPt:alert(1)")]
    [InlineData(" javascript:alert(1)")]
    [InlineData("\njavascript:alert(1)")]
    [InlineData("java\tscript:alert(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("vbscript:msgbox(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("//evil.example/x")]
    [InlineData("/incidents/1")]
    [InlineData("http:/evil.example")]
    [InlineData("https://")]
    [InlineData("https:\\\\evil.example")]
    [InlineData(" https://example.com")]
    [InlineData("")]
    [InlineData(null)]
    public void HttpOrNull_DropsEverythingElse(string? url) => Assert.Null(WebLinks.HttpOrNull(url));

    [Fact]
    public void Parse_GenericAlertWithJavascriptUrl_KeepsTheAlertWithoutALink()
    {
        var body = Encoding.UTF8.GetBytes("""{"title":"Checkout down","url":"javascript:alert(document.cookie)"}""");

        var result = AlertSources.Parse(SourceKind.Generic, body, DateTimeOffset.UnixEpoch);

        var alert = Assert.Single(result.Alerts);
        Assert.Equal("Checkout down", alert.Title);
        Assert.Null(alert.SourceUrl);
    }

    [Fact]
    public void Parse_GrafanaWithHostilePanelUrl_FallsBackToTheDashboardLink()
    {
        var body = Encoding.UTF8.GetBytes("""
            {"alerts":[{"labels":{"alertname":"X"},"panelURL":"javascript:alert(1)","dashboardURL":"https://grafana.example.com/d/x","silenceURL":"javascript:alert(2)"}]}
            """);

        var alert = Assert.Single(AlertSources.Parse(SourceKind.Grafana, body, DateTimeOffset.UnixEpoch).Alerts);

        Assert.Equal("https://grafana.example.com/d/x", alert.SourceUrl);
        Assert.DoesNotContain(alert.Annotations.Values, v => v.Contains("javascript:", StringComparison.Ordinal));
    }
}
