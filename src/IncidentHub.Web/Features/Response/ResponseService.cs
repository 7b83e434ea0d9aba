using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Response;

/// <summary>
/// Responders correct the machine: notes, severity and service, owner and commander, escalation by hand, reopening,
/// merging, splitting, declaring and linking. Every change is checked here (role, state, input), written with its
/// timeline line and audit entry in one save, and pushed live to every open page. A person's severity or service then
/// wins over triage and the investigation (<see cref="Incident.SeveritySetBy"/>); the diagnosis itself is kept.
/// </summary>
public sealed class ResponseService(
    IDbContextFactory<AppDbContext> dbFactory,
    IIncidentNotifier notifier,
    IncidentPipeline pipeline,
    ServiceCatalog catalog,
    IAuditLog audit,
    IEnumerable<IBulkAlertWriteObserver> bulkWrites,
    TimeProvider clock)
{
    /// <summary>A note's longest Markdown.</summary>
    public const int MaxNote = 10_000;

    public const int MaxReason = 1_000;

    public async Task<ResponseView?> GetAsync(int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Number == number, ct);
        if (incident is null)
        {
            return null;
        }

        var id = incident.Id;
        var linked = await db.IncidentLinks.AsNoTracking()
            .Where(l => l.FromId == id || l.ToId == id)
            .Select(l => new { Other = l.FromId == id ? l.ToId : l.FromId, l.Note, l.CreatedBy, l.CreatedAt })
            .ToListAsync(ct);
        var others = linked.Select(l => l.Other).ToList();
        var incidents = await db.Incidents.AsNoTracking().Where(i => others.Contains(i.Id))
            .Select(i => new { i.Id, i.Number, i.Title, i.State, i.Severity }).ToDictionaryAsync(i => i.Id, ct);
        var links = linked.Where(l => incidents.ContainsKey(l.Other))
            .Select(l => incidents[l.Other] is var i ? new LinkedIncident(i.Number, i.Title, i.State, i.Severity, l.Note, l.CreatedBy, l.CreatedAt) : null!)
            .OrderBy(l => l.Number).ToList();
        var mergedFrom = await db.Incidents.AsNoTracking().Where(i => i.MergedInto == number).OrderBy(i => i.Number).Select(i => i.Number).ToListAsync(ct);
        var alerts = await db.Alerts.AsNoTracking().Where(a => a.IncidentId == incident.Id)
            .OrderByDescending(a => a.LastSeenAt).Take(IncidentService.AlertsShown)
            .Select(a => new SplittableAlert(a.Id, a.Title, a.Fingerprint)).ToListAsync(ct);
        return new ResponseView(incident.Number, incident.Severity, incident.Service, incident.SeveritySetBy, incident.ServiceSetBy, incident.Owner,
            incident.Commander, incident.DeclaredBy, incident.MergedInto, incident.ReopenedAt, incident.State, links, mergedFrom, alerts);
    }

    /// <summary>The people who can own or command an incident: every user, by email.</summary>
    public async Task<IReadOnlyList<string>> PeopleAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users.AsNoTracking().Where(u => u.Email != null).OrderBy(u => u.Email).Select(u => u.Email!).ToListAsync(ct);
    }

    public IReadOnlyList<string> Services() => catalog.Services.Select(s => s.Name).Order(StringComparer.Ordinal).ToList();

    public Task AddNoteAsync(int number, string? markdown, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "add notes to incidents");
        var text = Required(markdown, "note", MaxNote);
        return ChangeAsync(number, actor, ct, (db, incident, at) =>
        {
            incident.Touch(at);
            db.Timeline.Add(TimelineEntry.Create(incident.Id, at, actor.Name, TimelineKind.Note, text, new() { ["format"] = "markdown" }));
            audit.Add(db, new AuditRecord(actor, "incident.note.added", incident.Reference, null, new { length = text.Length }, incident.Number));
        });
    }

    public Task SetSeverityAsync(int number, string? severity, string? reason, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "change an incident's severity");
        if (!Enum.TryParse<Severity>(severity, ignoreCase: true, out var to) || !Enum.IsDefined(to))
        {
            throw new InvalidInputException($"Severity must be one of {string.Join(", ", Enum.GetNames<Severity>())}; got '{severity}'.", "Invalid severity");
        }

        var why = Optional(reason, "reason", MaxReason);
        return ChangeAsync(number, actor, ct, (db, incident, at) =>
        {
            var from = incident.Severity;
            if (from == to && incident.SeveritySetBy is not null)
            {
                throw new ConflictException($"{incident.Reference} is already {to}, set by {incident.SeveritySetBy}.", "Nothing to change");
            }

            incident.SetSeverity(to, actor.Name, at);
            db.Timeline.Add(TimelineEntry.Create(incident.Id, at, actor.Name, TimelineKind.Changed,
                $"Severity set to {to} by {actor.Name} (was {from}){Because(why)}. Triage and the investigation no longer change it.",
                new() { ["field"] = "severity", ["from"] = from.ToString(), ["to"] = to.ToString() }));
            audit.Add(db, new AuditRecord(actor, "incident.severity.set", incident.Reference, new { severity = from.ToString() }, new { severity = to.ToString(), reason = why }, incident.Number));
        });
    }

    public Task SetServiceAsync(int number, string? service, string? reason, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "change an incident's service");
        var name = Required(service, "service", 200);
        var known = catalog.Find(name)
            ?? throw new InvalidInputException($"'{name}' is not a service in the catalog ({string.Join(", ", Services().Take(20))}); add it on the Catalog page first.", "Unknown service");
        var why = Optional(reason, "reason", MaxReason);
        return ChangeAsync(number, actor, ct, (db, incident, at) =>
        {
            var from = incident.Service;
            incident.SetService(known.Name, actor.Name, at);
            db.Timeline.Add(TimelineEntry.Create(incident.Id, at, actor.Name, TimelineKind.Changed,
                $"Service set to {known.Name} by {actor.Name} (was {from ?? "unknown"}){Because(why)}.",
                new() { ["field"] = "service", ["from"] = from ?? "", ["to"] = known.Name }));
            audit.Add(db, new AuditRecord(actor, "incident.service.set", incident.Reference, new { service = from }, new { service = known.Name, reason = why }, incident.Number));
        });
    }

    /// <summary>Sets the owner and the commander (an empty value clears one); both must be IncidentHub users.</summary>
    public async Task AssignAsync(int number, string? owner, string? commander, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "assign incidents");
        var people = (await PeopleAsync(ct)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        string? Person(string? email, string role)
        {
            if (string.IsNullOrWhiteSpace(email))
            {
                return null;
            }

            return people.FirstOrDefault(p => string.Equals(p, email.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidInputException($"The {role} must be an IncidentHub user; there is no user '{email.Trim()}'.", "Unknown person");
        }

        var newOwner = Person(owner, "owner");
        var newCommander = Person(commander, "incident commander");
        await ChangeAsync(number, actor, ct, (db, incident, at) =>
        {
            if (incident.Owner == newOwner && incident.Commander == newCommander)
            {
                throw new ConflictException($"{incident.Reference} already has that owner and commander.", "Nothing to change");
            }

            var before = new { owner = incident.Owner, commander = incident.Commander };
            var lines = new List<string>();
            if (incident.Owner != newOwner)
            {
                lines.Add(newOwner is null ? "owner cleared" : $"owner {newOwner}");
            }

            if (incident.Commander != newCommander)
            {
                lines.Add(newCommander is null ? "commander cleared" : $"incident commander {newCommander}");
            }

            incident.Assign(newOwner, newCommander, at);
            db.Timeline.Add(TimelineEntry.Create(incident.Id, at, actor.Name, TimelineKind.Changed, $"Assigned by {actor.Name}: {string.Join("; ", lines)}.",
                new() { ["field"] = "assignees", ["owner"] = newOwner ?? "", ["commander"] = newCommander ?? "" }));
            audit.Add(db, new AuditRecord(actor, "incident.assigned", incident.Reference, before, new { owner = newOwner, commander = newCommander }, incident.Number));
        });
    }

    public async Task EscalateAsync(int number, string? reason, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "escalate incidents");
        var why = Optional(reason, "reason", MaxReason);
        var id = await ChangeAsync(number, actor, ct, (db, incident, at) =>
        {
            var from = incident.State;
            incident.Escalate(at);
            db.Timeline.Add(TimelineEntry.Create(incident.Id, at, actor.Name, TimelineKind.StateChanged, $"Escalated by {actor.Name} (was {from}){Because(why)}."));
            audit.Add(db, new AuditRecord(actor, "incident.escalated", incident.Reference, new { state = from.ToString() }, new { state = "Escalated", reason = why }, incident.Number));
        });
        pipeline.EscalatedByPerson(id);
    }

    public async Task ReopenAsync(int number, string? reason, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "reopen incidents");
        var why = Optional(reason, "reason", MaxReason);
        var id = await ChangeAsync(number, actor, ct, (db, incident, at) =>
        {
            var resolvedBy = incident.ResolvedBy;
            incident.Reopen(at);
            db.Timeline.Add(TimelineEntry.Create(incident.Id, at, actor.Name, TimelineKind.StateChanged,
                $"Reopened by {actor.Name} (resolved by {resolvedBy ?? "its alerts"}){Because(why)}; investigating again."));
            audit.Add(db, new AuditRecord(actor, "incident.reopened", incident.Reference, new { state = "Resolved", resolvedBy }, new { state = "Investigating", reason = why }, incident.Number));
        });
        pipeline.Reopened(id);
    }

    /// <summary>Moves every alert of <paramref name="number"/> into <paramref name="into"/> and resolves it as merged.</summary>
    public async Task MergeAsync(int number, int into, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "merge incidents");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = await WithRetryAsync(db, number, actor, async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var source = await FindAsync(db, number, ct);
            var target = await FindAsync(db, into, ct);
            var at = clock.GetUtcNow();
            source.MergeInto(target, actor.Name, at);
            target.Touch(at);
            var moved = await db.Alerts.Where(a => a.IncidentId == source.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.IncidentId, target.Id), ct);
            db.Timeline.Add(TimelineEntry.Create(source.Id, at, actor.Name, TimelineKind.Changed,
                $"Merged into {target.Reference} by {actor.Name}: its {moved} alert(s) moved there; resolved as merged.",
                new() { ["merged_into"] = target.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), ["alerts"] = moved.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            db.Timeline.Add(TimelineEntry.Create(target.Id, at, actor.Name, TimelineKind.Changed,
                $"{source.Reference} ({source.Title}) merged in by {actor.Name}: {moved} alert(s) moved here.",
                new() { ["merged_from"] = source.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), ["alerts"] = moved.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            audit.Add(db, new AuditRecord(actor, "incident.merged", source.Reference, new { state = "open" }, new { mergedInto = target.Reference, alerts = moved }, source.Number));
            foreach (var observer in bulkWrites)
            {
                observer.AlertsWritten(db, [source.TriggeredAt, target.TriggeredAt], at);
            }

            await db.SaveChangesAsync(ct);
            await db.Database.ExecuteSqlRawAsync(IncidentCounts.RecountSql($"i.\"Id\" IN ('{source.Id}', '{target.Id}')"), ct);
            await tx.CommitAsync(ct);
            return (source.Id, target.Id);
        });
        // Resolved as merged, not as fixed: no post-mortem of its own (the incident it joined gets one).
        await notifier.PublishAsync([ids.Item1, ids.Item2], ct);
    }

    /// <summary>Moves one alert out into an incident of its own, which is triaged like any new one. Returns its number.</summary>
    public async Task<int> SplitAsync(int number, Guid alertId, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "split alerts out of incidents");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (sourceId, split) = await WithRetryAsync(db, number, actor, async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var source = await FindAsync(db, number, ct);
            if (!source.IsOpen)
            {
                throw new IncidentConflictException($"{source.Reference} is resolved; reopen it before splitting alerts out.");
            }

            var alert = await db.Alerts.SingleOrDefaultAsync(a => a.Id == alertId && a.IncidentId == source.Id, ct)
                ?? throw new NotFoundException($"{source.Reference} has no alert {alertId}.", "Alert not found");
            if (await db.Alerts.CountAsync(a => a.IncidentId == source.Id, ct) < 2)
            {
                throw new ConflictException($"That is the only alert of {source.Reference}; splitting it out would leave an empty incident.", "Nothing to split");
            }

            var at = clock.GetUtcNow();
            // Its own group key: later notifications of this alert update it where it now is; no other alert joins it.
            var created = Incident.Open(alert.IntegrationId, $"split:{alert.Id:N}", alert.Title, source.Service, source.Severity, at);
            if (source.Origin == IncidentOrigin.Imported)
            {
                created.MarkImported();
            }

            db.Incidents.Add(created);
            await db.SaveChangesAsync(ct);
            alert.AttachTo(created.Id);
            source.Touch(at);
            db.Timeline.Add(TimelineEntry.Create(created.Id, at, actor.Name, TimelineKind.Opened,
                $"Split out of {source.Reference} by {actor.Name}: alert '{alert.Title}' ({alert.Fingerprint}).", new() { ["split_from"] = source.Number.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            db.Timeline.Add(TimelineEntry.Create(source.Id, at, actor.Name, TimelineKind.Changed,
                $"Alert '{alert.Title}' split out by {actor.Name} into {created.Reference}.", new() { ["split_into"] = created.Number.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            audit.Add(db, new AuditRecord(actor, "incident.alert.split", source.Reference, new { alert = alert.Fingerprint, incident = source.Reference },
                new { alert = alert.Fingerprint, incident = created.Reference }, source.Number));
            await db.SaveChangesAsync(ct);
            await db.Database.ExecuteSqlRawAsync(IncidentCounts.RecountSql($"i.\"Id\" IN ('{source.Id}', '{created.Id}')"), ct);
            await tx.CommitAsync(ct);
            return (source.Id, (created.Id, created.Number));
        });
        await notifier.PublishAsync([sourceId, split.Id], ct);
        pipeline.Opened(split.Id);
        return split.Number;
    }

    /// <summary>A person opens an incident with no alert: a title, a severity, optionally a service and a first note.</summary>
    public async Task<int> DeclareAsync(string? title, string? severity, string? service, string? summary, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "declare incidents");
        var what = Required(title, "title", 300);
        if (!Enum.TryParse<Severity>(severity, ignoreCase: true, out var level) || !Enum.IsDefined(level))
        {
            throw new InvalidInputException($"Severity must be one of {string.Join(", ", Enum.GetNames<Severity>())}; got '{severity}'.", "Invalid severity");
        }

        string? serviceName = null;
        if (!string.IsNullOrWhiteSpace(service))
        {
            serviceName = (catalog.Find(service.Trim())
                ?? throw new InvalidInputException($"'{service.Trim()}' is not a service in the catalog; leave it empty or add it on the Catalog page first.", "Unknown service")).Name;
        }

        var note = Optional(summary, "summary", MaxNote);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var at = clock.GetUtcNow();
        var incident = Incident.Declare(what, serviceName, level, actor.Name, at);
        db.Incidents.Add(incident);
        db.Timeline.Add(TimelineEntry.Create(incident.Id, at, actor.Name, TimelineKind.Opened,
            $"Declared by {actor.Name}: {level}{(serviceName is null ? "" : $", service {serviceName}")}. No alert opened it."));
        if (note is not null)
        {
            db.Timeline.Add(TimelineEntry.Create(incident.Id, at, actor.Name, TimelineKind.Note, note, new() { ["format"] = "markdown" }));
        }

        await db.SaveChangesAsync(ct);
        audit.Add(db, new AuditRecord(actor, "incident.declared", incident.Reference, null, new { title = what, severity = level.ToString(), service = serviceName }, incident.Number));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await notifier.PublishAsync([incident.Id], ct);

        // A person did the triage: the investigation starts from what they said (title, service) and the catalog.
        pipeline.Triaged(incident.Id);
        return incident.Number;
    }

    public async Task LinkAsync(int number, int other, string? note, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "link incidents");
        var why = Optional(note, "note", 500);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = await WithRetryAsync(db, number, actor, async () =>
        {
            var from = await FindAsync(db, number, ct);
            var to = await FindAsync(db, other, ct);
            if (from.Id == to.Id)
            {
                throw new InvalidInputException($"{from.Reference} cannot be linked to itself.", "Invalid link");
            }

            if (await db.IncidentLinks.AnyAsync(l => (l.FromId == from.Id && l.ToId == to.Id) || (l.FromId == to.Id && l.ToId == from.Id), ct))
            {
                throw new ConflictException($"{from.Reference} and {to.Reference} are already linked.", "Already linked");
            }

            var at = clock.GetUtcNow();
            db.IncidentLinks.Add(IncidentLink.Create(from.Id, to.Id, why, actor.Name, at));
            from.Touch(at);
            to.Touch(at);
            db.Timeline.Add(TimelineEntry.Create(from.Id, at, actor.Name, TimelineKind.Changed, $"Linked to {to.Reference} ({to.Title}) by {actor.Name}{Because(why)}.", new() { ["linked"] = to.Number.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            db.Timeline.Add(TimelineEntry.Create(to.Id, at, actor.Name, TimelineKind.Changed, $"Linked to {from.Reference} ({from.Title}) by {actor.Name}{Because(why)}.", new() { ["linked"] = from.Number.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            audit.Add(db, new AuditRecord(actor, "incident.linked", from.Reference, null, new { linked = to.Reference, note = why }, from.Number));
            await db.SaveChangesAsync(ct);
            return (from.Id, to.Id);
        });
        await notifier.PublishAsync([ids.Item1, ids.Item2], ct);
    }

    public async Task UnlinkAsync(int number, int other, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "unlink incidents");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = await WithRetryAsync(db, number, actor, async () =>
        {
            var from = await FindAsync(db, number, ct);
            var to = await FindAsync(db, other, ct);
            var link = await db.IncidentLinks.SingleOrDefaultAsync(l => (l.FromId == from.Id && l.ToId == to.Id) || (l.FromId == to.Id && l.ToId == from.Id), ct)
                ?? throw new NotFoundException($"{from.Reference} and {to.Reference} are not linked.", "Link not found");
            var at = clock.GetUtcNow();
            db.IncidentLinks.Remove(link);
            from.Touch(at);
            to.Touch(at);
            db.Timeline.Add(TimelineEntry.Create(from.Id, at, actor.Name, TimelineKind.Changed, $"Unlinked from {to.Reference} by {actor.Name}."));
            db.Timeline.Add(TimelineEntry.Create(to.Id, at, actor.Name, TimelineKind.Changed, $"Unlinked from {from.Reference} by {actor.Name}."));
            audit.Add(db, new AuditRecord(actor, "incident.unlinked", from.Reference, new { linked = to.Reference }, null, from.Number));
            await db.SaveChangesAsync(ct);
            return (from.Id, to.Id);
        });
        await notifier.PublishAsync([ids.Item1, ids.Item2], ct);
    }

    /// <summary>One incident's change: read, decide on the fresh row, save with its timeline and audit; a concurrent write re-reads.</summary>
    private async Task<Guid> ChangeAsync(int number, AuditActor actor, CancellationToken ct, Action<AppDbContext, Incident, DateTimeOffset> change)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var id = await WithRetryAsync(db, number, actor, async () =>
        {
            var incident = await FindAsync(db, number, ct);
            change(db, incident, clock.GetUtcNow());
            await db.SaveChangesAsync(ct);
            return incident.Id;
        });
        await notifier.PublishAsync([id], ct);
        return id;
    }

    private static async Task<T> WithRetryAsync<T>(AppDbContext db, int number, AuditActor actor, Func<Task<T>> attempt)
    {
        try
        {
            return await OptimisticConcurrency.RetryAsync(db, 3, _ => attempt());
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new IncidentConflictException($"INC-{number} keeps changing while {actor.Name} acts on it; reload and try again.");
        }
    }

    internal static async Task<Incident> FindAsync(AppDbContext db, int number, CancellationToken ct) =>
        await db.Incidents.SingleOrDefaultAsync(i => i.Number == number, ct)
        ?? throw new NotFoundException($"There is no incident INC-{number}.", "Incident not found");

    /// <summary>Trimmed, non-empty and at most <paramref name="max"/> characters, or a 400 that says which.</summary>
    internal static string Required(string? value, string field, int max)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            throw new InvalidInputException($"The {field} is empty.", $"Invalid {field}");
        }

        return text.Length <= max ? text : throw new InvalidInputException($"The {field} is {text.Length:N0} characters; at most {max:N0} are kept.", $"Invalid {field}");
    }

    private static string? Optional(string? value, string field, int max) => string.IsNullOrWhiteSpace(value) ? null : Required(value, field, max);

    private static string Because(string? why) => why is null ? "" : $": {why}";
}

public sealed record ResponseView(
    int Number, Severity Severity, string? Service, string? SeveritySetBy, string? ServiceSetBy, string? Owner, string? Commander,
    string? DeclaredBy, int? MergedInto, DateTimeOffset? ReopenedAt, IncidentState State,
    IReadOnlyList<LinkedIncident> Links, IReadOnlyList<int> MergedFrom, IReadOnlyList<SplittableAlert> Alerts);

public sealed record LinkedIncident(int Number, string Title, IncidentState State, Severity Severity, string? Note, string LinkedBy, DateTimeOffset LinkedAt);

public sealed record SplittableAlert(Guid Id, string Title, string Fingerprint);
