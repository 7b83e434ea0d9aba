using System.Text.Json.Nodes;
using IncidentHub.Analysis.Ingestion;

namespace IncidentHub.Analysis.Tests.Ingestion;

public sealed class PagerDutySourceTests
{
    private const string IncidentId = "Q0RIJJZL24RC6W";

    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 2, 0, 0, TimeSpan.Zero);

    private static byte[] Fixture(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "webhooks", "pagerduty", name));

    /// <summary>A fixture with one change made to it, as PagerDuty would send a variant of the event.</summary>
    private static byte[] Variant(string name, Action<JsonObject> change)
    {
        var root = JsonNode.Parse(Fixture(name))!.AsObject();
        change(root);
        return System.Text.Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static JsonObject Data(JsonObject root) => root["event"]!["data"]!.AsObject();

    private static ParseResult Parse(byte[] body) => AlertSources.Parse(SourceKind.PagerDuty, body, ReceivedAt);

    private static NormalisedAlert Single(byte[] body)
    {
        var result = Parse(body);
        Assert.Null(result.Error);
        return Assert.Single(result.Alerts);
    }

    [Fact]
    public void Parse_TriggeredEvent_IsOneFiringAlertForTheIncident()
    {
        var alert = Single(Fixture("triggered.json"));

        Assert.Equal("Checkout API error rate above 5% in eu-west-1", alert.Title);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal(IncidentId, alert.Fingerprint);
        Assert.Equal("pd:" + IncidentId, alert.GroupKey);
        Assert.Equal("https://acme-retail.pagerduty.com/incidents/Q0RIJJZL24RC6W", alert.SourceUrl);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 0, 41, 7, TimeSpan.Zero), alert.StartsAt);
        Assert.Null(alert.EndsAt);
    }

    [Fact]
    public void Parse_TriggeredEvent_LabelsServiceSeverityAndIncidentNumber()
    {
        var alert = Single(Fixture("triggered.json"));

        Assert.Equal("Checkout API error rate above 5% in eu-west-1", alert.Labels["alertname"]);
        Assert.Equal("Checkout API", alert.Labels["service"]);
        Assert.Equal("critical", alert.Labels["severity"]); // no priority, urgency high
        Assert.Equal("4711", alert.Labels["pagerduty_incident_number"]);
        Assert.Equal("triggered", alert.Labels["pagerduty_status"]);
        Assert.Equal("incident.triggered", alert.Labels["event_type"]);
    }

    [Fact]
    public void Parse_TriggeredEvent_KeepsWhoIsOnItAsAnnotations()
    {
        var alert = Single(Fixture("triggered.json"));

        Assert.Equal("5c2f8e0d9a6b4f53b1e7c4d2a8f09e61", alert.Annotations["incident_key"]);
        Assert.Equal("Dana Whitfield", alert.Annotations["assignees"]);
        Assert.Equal("Checkout On-Call", alert.Annotations["escalation_policy"]);
        Assert.Equal("Payments Platform", alert.Annotations["teams"]);
        Assert.Equal("Checkout API", alert.Annotations["agent"]);
        Assert.Equal("https://meet.example.com/checkout-war-room", alert.Annotations["conference_url"]);
        Assert.Equal("01DA2PRIYBV6ZC1MTJQ2TR8XKA", alert.Annotations["pagerduty_event_id"]);
    }

    [Fact]
    public void Parse_AcknowledgedEvent_StaysFiringWithPriorityAsSeverity()
    {
        var alert = Single(Fixture("acknowledged.json"));

        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal(IncidentId, alert.Fingerprint);
        Assert.Equal("P1", alert.Labels["severity"]);
        Assert.Equal("acknowledged", alert.Labels["pagerduty_status"]);
        Assert.Equal("Dana Whitfield", alert.Annotations["agent"]);
    }

    [Fact]
    public void Parse_ResolvedEvent_ResolvesSameFingerprintAsTriggered()
    {
        var triggered = Single(Fixture("triggered.json"));
        var resolved = Single(Fixture("resolved.json"));

        Assert.Equal(AlertStatus.Resolved, resolved.Status);
        Assert.Equal(triggered.Fingerprint, resolved.Fingerprint);
        Assert.Equal(triggered.GroupKey, resolved.GroupKey);
        Assert.Equal(triggered.StartsAt, resolved.StartsAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 1, 12, 54, 930, TimeSpan.Zero), resolved.EndsAt);
    }

    [Fact]
    public void Parse_LowUrgencyWithoutPriority_IsWarning()
    {
        var alert = Single(Variant("triggered.json", root => Data(root)["urgency"] = "low"));

        Assert.Equal("warning", alert.Labels["severity"]);
    }

    [Fact]
    public void Parse_EventAboutAnAlreadyResolvedIncident_DoesNotReopenIt()
    {
        var alert = Single(Variant("resolved.json", root => root["event"]!["event_type"] = "incident.priority_updated"));

        Assert.Equal(AlertStatus.Resolved, alert.Status);
    }

    [Fact]
    public void Parse_ReopenedEvent_FiresAgain()
    {
        var alert = Single(Variant("resolved.json", root =>
        {
            root["event"]!["event_type"] = "incident.reopened";
            Data(root)["status"] = "triggered";
        }));

        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal(IncidentId, alert.Fingerprint);
        Assert.Null(alert.EndsAt);
    }

    [Fact]
    public void Parse_MergedIncident_SaysWhereItWent()
    {
        var alert = Single(Variant("resolved.json", root => Data(root)["resolve_reason"] = new JsonObject
        {
            ["type"] = "merge_resolve_reason",
            ["incident"] = new JsonObject { ["id"] = "Q1B7ZK3M9XWQ2P", ["summary"] = "[#4709] Checkout latency p99 above 2s", ["type"] = "incident_reference" },
        }));

        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.Equal("Merged into [#4709] Checkout latency p99 above 2s", alert.Annotations["resolve_reason"]);
    }

    [Fact]
    public void Parse_PingEvent_IsAcceptedWithoutAlert()
    {
        var result = Parse(Fixture("ping.json"));

        Assert.Null(result.Error);
        Assert.Null(result.Notice);
        Assert.Empty(result.Alerts);
    }

    [Fact]
    public void Parse_ServiceEvent_IsAcceptedWithoutAlert()
    {
        var result = Parse(Variant("ping.json", root =>
        {
            root["event"]!["event_type"] = "service.updated";
            root["event"]!["resource_type"] = "service";
        }));

        Assert.Null(result.Error);
        Assert.Empty(result.Alerts);
    }

    [Fact]
    public void Parse_AnnotatedEvent_IsAcceptedWithoutAlert()
    {
        var result = Parse(Variant("triggered.json", root =>
        {
            root["event"]!["event_type"] = "incident.annotated";
            root["event"]!["data"] = new JsonObject
            {
                ["incident"] = new JsonObject { ["id"] = IncidentId, ["summary"] = "Checkout API error rate above 5% in eu-west-1", ["type"] = "incident_reference" },
                ["id"] = "P2LA89X",
                ["content"] = "Rolled back checkout-api to v2026.11.22-3",
                ["trimmed"] = false,
                ["type"] = "incident_note",
            };
        }));

        Assert.Null(result.Error);
        Assert.Empty(result.Alerts);
    }

    [Theory]
    [InlineData("event", "no 'event' object")]
    [InlineData("data", "The PagerDuty 'incident.triggered' event has no 'event.data' object.")]
    [InlineData("id", "The PagerDuty 'incident.triggered' event has no 'event.data.id'")]
    [InlineData("title", "The PagerDuty 'incident.triggered' event for incident Q0RIJJZL24RC6W has no 'event.data.title'.")]
    [InlineData("event_type", "The PagerDuty event has no 'event.event_type'")]
    public void Parse_MissingField_ErrorNamesIt(string missing, string expected)
    {
        var body = Variant("triggered.json", root =>
        {
            var evt = root["event"]!.AsObject();
            _ = missing switch
            {
                "event" => root.Remove("event"),
                "data" or "event_type" => evt.Remove(missing),
                _ => Data(root).Remove(missing),
            };
        });

        var result = Parse(body);

        Assert.NotNull(result.Error);
        Assert.Contains(expected, result.Error);
        Assert.Empty(result.Alerts);
    }

    [Fact]
    public void Parse_V2WebhookBody_SaysOnlyV3IsSupported()
    {
        var body = """{"messages":[{"id":"bb8b8fe0-e8d5-11e2-9c1e-22000afd16cf","event":"incident.trigger","created_on":"2026-11-23T00:41:07Z","data":{"incident":{"id":"PT4KHLK"}}}]}"""u8.ToArray();

        var result = Parse(body);

        Assert.Contains("only v3 webhook subscriptions", result.Error);
    }

    [Fact]
    public void Parse_NotJson_IsInvalid()
    {
        var result = Parse("event=incident.triggered"u8.ToArray());

        Assert.StartsWith("The body is not valid JSON", result.Error);
    }

    [Fact]
    public void Parse_NonWebIncidentLink_IsNotKept()
    {
        var alert = Single(Variant("triggered.json", root => Data(root)["html_url"] = "javascript:alert(1)"));

        Assert.Null(alert.SourceUrl);
    }
}
