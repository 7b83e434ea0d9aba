using Bunit;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Incidents.Components;

namespace IncidentHub.Web.Tests.Components;

/// <summary>A link stored before links were checked (or written around the parser) is still not rendered as href.</summary>
public sealed class AlertListTests : BunitContext, IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 3, 14, 15, TimeSpan.Zero);

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => base.DisposeAsync().AsTask();

    [Theory]
    [InlineData("javascript:alert(document.cookie)", null)]
    [InlineData("data:text/html,<script>alert(1)</script>", null)]
    [InlineData("https://grafana.example.com/d/x", "https://grafana.example.com/d/x")]
    public void AlertTitle_IsALink_OnlyForHttpLinks(string stored, string? href)
    {
        var alert = new AlertView(Guid.NewGuid(), "fp", "Checkout down", AlertStatus.Firing, new Dictionary<string, string>(), new Dictionary<string, string>(),
            At, null, At, 1, stored);

        var list = Render<AlertList>(p => p.Add(a => a.Alerts, [alert]).Add(a => a.Now, At));

        Assert.Equal(href, list.FindAll(".ih-alert-title a").SingleOrDefault()?.GetAttribute("href"));
        Assert.Contains("Checkout down", list.Find(".ih-alert-title").TextContent, StringComparison.Ordinal);
    }
}
