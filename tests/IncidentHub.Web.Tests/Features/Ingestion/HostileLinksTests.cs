using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Features.Ingestion;

/// <summary>
/// Issue 17, stored XSS: a sender's link that is not http(s) never reaches the incident's API (nor,
/// through the same view, the page's href); the alert itself is kept.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class HostileLinksTests(IncidentHubFactory app)
{
    private const string Hostile = "javascript:alert(document.cookie)";

    public static TheoryData<SourceKind, string> Sources => new()
    {
        { SourceKind.Generic, "generic/alert.json" },
        { SourceKind.Alertmanager, "alertmanager-firing.json" },
        { SourceKind.Grafana, "grafana/firing.json" },
        { SourceKind.Datadog, "datadog/triggered-extended.json" },
        { SourceKind.PagerDuty, "pagerduty/triggered.json" },
        { SourceKind.CloudWatch, "cloudwatch/alarm.json" },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task JavascriptLink_IsDropped_AlertIsKept(SourceKind kind, string fixture)
    {
        var hook = await app.CreateIntegrationAsync(kind);
        using var http = app.Client();
        var payload = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "webhooks", fixture)))!;
        MakeLinksHostile(kind, payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, hook + "?wait=true") { Content = JsonContent.Create(payload) };
        if (kind == SourceKind.CloudWatch)
        {
            request.Headers.Add("x-amz-sns-message-type", "Notification");
        }

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var number = (await response.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]![0]!["number"]!.GetValue<int>();
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var body = await admin.GetStringAsync($"/api/incidents/{number}");
        var alert = Assert.Single(JsonNode.Parse(body)!["alerts"]!.AsArray())!;
        Assert.DoesNotContain("javascript:", body, StringComparison.OrdinalIgnoreCase);
        if (alert["sourceUrl"]?.GetValue<string>() is { } link)
        {
            Assert.StartsWith("https://", link, StringComparison.Ordinal); // CloudWatch builds its own console link
        }
    }

    private static void MakeLinksHostile(SourceKind kind, JsonNode payload)
    {
        switch (kind)
        {
            case SourceKind.Generic:
                payload["url"] = Hostile;
                payload["fingerprint"] = Guid.NewGuid().ToString("N");
                break;
            case SourceKind.Alertmanager or SourceKind.Grafana:
                foreach (var alert in payload["alerts"]!.AsArray())
                {
                    foreach (var field in new[] { "generatorURL", "panelURL", "dashboardURL", "silenceURL" })
                    {
                        alert![field] = Hostile;
                    }

                    alert!["fingerprint"] = Guid.NewGuid().ToString("N");
                }

                break;
            case SourceKind.Datadog:
                payload["link"] = Hostile;
                payload["aggreg_key"] = Guid.NewGuid().ToString("N");
                break;
            case SourceKind.PagerDuty:
                payload["event"]!["data"]!["html_url"] = Hostile;
                payload["event"]!["data"]!["id"] = Guid.NewGuid().ToString("N");
                break;
            case SourceKind.CloudWatch:
                // No link field to poison: the console link is built from the ARN's region (checked against a
                // pattern) and the escaped alarm name; an alarm name with a quote and a scheme stays inside https.
                var message = JsonNode.Parse(payload["Message"]!.GetValue<string>())!;
                message["AlarmName"] = "x\" onclick=\"alert(1) " + Guid.NewGuid().ToString("N");
                payload["Message"] = message.ToJsonString();
                break;
        }
    }
}
