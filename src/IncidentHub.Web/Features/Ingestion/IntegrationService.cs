using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Security;
using System.Text;
using IncidentHub.Web.Infrastructure;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using IncidentHub.Web.Infrastructure.Errors;

namespace IncidentHub.Web.Features.Ingestion;

public sealed record IntegrationSummary(
    Guid Id, string Name, SourceKind Kind, string UrlTemplate, string TokenPrefix, DateTimeOffset CreatedAt,
    DateTimeOffset TokenRotatedAt, int EventCount, int FailedCount, DateTimeOffset? LastEventAt, bool Signed,
    bool RequireSignatureTimestamp = false, DateTimeOffset? PreviousSecretValidUntil = null);

/// <summary>After a rotation: the new secret when IncidentHub generated it (shown once), and until when the old one still works.</summary>
public sealed record RotatedSigningSecret(Guid IntegrationId, string? GeneratedSecret, DateTimeOffset PreviousValidUntil);

/// <summary>The full URL with the secret, shown once, right after a create or a rotation.</summary>
public sealed record IssuedUrl(Guid IntegrationId, string Name, string Url);

public sealed record RawEventView(
    long Id, DateTimeOffset ReceivedAt, RawEventStatus Status, string? Error, int AlertCount, long BodySize,
    string BodyPreview, IReadOnlyDictionary<string, string> Headers, SourceNotice? Notice)
{
    public bool CanReplay => Status is RawEventStatus.Failed or RawEventStatus.Rejected;
}

