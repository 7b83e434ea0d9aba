using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Features.Notifications;

/// <summary>Section "Notifications": where Slack's Web API and PagerDuty's Events API are (tests point them at loopback fakes).</summary>
public sealed class NotificationsOptions
{
    public const string SectionName = "Notifications";

    /// <summary>Base of Slack's Web API (chat.postMessage), for SlackBot channels.</summary>
    [Required, Url]
    public string SlackApiUrl { get; set; } = "https://slack.com/api/";

    /// <summary>PagerDuty's Events API v2 enqueue endpoint; a channel's target overrides it (EU accounts: events.eu.pagerduty.com).</summary>
    [Required, Url]
    public string PagerDutyEventsUrl { get; set; } = "https://events.pagerduty.com/v2/enqueue";

    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 10;
}
