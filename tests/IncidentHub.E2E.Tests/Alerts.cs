using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;

namespace IncidentHub.E2E.Tests;

/// <summary>One realistic Alertmanager alert (labels and annotations as a Prometheus rule would send them).</summary>
public sealed record AlertSpec(string AlertName, string Service, string Severity, string Summary, string Description, string Team);

/// <summary>Posts Alertmanager webhook v4 bodies to the real app over HTTP, as Alertmanager itself would.</summary>
public static class Alerts
{
    public static readonly AlertSpec CheckoutErrors = new("HighErrorRate", "checkout", "critical",
        "5xx ratio 12.4% over the last 5m", "POST /api/orders fails for one request in eight since deploy 2026.11.20-3.", "payments-team");

    public static readonly AlertSpec PaymentsLatency = new("LatencyHigh", "payments", "warning",
        "p99 latency 2.8s (SLO 800ms)", "Card authorisation is slow; the PSP reports degraded performance in eu-west.", "payments-team");

    public static readonly AlertSpec UploadsDisk = new("DiskAlmostFull", "uploads", "warning",
        "/var/lib/uploads 91% full, full in ~6h at current rate", "CSV import scratch space is not being cleaned up.", "media-team");

    public static readonly AlertSpec GeocoderRateLimit = new("UpstreamRateLimited", "geocoder", "info",
        "Provider answers 429 for 7% of lookups", "Address lookups fall back to the cache; nothing customer-facing yet.", "maps-team");

    public static readonly AlertSpec InventorySync = new("StockSyncLagging", "inventory", "warning",
        "Stock sync 14 minutes behind the warehouse feed", "Reservations may oversell slow-moving items.", "catalog-team");

    public static JsonObject Body(AlertSpec spec, string fingerprint) =>
        new()
        {
            ["version"] = "4",
            ["groupKey"] = $"{{}}:{{alertname=\"{spec.AlertName}\", service=\"{spec.Service}\", fp=\"{fingerprint}\"}}",
            ["truncatedAlerts"] = 0,
            ["status"] = "firing",
            ["receiver"] = "incidenthub",
            ["groupLabels"] = new JsonObject { ["alertname"] = spec.AlertName, ["service"] = spec.Service },
            ["commonLabels"] = Labels(spec),
            ["commonAnnotations"] = new JsonObject { ["summary"] = spec.Summary, ["description"] = spec.Description },
            ["externalURL"] = "http://alertmanager.example:9093",
            ["alerts"] = new JsonArray(new JsonObject
            {
                ["status"] = "firing",
                ["labels"] = Labels(spec),
                ["annotations"] = new JsonObject
                {
                    ["summary"] = spec.Summary,
                    ["description"] = spec.Description,
                    ["runbook_url"] = $"https://runbooks.example/{spec.Service}/{spec.AlertName}",
                },
                ["startsAt"] = DateTimeOffset.UtcNow.AddMinutes(-3).ToString("yyyy-MM-ddTHH:mm:ssZ"),
                ["endsAt"] = "0001-01-01T00:00:00Z",
                ["generatorURL"] = $"http://prometheus.example:9090/graph?g0.expr=ALERTS%7Balertname%3D%22{spec.AlertName}%22%7D",
                ["fingerprint"] = fingerprint,
            }),
        };

    /// <summary>Posts one firing alert and returns the number of the incident it opened or joined.</summary>
    public static async Task<int> PostAsync(IncidentHubFactory app, string hookPath, AlertSpec spec)
    {
        using var http = app.Client();
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        using var response = await http.PostAsync(hookPath + "?wait=true", JsonContent.Create(Body(spec, fingerprint)));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"webhook answered {(int)response.StatusCode}: {text}");
        var incidents = JsonNode.Parse(text)!["incidents"]!.AsArray();
        Assert.Single(incidents);
        return incidents[0]!["number"]!.GetValue<int>();
    }

    private static JsonObject Labels(AlertSpec spec) => new()
    {
        ["alertname"] = spec.AlertName,
        ["service"] = spec.Service,
        ["severity"] = spec.Severity,
        ["team"] = spec.Team,
        ["namespace"] = "prod",
        ["cluster"] = "eu-west-1",
        ["instance"] = $"{spec.Service}-7d9f8c6b5-x2k4p",
    };
}
