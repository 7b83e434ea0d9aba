using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;

namespace IncidentHub.Web.Tests.Infrastructure.Observability;

/// <summary>
/// /metrics in Prometheus text format: the app's series with their labels, for Admins (or Prometheus' bearer secret) only.
/// An app of its own: in a test process that starts and stops several apps, one app's OpenTelemetry export was seen
/// to go empty when another app stopped.
/// </summary>
[Collection(ObservabilityCollection.Name)]
public sealed class MetricsTests(ObservabilityApp fixture)
{
    private IncidentHubFactory App => fixture.App;

    [Fact]
    public async Task Metrics_AfterAnAlert_ExposesTheNamedSeriesWithTheirLabels()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Generic);
        using var sender = App.Client();
        var posted = await sender.PostAsync(hook + "?wait=true",
            new StringContent($$"""{"title":"metrics {{Guid.NewGuid():N}}","service":"metrics","severity":"critical"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        using var admin = App.Client(IncidentHubFactory.AdminToken);

        // Triage runs as a Hangfire job a moment later; its duration and the phase latency follow.
        var text = await Eventually.HoldsAsync(() => admin.GetStringAsync("/metrics"),
            t => Series(t, "incidenthub_job_duration_seconds_count", ("job", "TriageJob")) && Series(t, "incidenthub_incident_phase_seconds_count", ("phase", "triage")),
            TimeSpan.FromSeconds(30), "the triage job's metrics");

        Assert.True(Series(text, "incidenthub_alerts_received_total", ("source", "generic"), ("outcome", "accepted")), text);
        Assert.True(Series(text, "incidenthub_incidents", ("state", "Investigating")), text);
        Assert.True(Series(text, "incidenthub_incidents", ("state", "Resolved")), text);
        Assert.True(Series(text, "incidenthub_outbox_depth"), text);
        Assert.Matches(new Regex("""^incidenthub_ai_tokens_total\{[^}]*direction="input"[^}]*\} 0""", RegexOptions.Multiline), text);
        Assert.True(Series(text, "http_server_request_duration_seconds_count"), text);
    }

    [Fact]
    public async Task Metrics_RejectedPayload_IsCountedAsRejected()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Grafana);
        using var sender = App.Client();
        await sender.PostAsync(hook, new StringContent("not json", Encoding.UTF8, "application/json"));
        using var admin = App.Client(IncidentHubFactory.AdminToken);

        await Eventually.HoldsAsync(() => admin.GetStringAsync("/metrics"), t => Series(t, "incidenthub_alerts_received_total", ("source", "grafana"), ("outcome", "rejected")),
            TimeSpan.FromSeconds(10), "the rejected payload's count");
    }

    [Fact]
    public async Task Metrics_WithoutAnAdmin_IsRefused()
    {
        using var anonymous = App.Client();
        using var viewer = App.Client(await App.CreateUserAsync($"metrics-{Guid.NewGuid():N}@test.local", "Viewer!pass-123", Roles.Viewer));
        using var wrongBearer = App.Client("not-the-metrics-token");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongBearer.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Metrics_WithTheConfiguredBearerSecret_IsServed()
    {
        using var prometheus = App.Client(ObservabilityApp.MetricsToken);

        var scraped = await prometheus.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("incidenthub_outbox_depth", await scraped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A sample line of <paramref name="name"/> carrying every one of <paramref name="labels"/>.</summary>
    internal static bool Series(string text, string name, params (string Key, string Value)[] labels) =>
        text.Split('\n').Any(line => (line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            && labels.All(l => line.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)));
}
