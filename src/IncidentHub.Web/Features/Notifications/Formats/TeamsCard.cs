using System.Text.Json.Nodes;

namespace IncidentHub.Web.Features.Notifications.Formats;

/// <summary>
/// A notice as the message a Teams workflow webhook ("Post card in a chat or channel") takes: an envelope of type
/// "message" with one attachment of content type application/vnd.microsoft.card.adaptive holding an Adaptive Card 1.4.
/// </summary>
public static class TeamsCard
{
    public const string AdaptiveCardContentType = "application/vnd.microsoft.card.adaptive";

    public static JsonObject Render(Notice notice)
    {
        var i = notice.Incident;
        var body = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "TextBlock", ["text"] = SlackBlocks.Limit($"[{i.Severity}] {i.Reference} {i.Title}", 300),
                ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true,
                ["color"] = i.Severity is Analysis.Incidents.Severity.P0 or Analysis.Incidents.Severity.P1 ? "Attention" : "Default",
            },
            new JsonObject { ["type"] = "TextBlock", ["text"] = SlackBlocks.Limit(notice.Headline, 2000), ["wrap"] = true },
            new JsonObject
            {
                ["type"] = "FactSet",
                ["facts"] = new JsonArray
                {
                    new JsonObject { ["title"] = "Severity", ["value"] = i.Severity.ToString() },
                    new JsonObject { ["title"] = "Service", ["value"] = i.Service ?? "unknown" },
                },
            },
        };
        if (!string.IsNullOrWhiteSpace(notice.Text))
        {
            body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = SlackBlocks.Limit(notice.Text, 3000), ["wrap"] = true, ["isSubtle"] = true });
        }

        var actions = new JsonArray();
        foreach (var b in notice.Buttons.Where(b => b.Url is not null).Take(5))
        {
            actions.Add(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = b.Label, ["url"] = b.Url });
        }

        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray
            {
                new JsonObject
                {
                    ["contentType"] = AdaptiveCardContentType,
                    ["contentUrl"] = null,
                    ["content"] = new JsonObject
                    {
                        ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                        ["type"] = "AdaptiveCard",
                        ["version"] = "1.4",
                        ["body"] = body,
                        ["actions"] = actions,
                    },
                },
            },
        };
    }
}
