using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace IncidentHub.Web.Features.Notifications.Formats;

/// <summary>
/// A notice as plain JSON for any receiver, signed: <c>X-IncidentHub-Timestamp</c> (Unix seconds) and
/// <c>X-IncidentHub-Signature: v1=hex(HMAC-SHA256(secret, "{timestamp}.{body}"))</c>. A receiver recomputes the
/// HMAC over the raw body and rejects old timestamps (replays).
/// </summary>
public static class SignedWebhook
{
    public const string TimestampHeader = "X-IncidentHub-Timestamp";
    public const string SignatureHeader = "X-IncidentHub-Signature";

    public static JsonObject Render(Notice notice)
    {
        var i = notice.Incident;
        var buttons = new JsonArray();
        foreach (var b in notice.Buttons.Where(b => b.Url is not null))
        {
            buttons.Add(new JsonObject { ["label"] = b.Label, ["url"] = b.Url });
        }

        return new JsonObject
        {
            ["event"] = ToName(notice.Kind),
            ["incident"] = new JsonObject
            {
                ["id"] = i.Id.ToString(),
                ["reference"] = i.Reference,
                ["number"] = i.Number,
                ["title"] = i.Title,
                ["severity"] = i.Severity.ToString(),
                ["service"] = i.Service,
                ["url"] = i.Url,
            },
            ["headline"] = notice.Headline,
            ["text"] = notice.Text,
            ["person"] = notice.Person,
            ["links"] = buttons,
        };
    }

    /// <summary>"v1=" and the lowercase hex HMAC-SHA256 of "{timestamp}.{body}".</summary>
    public static string Signature(string secret, long timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return "v1=" + Convert.ToHexStringLower(mac);
    }

    /// <summary>"incident.opened", "approval.needed", …</summary>
    public static string ToName(NoticeKind kind) => kind switch
    {
        NoticeKind.Opened => "incident.opened",
        NoticeKind.Paged => "incident.paged",
        NoticeKind.DiagnosisReady => "diagnosis.ready",
        NoticeKind.ApprovalNeeded => "approval.needed",
        NoticeKind.ApprovalTimedOut => "approval.timed_out",
        NoticeKind.ActionFailed => "action.failed",
        NoticeKind.VerificationFailed => "verification.failed",
        NoticeKind.Acknowledged => "incident.acknowledged",
        NoticeKind.Resolved => "incident.resolved",
        NoticeKind.PostmortemReady => "postmortem.ready",
        NoticeKind.Escalated => "incident.escalated",
        NoticeKind.Reopened => "incident.reopened",
        _ => kind.ToString(),
    };
}
