using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Ingestion;

/// <summary>
/// Every source, end to end: a real-format fixture posted to /hooks/{source}/{token} becomes an
/// incident with the right title, service, severity (after triage) and link back to the source;
/// the source's own "resolved" message resolves it.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SourcesEndToEndTests(IncidentHubFactory app)
{
    public static TheoryData<SourceKind, string, string?, string, string, Severity, string> Fixtures => new()
    {
        { SourceKind.Alertmanager, "alertmanager-firing.json", null, "HighErrorRate: Checkout 5xx ratio above 5%", "checkout", Severity.P0, "http://prometheus:9090/graph" },
        { SourceKind.Grafana, "grafana/firing.json", "grafana/resolved.json", "CheckoutHighLatency: Checkout p99 latency above 1.5s", "checkout", Severity.P0, "https://grafana.example.com/d/checkout-slo" },
        { SourceKind.Datadog, "datadog/triggered-extended.json", "datadog/recovered.json", "Checkout error rate above 5%", "checkout", Severity.P0, "https://app.datadoghq.com/" },
        { SourceKind.PagerDuty, "pagerduty/triggered.json", "pagerduty/resolved.json", "Checkout API error rate above 5% in eu-west-1", "Checkout API", Severity.P1, "https://acme-retail.pagerduty.com/incidents/Q0RIJJZL24RC6W" },
        { SourceKind.CloudWatch, "cloudwatch/alarm.json", "cloudwatch/ok.json", "checkout-api-5xx-rate-high: Checkout API target 5xx responses above 25 per minute", "checkout-api", Severity.P3, "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-api-5xx-rate-high" },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Fixture_BecomesTriagedIncident_AndItsResolveResolvesIt(
        SourceKind kind, string firing, string? resolved, string title, string service, Severity severity, string link)
    {
        var hook = await app.CreateIntegrationAsync(kind);
        using var http = app.Client();

        var response = await PostFixtureAsync(http, hook, firing);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var number = (await response.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]![0]!["number"]!.GetValue<int>();
        var detail = await Triaged.WaitAsync(() => GetAsync(number));
        var triage = Triaged.Entry(detail);
        Assert.Equal(title, detail.Summary.Title);
        Assert.Equal(service, triage.Details["service"]);
        Assert.Equal(severity.ToString(), triage.Details["severity"]);
        Assert.NotNull(detail.Phases.InvestigatingAt);
        Assert.StartsWith(link, Assert.Single(detail.Alerts).SourceUrl, StringComparison.Ordinal);

        if (resolved is not null)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await PostFixtureAsync(http, hook, resolved)).StatusCode);
            var after = await GetAsync(number);
            Assert.Equal(IncidentState.Resolved, after.Summary.State);
            Assert.Single(after.Alerts);
        }
    }

    [Fact]
    public async Task CloudWatch_SubscriptionConfirmation_IsStoredAsANotice_AndOpensNothing()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.CloudWatch);
        using var http = app.Client();

        var response = await PostFixtureAsync(http, hook, "cloudwatch/subscription-confirmation.json");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Empty(body!["incidents"]!.AsArray());
        Assert.Equal("SubscriptionConfirmation", body["notice"]!["kind"]!.GetValue<string>());
        Assert.StartsWith("https://sns.", body["notice"]!["actionUrl"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PagerDuty_Ping_IsAcceptedWithoutAnIncident()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.PagerDuty);
        using var http = app.Client();

        var response = await PostFixtureAsync(http, hook, "pagerduty/ping.json");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty((await response.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]!.AsArray());
    }

    [Fact]
    public async Task UnknownSourceInThePath_Returns404ProblemListingTheSources()
    {
        using var http = app.Client();

        var response = await http.PostAsync("/hooks/nagios/iht_whatever", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("alertmanager, grafana, pagerduty, cloudwatch, datadog, generic",
            (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PostFixtureAsync(HttpClient http, string hook, string fixture)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "webhooks", fixture));
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, hook + "?wait=true") { Content = content };
        if (fixture.StartsWith("cloudwatch/", StringComparison.Ordinal))
        {
            request.Headers.Add("x-amz-sns-message-type", fixture.Contains("subscription", StringComparison.Ordinal) ? "SubscriptionConfirmation" : "Notification");
        }

        return await http.SendAsync(request);
    }

    private async Task<IncidentDetail> GetAsync(int number)
    {
        using var scope = app.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<IncidentService>().GetAsync(number))!;
    }
}
