using System.Text.Json;
using System.Text.Json.Nodes;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Notifications.Formats;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Notifications;

/// <summary>A channel as the API and pages show it: never its secret.</summary>
public sealed record ChannelView(Guid Id, string Name, ChannelKind Kind, string? Target, string? Host, bool Signed, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>A new channel. <paramref name="Secret"/>: the webhook URL, bot token or routing key; <paramref name="SigningSecret"/>: a signed webhook's HMAC key.</summary>
public sealed record ChannelRequest(string Name, ChannelKind Kind, string? Secret, string? SigningSecret, string? Target);

/// <summary>Encrypts channel secrets at rest with the shared data-protection keys.</summary>
public sealed class ChannelSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("IncidentHub.Notifications.ChannelSecret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}

/// <summary>Configures channels (Admins) and turns a notice into one outbox message per channel, in the channel's format.</summary>
public sealed class ChannelService(IDbContextFactory<AppDbContext> dbFactory, ChannelSecrets secrets, OutboxService outbox, OutboundPolicy outbound,
    IAuditLog audit, TimeProvider clock)
{
    public async Task<IReadOnlyList<ChannelView>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.NotificationChannels.AsNoTracking().OrderBy(c => c.Name).ToListAsync(ct);
        return rows.Select(ToView).ToList();
    }

    /// <summary>Why the request cannot become a channel (each problem by field), or an empty list.</summary>
    public Dictionary<string, string[]> Validate(ChannelRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 100)
        {
            errors["name"] = ["A name of 1 to 100 characters is required."];
        }

        switch (request.Kind)
        {
            case ChannelKind.Email:
                var addresses = Addresses(request.Target);
                if (addresses.Count == 0 || SendEmailJob.InvalidAddresses(addresses).Count > 0)
                {
                    errors["target"] = ["An Email channel needs its recipients in target: email addresses, comma-separated."];
                }

                break;
            case ChannelKind.Slack or ChannelKind.Teams or ChannelKind.Webhook:
                if (UrlProblem(request.Secret) is { } problem)
                {
                    errors["secret"] = [problem];
                }

                if (request.Kind == ChannelKind.Webhook && (request.SigningSecret is null || request.SigningSecret.Length < 16))
                {
                    errors["signingSecret"] = ["A signed webhook needs a signing secret of at least 16 characters."];
                }

                break;
            case ChannelKind.SlackBot:
                if (request.Secret is null || !request.Secret.StartsWith("xoxb-", StringComparison.Ordinal))
                {
                    errors["secret"] = ["A SlackBot channel needs a bot token (xoxb-…) with the chat:write scope."];
                }

                if (string.IsNullOrWhiteSpace(request.Target))
                {
                    errors["target"] = ["A SlackBot channel needs the Slack channel id (C…) in target."];
                }

                break;
            case ChannelKind.PagerDuty:
                if (request.Secret is null || request.Secret.Length is < 20 or > 64)
                {
                    errors["secret"] = ["A PagerDuty channel needs the integration's routing key (32 characters) in secret."];
                }

                if (!string.IsNullOrWhiteSpace(request.Target) && UrlProblem(request.Target) is { } targetProblem)
                {
                    errors["target"] = [targetProblem];
                }

                break;
        }

        return errors;
    }

    private string? UrlProblem(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return "An http(s) URL is required.";
        }

        return outbound.Refusal(uri) is { } refusal ? $"The hub may not call {uri.Host}: {refusal}" : null;
    }

    public async Task<ChannelView> CreateAsync(ChannelRequest request, AuditActor by, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "configure notification channels");
        if (Validate(request) is { Count: > 0 } errors)
        {
            throw new InvalidInputException(string.Join(" ", errors.Values.SelectMany(e => e)), "The channel is not valid");
        }

        var host = request.Kind is ChannelKind.Slack or ChannelKind.Teams or ChannelKind.Webhook ? new Uri(request.Secret!).Host : null;
        var channel = NotificationChannel.Create(request.Name, request.Kind, secrets.Protect(request.Secret ?? ""),
            request.SigningSecret is null ? null : secrets.Protect(request.SigningSecret), request.Target, host, by.Name, clock.GetUtcNow());
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.NotificationChannels.AnyAsync(c => c.Name == channel.Name, ct))
        {
            throw new ConflictException($"A channel named '{channel.Name}' exists.");
        }

        db.NotificationChannels.Add(channel);
        audit.Add(db, new AuditRecord(by, "notification.channel.created", $"channel '{channel.Name}'", null,
            new { channel.Name, kind = channel.Kind.ToString(), channel.Target, channel.Host }));
        await db.SaveChangesAsync(ct);
        return ToView(channel);
    }

    public async Task<bool> DeleteAsync(Guid id, AuditActor by, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "configure notification channels");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var channel = await db.NotificationChannels.SingleOrDefaultAsync(c => c.Id == id, ct);
        if (channel is null)
        {
            return false;
        }

        db.NotificationChannels.Remove(channel);
        audit.Add(db, new AuditRecord(by, "notification.channel.deleted", $"channel '{channel.Name}'", new { channel.Name, kind = channel.Kind.ToString() }, null));
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>
    /// Stores <paramref name="notice"/> for <paramref name="channelIds"/> in the outbox (one message per channel, idempotent by
    /// <paramref name="key"/>); a channel whose format has nothing for this notice (PagerDuty and a diagnosis) gets nothing.
    /// Returns the outbox ids.
    /// </summary>
    public async Task<IReadOnlyList<long>> SendAsync(string key, Notice notice, IEnumerable<Guid> channelIds, CancellationToken ct = default)
    {
        var ids = channelIds.Distinct().ToList();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var channels = await db.NotificationChannels.AsNoTracking().Where(c => ids.Contains(c.Id)).ToListAsync(ct);
        var sent = new List<long>();
        foreach (var channel in channels)
        {
            var messageKey = $"notify:{key}:{channel.Id:N}";
            var subject = $"[{notice.Incident.Severity}] {notice.Incident.Reference} {notice.Incident.Title}: {notice.Headline}";
            if (channel.Kind == ChannelKind.Email)
            {
                var body = $"{notice.Headline}\n\n{notice.Text}\n\n{string.Join("\n", notice.Buttons.Where(b => b.Url is not null).Select(b => $"{b.Label}: {b.Url}"))}";
                sent.Add(await outbox.EnqueueAsync(messageKey, notice.Incident.Id, Addresses(channel.Target), subject, body, null, null, null, null, ct));
                continue;
            }

            if (Render(channel.Kind, notice) is not { } payload)
            {
                continue;
            }

            sent.Add(await outbox.EnqueueToChannelAsync(messageKey, notice.Incident.Id, OutboxChannel(channel.Kind), channel.Id, channel.Name, subject,
                payload.ToJsonString(JsonOptions), ct));
        }

        return sent;
    }

    /// <summary>An email to people (a page to the on-call person), through the same outbox.</summary>
    public Task<long> EmailAsync(string key, Notice notice, IReadOnlyList<string> to, CancellationToken ct = default) =>
        outbox.EnqueueAsync(EmailKey(key), notice.Incident.Id, to,
            $"[{notice.Incident.Severity}] {notice.Incident.Reference} {notice.Incident.Title}: {notice.Headline}",
            $"{notice.Headline}\n\n{notice.Text}\n\n{string.Join("\n", notice.Buttons.Where(b => b.Url is not null).Select(b => $"{b.Label}: {b.Url}"))}",
            null, null, null, null, ct);

    public static JsonObject? Render(ChannelKind kind, Notice notice) => kind switch
    {
        ChannelKind.Slack or ChannelKind.SlackBot => SlackBlocks.Render(notice),
        ChannelKind.Teams => TeamsCard.Render(notice),
        ChannelKind.Webhook => SignedWebhook.Render(notice),
        ChannelKind.PagerDuty => PagerDutyEvent.Render(notice),
        _ => null,
    };

    /// <summary>The outbox key of <see cref="EmailAsync"/>'s message: one key, one message.</summary>
    public static string EmailKey(string key) => $"notify:{key}:email";

    /// <summary>
    /// The key of the page of a service's catalog owner when no team owns the service. The opening notice and a plan's
    /// page.owner action both page with it (as <see cref="EmailKey"/>), whichever comes first, so the owner gets one email, not two.
    /// </summary>
    public static string OwnerPage(Guid incidentId) => $"page:{incidentId:N}:owner";

    public static string OutboxChannel(ChannelKind kind) => kind.ToString().ToLowerInvariant();

    internal static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static List<string> Addresses(string? target) =>
        (target ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static ChannelView ToView(NotificationChannel c) =>
        new(c.Id, c.Name, c.Kind, c.Target, c.Host, c.ProtectedSigningSecret is not null, c.CreatedAt, c.CreatedBy);
}
