using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Web.Features.Notifications.Formats;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Notifications;

/// <summary>
/// Posts outbox messages of chat and paging channels (the outbox's claim makes it at most once). Not delivered, and
/// retried: no connection, 408, 429, 5xx, Slack's "ratelimited". Not delivered for good: another 4xx, a refused
/// host, a removed channel. Anything else (a timeout after the request went out) may have been delivered and is
/// left Uncertain. The URL or token is never logged or put into an error: only the channel's name and the status.
/// </summary>
public sealed class ChannelSender(IDbContextFactory<AppDbContext> dbFactory, ChannelSecrets secrets, IHttpClientFactory http,
    IOptions<NotificationsOptions> options, TimeProvider clock) : IOutboxChannel
{
    public const string HttpClientName = "notifications";

    private static readonly HashSet<string> Kinds = Enum.GetValues<ChannelKind>().Where(k => k != ChannelKind.Email).Select(ChannelService.OutboxChannel).ToHashSet();

    public bool Handles(string channel) => Kinds.Contains(channel);

    public async Task DeliverAsync(OutboxMessage message, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var channel = await db.NotificationChannels.AsNoTracking().SingleOrDefaultAsync(c => c.Id == message.ChannelId, ct)
            ?? throw new NotDeliveredException("The channel was removed.", permanent: true);
        var secret = secrets.Unprotect(channel.ProtectedSecret);
        using var request = channel.Kind switch
        {
            ChannelKind.Slack or ChannelKind.Teams => Post(secret, message.TextBody),
            ChannelKind.Webhook => Signed(secret, secrets.Unprotect(channel.ProtectedSigningSecret ?? ""), message.TextBody),
            ChannelKind.PagerDuty => PagerDuty(channel, secret, message.TextBody),
            ChannelKind.SlackBot => await SlackBotAsync(db, channel, secret, message, ct),
            _ => throw new NotDeliveredException($"{channel.Kind} is not sent over HTTP.", permanent: true),
        };

        using var client = http.CreateClient(HttpClientName);
        client.Timeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, ct);
        }
        catch (OutboundRefusedException ex)
        {
            throw new NotDeliveredException($"{channel.Name}: {ex.Message}", permanent: true);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            throw new NotDeliveredException($"{channel.Name}: could not connect ({ex.HttpRequestError}).", permanent: false);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var excerpt = await ExcerptAsync(response, ct);
                var transient = status is 408 or 429 || status >= 500;
                throw new NotDeliveredException($"{channel.Name}: HTTP {status} {excerpt}".TrimEnd(), permanent: !transient);
            }

            if (channel.Kind == ChannelKind.SlackBot)
            {
                await SlackBotAnswerAsync(db, channel, message, response, ct);
            }
        }
    }

    private static HttpRequestMessage Post(string url, string body) =>
        new(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private HttpRequestMessage Signed(string url, string signingSecret, string body)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        var request = Post(url, body);
        request.Headers.Add(SignedWebhook.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(SignedWebhook.SignatureHeader, SignedWebhook.Signature(signingSecret, timestamp, body));
        return request;
    }

    private HttpRequestMessage PagerDuty(NotificationChannel channel, string routingKey, string body)
    {
        var ev = JsonNode.Parse(body)!.AsObject();
        // First in the object, as PagerDuty's examples show it; kept out of the stored outbox row.
        var withKey = new JsonObject { ["routing_key"] = routingKey };
        foreach (var (name, value) in ev.ToList())
        {
            ev.Remove(name);
            withKey[name] = value;
        }

        return Post(channel.Target ?? options.Value.PagerDutyEventsUrl, withKey.ToJsonString(ChannelService.JsonOptions));
    }

    /// <summary>chat.postMessage to the channel, under the incident's thread when its first message's ts is known.</summary>
    private async Task<HttpRequestMessage> SlackBotAsync(AppDbContext db, NotificationChannel channel, string token, OutboxMessage message, CancellationToken ct)
    {
        var body = JsonNode.Parse(message.TextBody)!.AsObject();
        body["channel"] = channel.Target;
        var thread = await db.NotificationThreads.AsNoTracking()
            .Where(t => t.IncidentId == message.IncidentId && t.ChannelId == channel.Id).Select(t => t.ThreadTs).SingleOrDefaultAsync(ct);
        if (thread is not null)
        {
            body["thread_ts"] = thread;
        }

        var request = Post(new Uri(new Uri(options.Value.SlackApiUrl), "chat.postMessage").ToString(), body.ToJsonString(ChannelService.JsonOptions));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    /// <summary>Slack answers 200 with ok:false for errors; the first message's ts becomes the incident's thread.</summary>
    private static async Task SlackBotAnswerAsync(AppDbContext db, NotificationChannel channel, OutboxMessage message, HttpResponseMessage response, CancellationToken ct)
    {
        var answer = JsonNode.Parse(await ExcerptAsync(response, ct, 64 * 1024)) as JsonObject;
        if (answer?["ok"]?.GetValue<bool>() != true)
        {
            var error = answer?["error"]?.GetValue<string>() ?? "no answer";
            throw new NotDeliveredException($"{channel.Name}: Slack answered {error}", permanent: error != "ratelimited");
        }

        if (message.IncidentId is { } incident && answer["ts"]?.GetValue<string>() is { Length: > 0 and <= 64 } ts)
        {
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO notification_threads (\"IncidentId\", \"ChannelId\", \"ThreadTs\") VALUES ({incident}, {channel.Id}, {ts}) ON CONFLICT DO NOTHING", ct);
        }
    }

    private static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken ct, int max = 300)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        return text.Length > max ? text[..max] : text;
    }
}
