using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;

namespace IncidentHub.Web.Features.Notifications.Formats;

/// <summary>
/// A notice as a PagerDuty Events API v2 event (https://developer.pagerduty.com/docs/events-api-v2/overview):
/// trigger when paged, acknowledge, resolve, all with the incident's dedup key so PagerDuty's incident follows ours.
/// The routing key is added at send time (it is a secret and is not stored in the outbox). Other notices send nothing.
/// </summary>
public static class PagerDutyEvent
{
    public static JsonObject? Render(Notice notice)
    {
        var i = notice.Incident;
        var action = notice.Kind switch
        {
            NoticeKind.Paged => "trigger",
            NoticeKind.Acknowledged => "acknowledge",
            NoticeKind.Resolved => "resolve",
            _ => null,
        };
        if (action is null)
        {
            return null;
        }

        var ev = new JsonObject { ["event_action"] = action, ["dedup_key"] = i.DedupKey };
        if (action == "trigger")
        {
            ev["payload"] = new JsonObject
            {
                ["summary"] = SlackBlocks.Limit($"[{i.Severity}] {i.Reference} {i.Title}", 1024),
                ["severity"] = Severity(i.Severity),
                ["source"] = i.Service ?? "incidenthub",
                ["component"] = i.Service,
                ["class"] = "incident",
                ["custom_details"] = new JsonObject { ["incident"] = i.Reference, ["headline"] = notice.Headline, ["diagnosis"] = notice.Text },
            };
            ev["client"] = "IncidentHub";
            ev["client_url"] = i.Url;
            ev["links"] = new JsonArray { new JsonObject { ["href"] = i.Url, ["text"] = $"{i.Reference} in IncidentHub" } };
        }

        return ev;
    }

    /// <summary>PagerDuty's four severities.</summary>
    public static string Severity(Severity severity) => severity switch
    {
        Analysis.Incidents.Severity.P0 => "critical",
        Analysis.Incidents.Severity.P1 => "error",
        Analysis.Incidents.Severity.P2 => "warning",
        _ => "info",
    };
}
