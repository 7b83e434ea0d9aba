using System.Text.Json.Nodes;

namespace IncidentHub.Web.Features.Notifications.Formats;

/// <summary>
/// A notice as a Slack message with Block Kit (https://api.slack.com/block-kit): header, severity and service
/// fields, the text (the diagnosis line), and buttons. Text from alerts is escaped (&amp;, &lt;, &gt;), so an
/// alert title cannot @-mention a channel or forge a link.
/// </summary>
public static class SlackBlocks
{
    public static JsonObject Render(Notice notice)
    {
        var i = notice.Incident;
        var blocks = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "header",
                ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Limit($"[{i.Severity}] {i.Reference} {i.Title}", 150) },
            },
            new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Limit(Headline(notice), 3000) },
                ["fields"] = new JsonArray
                {
                    new JsonObject { ["type"] = "mrkdwn", ["text"] = $"*Severity*\n{i.Severity}" },
                    new JsonObject { ["type"] = "mrkdwn", ["text"] = $"*Service*\n{Escape(i.Service ?? "unknown")}" },
                },
            },
        };
        if (!string.IsNullOrWhiteSpace(notice.Text))
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Limit(Escape(notice.Text), 3000) },
            });
        }

        if (notice.Buttons.Count > 0)
        {
            var elements = new JsonArray();
            foreach (var b in notice.Buttons.Take(5))
            {
                var button = new JsonObject
                {
                    ["type"] = "button",
                    ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Limit(b.Label, 75) },
                    ["action_id"] = b.ActionId,
                };
                if (b.Url is not null)
                {
                    button["url"] = b.Url;
                }

                if (b.Value is not null)
                {
                    button["value"] = Limit(b.Value, 2000);
                }

                if (b.Style is not null)
                {
                    button["style"] = b.Style;
                }

                elements.Add(button);
            }

            blocks.Add(new JsonObject { ["type"] = "actions", ["block_id"] = $"incident-{i.Number}", ["elements"] = elements });
        }

        return new JsonObject
        {
            // The notification text (phones, screen readers) when blocks are shown.
            ["text"] = Limit($"[{i.Severity}] {i.Reference} {Escape(i.Title)}: {Escape(notice.Headline)}", 3000),
            ["blocks"] = blocks,
        };
    }

    private static string Headline(Notice notice) =>
        notice.Mention is { } user ? $"<@{user}> {Escape(notice.Headline)}" : Escape(notice.Headline);

    public static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    internal static string Limit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