/// <summary>
/// Admin work on integrations: create, rotate tokens, see what senders sent. Every change writes its audit
/// entry in the same commit; <c>by</c> is the person who made it (null: IncidentHub itself, e.g. a generator).
/// </summary>
public sealed class IntegrationService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, IOptions<IncidentHubOptions> options, Microsoft.Extensions.Caching.Memory.IMemoryCache cache, SigningSecrets signingSecrets,
    IServiceScopeFactory scopes, IHttpClientFactory httpClients, IAuditLog audit, IOptions<IngestionOptions> ingestion, TokenLookupGuard lookups,
    ILogger<IntegrationService> logger)
{
    private const string TokenPrefix = "iht_";

    public async Task<IReadOnlyList<IntegrationSummary>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stats = await db.AlertEvents
            .GroupBy(e => e.IntegrationId)
            .Select(g => new
            {
                IntegrationId = g.Key,
                Count = g.Count(),
                Failed = g.Count(e => e.Status == RawEventStatus.Failed || e.Status == RawEventStatus.Rejected),
                Last = g.Max(e => (DateTimeOffset?)e.ReceivedAt),
            })
            .ToDictionaryAsync(s => s.IntegrationId, ct);
        var integrations = await db.Integrations.AsNoTracking().OrderBy(i => i.Name).ToListAsync(ct);
        return integrations.Select(i =>
        {
            stats.TryGetValue(i.Id, out var s);
            return new IntegrationSummary(i.Id, i.Name, i.Kind, Url(i, $"{i.TokenPrefix}…"), i.TokenPrefix, i.CreatedAt, i.TokenRotatedAt,
                s?.Count ?? 0, s?.Failed ?? 0, s?.Last, i.RequiresSignature, i.RequireSignatureTimestamp,
                i.PreviousSigningSecretAt(clock.GetUtcNow()) is null ? null : i.PreviousSigningSecretValidUntil);
        }).ToList();
    }

    // A null actor is IncidentHub itself (seeders, the history generator); a person must be an Admin (Permissions).
    public async Task<IssuedUrl> CreateAsync(string name, SourceKind kind, AuditActor? by = null, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "create integrations");
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidInputException("An integration needs a name.", "Invalid integration");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Integrations.AnyAsync(i => i.Name == name.Trim(), ct))
        {
            throw new InvalidInputException($"An integration named '{name.Trim()}' already exists.", "Invalid integration");
        }

        var token = SecretTokens.New(TokenPrefix);
        var integration = Integration.Create(name, kind, token, clock.GetUtcNow());
        db.Integrations.Add(integration);
        audit.Add(db, new AuditRecord(by ?? AuditActor.IncidentHub, "integration.created", Subject(integration), After: Audited(integration)));
        await db.SaveChangesAsync(ct);
        lookups.Forget(integration.TokenHash);
        return new IssuedUrl(integration.Id, integration.Name, Url(integration, token));
    }

    /// <summary>The old token stops working at once.</summary>
    public async Task<IssuedUrl> RotateTokenAsync(Guid id, AuditActor? by = null, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "rotate integration tokens");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var integration = await db.Integrations.SingleAsync(i => i.Id == id, ct);
        var token = SecretTokens.New(TokenPrefix);
        var oldHash = integration.TokenHash;
        var before = Audited(integration);
        integration.SetToken(token, clock.GetUtcNow());
        audit.Add(db, new AuditRecord(by ?? AuditActor.IncidentHub, "integration.token.rotated", Subject(integration), before, Audited(integration),
            Detail: "The old webhook URL stopped working."));
        await db.SaveChangesAsync(ct);
        cache.Remove(IngestionService.CacheKey(oldHash));
        lookups.Forget(integration.TokenHash);
        return new IssuedUrl(integration.Id, integration.Name, Url(integration, token));
    }

    public async Task<GroupingRules> RulesAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Integrations.Where(i => i.Id == id).Select(i => i.Rules).SingleAsync(ct);
    }

    /// <summary>Saves new grouping rules; they apply to alerts arriving from now on.</summary>
    public async Task SetRulesAsync(Guid id, GroupingRules rules, AuditActor? by = null, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "change grouping rules");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var integration = await db.Integrations.SingleAsync(i => i.Id == id, ct);
        var before = integration.Rules;
        integration.ChangeRules(rules);
        audit.Add(db, new AuditRecord(by ?? AuditActor.IncidentHub, "grouping.rules.saved", Subject(integration), before, integration.Rules));
        await db.SaveChangesAsync(ct);
        cache.Remove(IngestionService.CacheKey(integration.TokenHash));
    }

    /// <summary>
    /// What the current and the proposed rules would have made of the payloads stored in the last
    /// <paramref name="lookback"/> (the newest, at most Ingestion:DryRunMaxEvents of them and Ingestion:DryRunMaxBytes
    /// together; the sizes are read first, the bodies only of those), computed without writing anything.
    /// </summary>
    public async Task<(SimulationResult Current, SimulationResult Proposed)> DryRunAsync(Guid id, GroupingRules proposed, TimeSpan lookback, CancellationToken ct = default)
    {
        if (proposed.Validate() is { } problem)
        {
            throw new InvalidInputException(problem, "Invalid grouping rules");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var integration = await db.Integrations.AsNoTracking().SingleAsync(i => i.Id == id, ct);
        var since = clock.GetUtcNow() - lookback;
        var limits = ingestion.Value;
        var sizes = await db.AlertEvents.AsNoTracking()
            .Where(e => e.IntegrationId == id && e.Status == RawEventStatus.Processed && e.ReceivedAt >= since)
            .OrderByDescending(e => e.Id).Take(limits.DryRunMaxEvents)
            .Select(e => new { e.Id, Size = (long)e.Body.Length })
            .ToListAsync(ct);
        var ids = new List<long>();
        long bytes = 0;
        foreach (var size in sizes.TakeWhile(s => (bytes += s.Size) <= limits.DryRunMaxBytes))
        {
            ids.Add(size.Id);
        }

        if (ids.Count < sizes.Count)
        {
            logger.LogInformation("Grouping dry run of {Integration} replays the newest {Count} payloads: Ingestion:DryRunMaxBytes ({Max} bytes) reached", id, ids.Count, limits.DryRunMaxBytes);
        }

        var events = await db.AlertEvents.AsNoTracking().Where(e => ids.Contains(e.Id)).OrderByDescending(e => e.Id).ToListAsync(ct);
        var notifications = events
            .SelectMany(e => AlertSources.Parse(integration.Kind, e.Body, e.ReceivedAt, new Dictionary<string, string>(e.Headers, StringComparer.OrdinalIgnoreCase))
                .Alerts.Select(a => (e.ReceivedAt, a)))
            .ToList();
        return (GroupingSimulator.Run(integration.Kind, integration.Rules, notifications), GroupingSimulator.Run(integration.Kind, proposed, notifications));
    }

    /// <summary>Sets (or with null/empty, clears) the HMAC secret senders must sign bodies with, at once (no overlap; see rotation).</summary>
    public Task SetSigningSecretAsync(Guid id, string? secret, AuditActor? by = null, CancellationToken ct = default) =>
        SetSigningAsync(id, secret, requireTimestamp: false, by, ct);

    /// <summary>
    /// Sets (or with null/empty, clears) the signing secret and whether every body must carry a signed
    /// X-Signature-Timestamp (replay protection; senders that sign only the body, such as PagerDuty, cannot).
    /// </summary>
    public async Task SetSigningAsync(Guid id, string? secret, bool requireTimestamp, AuditActor? by = null, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "set signing secrets");
        EnsureStrong(secret);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var integration = await db.Integrations.SingleAsync(i => i.Id == id, ct);
        var before = Signing(integration);
        integration.SetSigningSecret(string.IsNullOrEmpty(secret) ? null : signingSecrets.Protect(secret), requireTimestamp);
        audit.Add(db, new AuditRecord(by ?? AuditActor.IncidentHub, integration.RequiresSignature ? "integration.signing_secret.set" : "integration.signing_secret.removed",
            Subject(integration), before, Signing(integration)));
        await db.SaveChangesAsync(ct);
        cache.Remove(IngestionService.CacheKey(integration.TokenHash));
    }

    /// <summary>
    /// Replaces the signing secret with <paramref name="secret"/> (or, when null, a generated one returned once); the
    /// replaced secret is still accepted for Ingestion:SigningSecretOverlap, so senders can switch without a gap.
    /// </summary>
    public async Task<RotatedSigningSecret> RotateSigningSecretAsync(Guid id, string? secret, AuditActor? by = null, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "rotate signing secrets");
        EnsureStrong(secret);
        var generated = string.IsNullOrEmpty(secret) ? SecretTokens.New("whsec_") : null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var integration = await db.Integrations.SingleAsync(i => i.Id == id, ct);
        var before = Signing(integration);
        var overlap = ingestion.Value.SigningSecretOverlap;
        integration.RotateSigningSecret(signingSecrets.Protect(generated ?? secret!), clock.GetUtcNow(), overlap);
        audit.Add(db, new AuditRecord(by ?? AuditActor.IncidentHub, "integration.signing_secret.rotated", Subject(integration), before, Signing(integration),
            Detail: $"The previous signing secret is accepted until {integration.PreviousSigningSecretValidUntil:u}."));
        await db.SaveChangesAsync(ct);
        cache.Remove(IngestionService.CacheKey(integration.TokenHash));
        return new RotatedSigningSecret(id, generated, integration.PreviousSigningSecretValidUntil!.Value);
    }

    private static void EnsureStrong(string? secret)
    {
        if (!string.IsNullOrEmpty(secret) && secret.Length < 16)
        {
            throw new InvalidInputException("A signing secret needs at least 16 characters.", "Invalid signing secret");
        }
    }

    /// <summary>What the audit log keeps of signing: never a secret.</summary>
    private static object Signing(Integration i) =>
        new { Signed = i.RequiresSignature, TimestampRequired = i.RequireSignatureTimestamp, PreviousSecretValidUntil = i.PreviousSigningSecretValidUntil };

    public async Task<IReadOnlyList<RawEventView>> RecentEventsAsync(Guid integrationId, int take = 20, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var kind = await db.Integrations.Where(i => i.Id == integrationId).Select(i => i.Kind).SingleAsync(ct);
        var events = await db.AlertEvents.AsNoTracking()
            .Where(e => e.IntegrationId == integrationId)
            .OrderByDescending(e => e.Id)
            .Take(take)
            .ToListAsync(ct);
        return events.Select(e => new RawEventView(e.Id, e.ReceivedAt, e.Status, e.Error, e.AlertCount, e.BodySize, Preview(e.Body), e.Headers,
            NoticeOf(kind, e))).ToList();
    }

    /// <summary>
    /// Sends a small firing alert in the integration's own format through the real webhook path
    /// (signed with its secret when it has one), so an Admin sees the whole chain work.
    /// </summary>
    public async Task<ReceiveResult> SendTestAlertAsync(Guid id, AuditActor? by = null, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "send test alerts");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var integration = await db.Integrations.AsNoTracking().SingleAsync(i => i.Id == id, ct);
        var body = SamplePayloads.For(integration.Kind, clock.GetUtcNow(), Guid.NewGuid().ToString("N")[..12]);
        var headers = new Dictionary<string, string> { ["Content-Type"] = "application/json", ["User-Agent"] = "IncidentHub test alert" };
        if (integration.Kind == SourceKind.CloudWatch)
        {
            headers["X-Amz-Sns-Message-Type"] = "Notification";
        }

        if (integration.SigningSecretProtected is { } protectedSecret)
        {
            var signedAt = integration.Kind == SourceKind.PagerDuty ? (DateTimeOffset?)null : clock.GetUtcNow();
            foreach (var (name, value) in WebhookSignatureCheck.Sign(integration.Kind, body, signingSecrets.Unprotect(protectedSecret), signedAt))
            {
                headers[name] = value;
            }
        }

        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IngestionService>().ReceiveAsync(integration, headers, body, body.Length, wait: true, ct);
    }

    /// <summary>Applies a stored rejected or failed payload again, after a fix.</summary>
    public async Task<ReceiveResult> ReplayAsync(long eventId, AuditActor? by = null, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "replay raw events");
        await using var scope = scopes.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<IngestionService>().ReplayAsync(eventId, ct);

        // The replay commits inside intake's own writer (raw Npgsql), so its entry follows in a transaction of its own.
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var name = await db.AlertEvents.Where(e => e.Id == eventId).Join(db.Integrations, e => e.IntegrationId, i => i.Id, (e, i) => i.Name).SingleAsync(ct);
        await audit.RecordAsync(new AuditRecord(by ?? AuditActor.IncidentHub, "integration.event.replayed", $"integration:{name}",
            Detail: $"Raw event {eventId} replayed: {result.GetType().Name.ToLowerInvariant()}."), ct);
        return result;
    }

    /// <summary>
    /// Confirms an Amazon SNS subscription an Admin chose to confirm: a GET of its SubscribeURL,
    /// only ever to an AWS SNS host (checked again here), never followed automatically.
    /// </summary>
    public async Task<string> ConfirmSubscriptionAsync(long eventId, AuditActor? by = null, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "confirm SNS subscriptions");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var raw = await db.AlertEvents.AsNoTracking().SingleOrDefaultAsync(e => e.Id == eventId, ct)
            ?? throw new NotFoundException($"There is no raw event {eventId}.", "Raw event not found");
        var kind = await db.Integrations.Where(i => i.Id == raw.IntegrationId).Select(i => i.Kind).SingleAsync(ct);
        var url = NoticeOf(kind, raw)?.ActionUrl;
        if (url is null || !CloudWatchSource.IsAwsSnsUrl(url))
        {
            throw new InvalidInputException($"Raw event {eventId} is not an Amazon SNS subscription confirmation with an AWS SNS URL.", "Not a subscription confirmation");
        }

        using var http = httpClients.CreateClient("sns");
        http.Timeout = TimeSpan.FromSeconds(10);
        using var response = await http.GetAsync(new Uri(url), ct);
        logger.LogInformation("SNS subscription confirmation for raw event {EventId}: HTTP {Status}", eventId, (int)response.StatusCode);
        return response.IsSuccessStatusCode ? "Subscription confirmed by AWS." : $"AWS answered HTTP {(int)response.StatusCode}; the subscription is not confirmed.";
    }

    private static SourceNotice? NoticeOf(SourceKind kind, AlertEvent e) =>
        kind == SourceKind.CloudWatch && e.Status == RawEventStatus.Processed && e.AlertCount == 0
            ? AlertSources.Parse(kind, e.Body, e.ReceivedAt, new Dictionary<string, string>(e.Headers, StringComparer.OrdinalIgnoreCase)).Notice
            : null;

    /// <summary>Seeds an integration with a known token (run.sh's demo integrations); leaves an existing one alone.</summary>
    public static async Task EnsureAsync(AppDbContext db, string name, SourceKind kind, string token, DateTimeOffset at, CancellationToken ct)
    {
        if (!await db.Integrations.AnyAsync(i => i.Name == name, ct))
        {
            db.Integrations.Add(Integration.Create(name, kind, token, at));
            await db.SaveChangesAsync(ct);
        }
    }

    private static string Subject(Integration integration) => $"integration:{integration.Name}";

    /// <summary>What an Admin may see of an integration: never the token, its hash or the signing secret.</summary>
    private static object Audited(Integration i) => new { i.Name, Kind = i.Kind.ToString(), i.TokenPrefix, i.TokenRotatedAt, Signed = i.RequiresSignature };

    private string Url(Integration integration, string token) => options.Value.PublicBaseUrl.TrimEnd('/') + integration.HookPath(token);

    private static string Preview(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 4096));
        return body.Length > 4096 ? text + "\n…" : text;
    }
}
