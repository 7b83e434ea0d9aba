using System.Globalization;
using System.Text.Json;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Audit;

/// <summary>What the page and the API filter by; every part optional. <see cref="Action"/> is a prefix ("integration." or "token").</summary>
public sealed record AuditFilter(string? Actor = null, string? Action = null, int? IncidentNumber = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>One audit entry as the page and the API show it.</summary>
public sealed record AuditEntryView(
    long Id, DateTimeOffset At, string Actor, AuditActorKind ActorKind, string Action, string Subject, string? Incident,
    JsonElement? Before, JsonElement? After, string? Detail);

public sealed record AuditPage(IReadOnlyList<AuditEntryView> Entries, int Total, int Skip, int Take);

/// <summary>Reads the audit log newest first, a page at a time.</summary>
public sealed class AuditQueries(IDbContextFactory<AppDbContext> dbFactory)
{
    public const int MaxTake = 200;

    public async Task<AuditPage> PageAsync(AuditFilter filter, int skip, int take, CancellationToken ct = default)
    {
        skip = Math.Max(0, skip);
        take = Math.Clamp(take, 1, MaxTake);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Set<AuditEntry>().AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var pattern = "%" + Escape(filter.Actor.Trim()) + "%";
            query = query.Where(e => EF.Functions.ILike(e.Actor, pattern, "\\"));
        }

        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            var prefix = filter.Action.Trim();
            query = query.Where(e => e.Action.StartsWith(prefix));
        }

        if (filter.IncidentNumber is { } number)
        {
            query = query.Where(e => e.IncidentNumber == number);
        }

        if (filter.From is { } from)
        {
            query = query.Where(e => e.At >= from);
        }

        if (filter.To is { } to)
        {
            query = query.Where(e => e.At < to);
        }

        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Skip(skip).Take(take).ToListAsync(ct);
        return new AuditPage(rows.Select(View).ToList(), total, skip, take);
    }

    /// <summary>"INC-1012", "inc-1012" or "1012" as a number; null when it is none of these.</summary>
    public static int? ParseIncident(string? text)
    {
        var value = text?.Trim() ?? "";
        if (value.StartsWith("INC-", StringComparison.OrdinalIgnoreCase))
        {
            value = value[4..];
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    private static AuditEntryView View(AuditEntry e) => new(
        e.Id, e.At, e.Actor, e.ActorKind, e.Action, e.Subject, e.IncidentNumber is { } n ? $"INC-{n}" : null,
        e.Before?.RootElement.Clone(), e.After?.RootElement.Clone(), e.Detail);

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
