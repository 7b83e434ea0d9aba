using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.OnCall;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.OnCall;

public sealed record MemberRequest(string Name, string? Email, string? SlackUserId, bool InRotation = true, bool IsLead = false);

public sealed record RouteRequest(Guid ChannelId, Severity UpTo = Severity.P3);

/// <summary>A whole team as an Admin saves it (PUT /api/teams/{slug}); members in rotation order.</summary>
public sealed record TeamRequest(
    string Name,
    IReadOnlyList<string>? OwnerAliases,
    string TimeZone,
    RotationKind Rotation,
    TimeOnly Handoff,
    DateOnly RotationStart,
    IReadOnlyList<MemberRequest> Members,
    EscalationTarget Level2 = EscalationTarget.Secondary,
    int Level2AfterMinutes = 10,
    int Level3AfterMinutes = 15,
    string? EscalationContact = null,
    int RepeatAfterMinutes = 15,
    int Rounds = 3,
    Severity PageUpTo = Severity.P1,
    TimeOnly? QuietFrom = null,
    TimeOnly? QuietUntil = null,
    IReadOnlyList<RouteRequest>? Routes = null);

public sealed record OverrideRequest(string Person, DateTimeOffset StartsAt, DateTimeOffset EndsAt);

public sealed record MemberView(Guid Id, string Name, string? Email, string? SlackUserId, int? RotationOrder, bool IsLead, bool LinkedUser);

public sealed record OverrideView(Guid Id, string Person, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string CreatedBy);

public sealed record RouteView(Guid ChannelId, Severity UpTo);

public sealed record TeamView(Guid Id, string Slug, string Name, IReadOnlyList<string> OwnerAliases, string TimeZone, RotationKind Rotation, TimeOnly Handoff,
    DateOnly RotationStart, IReadOnlyList<MemberView> Members, IReadOnlyList<OverrideView> Overrides, IReadOnlyList<RouteView> Routes,
    EscalationTarget Level2, int Level2AfterMinutes, int Level3AfterMinutes, string? EscalationContact, int RepeatAfterMinutes, int Rounds, Severity PageUpTo,
    TimeOnly? QuietFrom, TimeOnly? QuietUntil, OnCallShift? Now, OnCallShift? Next, IReadOnlyList<OnCallShift> Upcoming, IReadOnlyList<string> Services);

public sealed record TeamSummary(string Slug, string Name, int Members, OnCallShift? Now, OnCallShift? Next, IReadOnlyList<string> Services);

/// <summary>Who owns an incident's service and who is on call for it; the catalog's owner_email when no team claims the service.</summary>
public sealed record IncidentOnCall(string? Team, string? TeamSlug, OnCallShift? Now, OnCallShift? Next, string? FallbackEmail, EscalationView? Escalation,
    IReadOnlyList<MessageView> Messages);

/// <summary>One page or channel message about the incident, as the outbox has it.</summary>
public sealed record MessageView(string Channel, string To, string Subject, string Status, string? LastError, DateTimeOffset CreatedAt);

public sealed record EscalationView(DateTimeOffset StartedAt, int StepsSent, DateTimeOffset? StoppedAt, string? StopReason, DateTimeOffset? NextPageAt, int? NextLevel);

