using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace IncidentHub.Web.Tests;

/// <summary>Real-format webhook bodies, built per test so each test has its own alert identities.</summary>
public static class Payloads
{
    public static JsonObject Alertmanager(string status, string groupKey, params (string Fingerprint, string AlertName, string Service, string Severity, string Status)[] alerts) =>
        new()
        {
            ["version"] = "4",
            ["groupKey"] = groupKey,
            ["truncatedAlerts"] = 0,
            ["status"] = status,
            ["receiver"] = "incidenthub",
            ["groupLabels"] = new JsonObject { ["alertname"] = alerts[0].AlertName },
            ["commonLabels"] = new JsonObject { ["alertname"] = alerts[0].AlertName },
            ["commonAnnotations"] = new JsonObject(),
            ["externalURL"] = "http://alertmanager.example:9093",
            ["alerts"] = new JsonArray(alerts.Select(a => (JsonNode)new JsonObject
            {
                ["status"] = a.Status,
                ["labels"] = new JsonObject { ["alertname"] = a.AlertName, ["service"] = a.Service, ["severity"] = a.Severity, ["instance"] = "pod-1" },
                ["annotations"] = new JsonObject { ["summary"] = $"{a.AlertName} on {a.Service}", ["description"] = "from a test" },
                ["startsAt"] = "2026-11-20T10:00:00Z",
                ["endsAt"] = a.Status == "resolved" ? "2026-11-20T10:30:00Z" : "0001-01-01T00:00:00Z",
                ["generatorURL"] = "http://prometheus.example:9090/graph?g0.expr=up",
                ["fingerprint"] = a.Fingerprint,
            }).ToArray()),
        };

    public static JsonContent Json(JsonNode node) => JsonContent.Create(node);
}
