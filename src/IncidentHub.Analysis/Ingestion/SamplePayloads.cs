using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// A small firing alert in each source's own format, for the "send test alert" button: it goes
/// through the same webhook path as a real one, so it proves the integration works end to end.
/// </summary>
public static class SamplePayloads
{
    public static byte[] For(SourceKind kind, DateTimeOffset now, string id)
    {
        var at = now.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        const string title = "Test alert from IncidentHub";
        JsonNode body = kind switch
        {
            SourceKind.Alertmanager or SourceKind.Grafana => new JsonObject
            {
                ["version"] = kind == SourceKind.Grafana ? "1" : "4",
                ["groupKey"] = $"{{}}:{{alertname=\"IncidentHubTest\", test=\"{id}\"}}",
                ["status"] = "firing",
                ["receiver"] = "incidenthub",
                ["groupLabels"] = new JsonObject { ["alertname"] = "IncidentHubTest" },
                ["alerts"] = new JsonArray(new JsonObject
                {
                    ["status"] = "firing",
                    ["labels"] = new JsonObject { ["alertname"] = "IncidentHubTest", ["severity"] = "info", ["test"] = id },
                    ["annotations"] = new JsonObject { ["summary"] = title, ["description"] = "Sent with the Send test alert button." },
                    ["startsAt"] = at,
                    ["endsAt"] = "0001-01-01T00:00:00Z",
                    ["fingerprint"] = $"test-{id}",
                }),
            },
            SourceKind.PagerDuty => new JsonObject
            {
                ["event"] = new JsonObject
                {
                    ["id"] = $"test-{id}",
                    ["event_type"] = "incident.triggered",
                    ["resource_type"] = "incident",
                    ["occurred_at"] = at,
                    ["data"] = new JsonObject
                    {
                        ["id"] = $"TEST{id}",
                        ["type"] = "incident",
                        ["title"] = title,
                        ["status"] = "triggered",
                        ["urgency"] = "low",
                        ["created_at"] = at,
                        ["service"] = new JsonObject { ["id"] = "PTEST", ["summary"] = "incidenthub-test" },
                    },
                },
            },
            SourceKind.CloudWatch => new JsonObject
            {
                ["Type"] = "Notification",
                ["MessageId"] = $"test-{id}",
                ["TopicArn"] = "arn:aws:sns:us-east-1:000000000000:incidenthub-test",
                ["Subject"] = title,
                ["Timestamp"] = at,
                ["Message"] = new JsonObject
                {
                    ["AlarmName"] = $"incidenthub-test-{id}",
                    ["AlarmDescription"] = title,
                    ["AWSAccountId"] = "000000000000",
                    ["NewStateValue"] = "ALARM",
                    ["NewStateReason"] = "Sent with the Send test alert button.",
                    ["StateChangeTime"] = at,
                    ["Region"] = "US East (N. Virginia)",
                    ["AlarmArn"] = $"arn:aws:cloudwatch:us-east-1:000000000000:alarm:incidenthub-test-{id}",
                    ["OldStateValue"] = "OK",
                    ["Trigger"] = new JsonObject { ["MetricName"] = "TestMetric", ["Namespace"] = "IncidentHub/Test", ["Dimensions"] = new JsonArray() },
                }.ToJsonString(),
            },
            SourceKind.Datadog => new JsonObject
            {
                ["title"] = $"[Triggered] {title}",
                ["body"] = "Sent with the Send test alert button.",
                ["alert_id"] = id,
                ["alert_transition"] = "Triggered",
                ["alert_type"] = "info",
                ["date"] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                ["id"] = $"test-{id}",
            },
            _ => new JsonObject { ["title"] = title, ["severity"] = "info", ["fingerprint"] = $"test-{id}", ["timestamp"] = at },
        };
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }
}