/// <summary>Teams, their schedules and their services: read by everyone, changed by Admins.</summary>
public sealed class TeamService(IDbContextFactory<AppDbContext> dbFactory, ServiceCatalog catalog, IAuditLog audit, TimeProvider clock)
{
    public async Task<IReadOnlyList<TeamSummary>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var teams = await Load(db).AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct);
        var services = ServicesByTeam(teams);
        var now = clock.GetUtcNow();
        return teams.Select(t => new TeamSummary(t.Slug, t.Name, t.Members.Count, OnCallSchedule.At(t.Schedule(), now), OnCallSchedule.Next(t.Schedule(), now),
            services.GetValueOrDefault(t.Id) ?? [])).ToList();
    }

    public async Task<TeamView?> GetAsync(string slug, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var team = await Load(db).AsNoTracking().SingleOrDefaultAsync(t => t.Slug == slug, ct);
        if (team is null)
        {
            return null;
        }

        var emails = team.Members.Select(m => m.Email).OfType<string>().Select(e => e.ToUpperInvariant()).ToList();
        var linked = await db.Users.Where(u => u.NormalizedEmail != null && emails.Contains(u.NormalizedEmail)).Select(u => u.NormalizedEmail!).ToListAsync(ct);
        var services = ServicesByTeam([team]);
        var now = clock.GetUtcNow();
        var schedule = team.Schedule();
        return new TeamView(team.Id, team.Slug, team.Name, team.OwnerAliases, team.TimeZone, team.Rotation, team.Handoff, team.RotationStart,
            team.Members.OrderBy(m => m.RotationOrder ?? int.MaxValue).ThenBy(m => m.Name)
                .Select(m => new MemberView(m.Id, m.Name, m.Email, m.SlackUserId, m.RotationOrder, m.IsLead, m.Email is not null && linked.Contains(m.Email.ToUpperInvariant())))
                .ToList(),
            team.Overrides.Where(o => o.EndsAt > now).OrderBy(o => o.StartsAt).Select(o => new OverrideView(o.Id, o.Person, o.StartsAt, o.EndsAt, o.CreatedBy)).ToList(),
            team.Routes.Select(r => new RouteView(r.ChannelId, r.UpTo)).ToList(),
            team.Level2, team.Level2AfterMinutes, team.Level3AfterMinutes, team.EscalationContact, team.RepeatAfterMinutes, team.Rounds, team.PageUpTo,
            team.QuietFrom, team.QuietUntil,
            OnCallSchedule.At(schedule, now), OnCallSchedule.Next(schedule, now), OnCallSchedule.Upcoming(schedule, now, 8), services.GetValueOrDefault(team.Id) ?? []);
    }

    /// <summary>Each problem of the request, by field; empty when it can be saved.</summary>
    public static Dictionary<string, string[]> Validate(string slug, TeamRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (!System.Text.RegularExpressions.Regex.IsMatch(slug, "^[a-z0-9][a-z0-9-]{0,59}$"))
        {
            errors["slug"] = ["A slug is 1 to 60 lowercase letters, digits and dashes (e.g. payments)."];
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            errors["name"] = ["A name of 1 to 200 characters is required."];
        }

        if (OnCallSchedule.TimeZoneProblem(request.TimeZone) is { } zone)
        {
            errors["timeZone"] = [zone];
        }

        var members = request.Members ?? [];
        if (members.Count > 100 || members.Any(m => string.IsNullOrWhiteSpace(m.Name) || m.Name.Length > 200))
        {
            errors["members"] = ["At most 100 members, each with a name of 1 to 200 characters."];
        }
        else if (members.GroupBy(m => m.Name.Trim(), StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            errors["members"] = [$"Two members are named '{twice.Key}'; names identify people in overrides."];
        }

        if (members.Any(m => m.Email is { Length: > 0 } e && !MimeKit.MailboxAddress.TryParse(e, out _))
            || (request.EscalationContact is { Length: > 0 } c && !MimeKit.MailboxAddress.TryParse(c, out _)))
        {
            errors["email"] = ["Member emails and the escalation contact must be email addresses."];
        }

        if (request.Level2 is not (EscalationTarget.Secondary or EscalationTarget.Lead))
        {
            errors["level2"] = ["Level 2 pages the Secondary or the Lead."];
        }

        if (request.Level2AfterMinutes is < 1 or > 1440 || request.Level3AfterMinutes is < 1 or > 1440 || request.RepeatAfterMinutes is < 1 or > 1440)
        {
            errors["minutes"] = ["Escalation delays are 1 to 1440 minutes."];
        }

        if (request.Rounds is < 1 or > 10)
        {
            errors["rounds"] = ["Rounds are 1 to 10."];
        }

        if ((request.QuietFrom is null) != (request.QuietUntil is null))
        {
            errors["quietHours"] = ["Quiet hours need both a start and an end, or neither."];
        }

        if ((request.OwnerAliases?.Count ?? 0) > 50)
        {
            errors["ownerAliases"] = ["At most 50 owner aliases."];
        }

        return errors;
    }

    /// <summary>Creates or replaces the team <paramref name="slug"/> (members, routes and policy; overrides are kept).</summary>
    public async Task<TeamView> SaveAsync(string slug, TeamRequest request, AuditActor by, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "edit teams");
        if (Validate(slug, request) is { Count: > 0 } errors)
        {
            throw new InvalidInputException(string.Join(" ", errors.Values.SelectMany(e => e)), "The team is not valid");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var team = await Load(db).SingleOrDefaultAsync(t => t.Slug == slug, ct);
        var before = team is null ? null : new { team.Name, team.TimeZone, rotation = team.Rotation.ToString(), members = team.Members.Select(m => m.Name).ToList() };
        if (team is null)
        {
            team = new Team { Id = Guid.CreateVersion7(), Slug = slug };
            db.Teams.Add(team);
        }

        if (request.Routes is { } routes)
        {
            var ids = routes.Select(r => r.ChannelId).ToList();
            var known = await db.NotificationChannels.Where(c => ids.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
            if (ids.Except(known).FirstOrDefault() is var unknown && unknown != Guid.Empty)
            {
                throw new InvalidInputException($"There is no notification channel {unknown}.", "The team is not valid");
            }
        }

        team.Name = request.Name.Trim();
        team.OwnerAliases = (request.OwnerAliases ?? []).Select(a => a.Trim()).Where(a => a.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        team.TimeZone = request.TimeZone.Trim();
        team.Rotation = request.Rotation;
        team.Handoff = request.Handoff;
        team.RotationStart = request.RotationStart;
        team.Level2 = request.Level2;
        team.Level2AfterMinutes = request.Level2AfterMinutes;
        team.Level3AfterMinutes = request.Level3AfterMinutes;
        team.EscalationContact = string.IsNullOrWhiteSpace(request.EscalationContact) ? null : request.EscalationContact.Trim();
        team.RepeatAfterMinutes = request.RepeatAfterMinutes;
        team.Rounds = request.Rounds;
        team.PageUpTo = request.PageUpTo;
        team.QuietFrom = request.QuietFrom;
        team.QuietUntil = request.QuietUntil;
        team.UpdatedAt = clock.GetUtcNow();
        db.RemoveRange(team.Members);
        var order = 0;
        team.Members = request.Members.Select(m => new TeamMember
        {
            Id = Guid.CreateVersion7(),
            TeamId = team.Id,
            Name = m.Name.Trim(),
            Email = string.IsNullOrWhiteSpace(m.Email) ? null : m.Email.Trim(),
            SlackUserId = string.IsNullOrWhiteSpace(m.SlackUserId) ? null : m.SlackUserId.Trim(),
            RotationOrder = m.InRotation ? order++ : null,
            IsLead = m.IsLead,
        }).ToList();
        if (request.Routes is not null)
        {
            db.RemoveRange(team.Routes);
            team.Routes = request.Routes.Select(r => new TeamRoute { Id = Guid.CreateVersion7(), TeamId = team.Id, ChannelId = r.ChannelId, UpTo = r.UpTo }).ToList();
        }

        audit.Add(db, new AuditRecord(by, before is null ? "team.created" : "team.updated", $"team '{slug}'", before,
            new { team.Name, team.TimeZone, rotation = team.Rotation.ToString(), members = team.Members.Select(m => m.Name).ToList() }));
        await db.SaveChangesAsync(ct);
        return (await GetAsync(slug, ct))!;
    }

    public async Task<OverrideView> AddOverrideAsync(string slug, OverrideRequest request, AuditActor by, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "change on-call schedules");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var team = await Load(db).SingleOrDefaultAsync(t => t.Slug == slug, ct)
            ?? throw new NotFoundException($"There is no team '{slug}'.", "Team not found");
        if (request.EndsAt <= request.StartsAt || request.EndsAt - request.StartsAt > TimeSpan.FromDays(90))
        {
            throw new InvalidInputException("An override ends after it starts and lasts at most 90 days.", "The override is not valid");
        }

        var member = team.Members.FirstOrDefault(m => string.Equals(m.Name, request.Person?.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidInputException($"'{request.Person}' is not a member of {team.Name}.", "The override is not valid");
        var row = new TeamOverride
        {
            Id = Guid.CreateVersion7(), TeamId = team.Id, Person = member.Name, StartsAt = request.StartsAt.ToUniversalTime(), EndsAt = request.EndsAt.ToUniversalTime(),
            CreatedBy = by.Name,
        };
        db.TeamOverrides.Add(row);
        audit.Add(db, new AuditRecord(by, "team.override.added", $"team '{slug}'", null, new { row.Person, row.StartsAt, row.EndsAt }));
        await db.SaveChangesAsync(ct);
        return new OverrideView(row.Id, row.Person, row.StartsAt, row.EndsAt, row.CreatedBy);
    }

    public async Task<bool> RemoveOverrideAsync(string slug, Guid id, AuditActor by, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Admin, "change on-call schedules");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.TeamOverrides.Join(db.Teams.Where(t => t.Slug == slug), o => o.TeamId, t => t.Id, (o, t) => o).SingleOrDefaultAsync(o => o.Id == id, ct);
        if (row is null)
        {
            return false;
        }

        db.TeamOverrides.Remove(row);
        audit.Add(db, new AuditRecord(by, "team.override.removed", $"team '{slug}'", new { row.Person, row.StartsAt, row.EndsAt }, null));
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>The team owning <paramref name="service"/>: the catalog entry's owner or owner_email matched against slugs, names and aliases.</summary>
    public async Task<Team?> ForServiceAsync(AppDbContext db, string? service, CancellationToken ct)
    {
        var entry = catalog.Find(service);
        var keys = new[] { entry?.Owner, entry?.OwnerEmail }.OfType<string>().Where(k => k.Length > 0).Select(k => k.ToLowerInvariant()).ToList();
        if (keys.Count == 0)
        {
            return null;
        }

        var teams = await Load(db).AsNoTracking().ToListAsync(ct);
        return teams.FirstOrDefault(t => keys.Contains(t.Slug) || keys.Contains(t.Name.ToLowerInvariant())
            || t.OwnerAliases.Any(a => keys.Contains(a.ToLowerInvariant())));
    }

    /// <summary>The incident's owning team, who is on call for it now and next, and its paging so far.</summary>
    public async Task<IncidentOnCall> ForIncidentAsync(Guid incidentId, string? service, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var team = await ForServiceAsync(db, service, ct);
        var now = clock.GetUtcNow();
        var escalation = await db.Escalations.AsNoTracking().SingleOrDefaultAsync(e => e.IncidentId == incidentId, ct);
        EscalationView? view = null;
        if (escalation is not null)
        {
            var next = team is null || escalation.StoppedAt is not null ? null : EscalationPlan.NextAfter(team.Policy(), escalation.StartedAt, now);
            view = new EscalationView(escalation.StartedAt, escalation.StepsSent, escalation.StoppedAt, escalation.StopReason, next?.DueAt, next?.Level);
        }

        var messages = (await db.Outbox.AsNoTracking().Where(m => m.IncidentId == incidentId && m.Key.StartsWith("notify:")).OrderBy(m => m.Id).Take(50)
                .Select(m => new { m.Channel, m.To, m.Subject, m.Status, m.LastError, m.CreatedAt }).ToListAsync(ct))
            .Select(m => new MessageView(m.Channel, string.Join(", ", m.To), m.Subject, m.Status.ToString(), m.LastError, m.CreatedAt)).ToList();
        if (team is null)
        {
            return new IncidentOnCall(null, null, null, null, catalog.Find(service)?.OwnerEmail, view, messages);
        }

        var schedule = team.Schedule();
        return new IncidentOnCall(team.Name, team.Slug, OnCallSchedule.At(schedule, now), OnCallSchedule.Next(schedule, now), null, view, messages);
    }

    private static IQueryable<Team> Load(AppDbContext db) =>
        db.Teams.Include(t => t.Members).Include(t => t.Routes).Include(t => t.Overrides).AsSplitQuery();

    private Dictionary<Guid, List<string>> ServicesByTeam(IReadOnlyList<Team> teams)
    {
        var result = new Dictionary<Guid, List<string>>();
        foreach (var entry in catalog.Services)
        {
            var name = entry.Name;
            var keys = new[] { entry.Owner, entry.OwnerEmail }.OfType<string>().Select(k => k.ToLowerInvariant()).ToList();
            var team = teams.FirstOrDefault(t => keys.Contains(t.Slug) || keys.Contains(t.Name.ToLowerInvariant()) || t.OwnerAliases.Any(a => keys.Contains(a.ToLowerInvariant())));
            if (team is not null)
            {
                (result.TryGetValue(team.Id, out var list) ? list : result[team.Id] = []).Add(name);
            }
        }

        return result;
    }
}
