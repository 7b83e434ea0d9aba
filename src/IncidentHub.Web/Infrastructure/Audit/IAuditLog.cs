using System.Security.Claims;
using IncidentHub.Web.Infrastructure.Data;

namespace IncidentHub.Web.Infrastructure.Audit;

/// <summary>Who made a change: a person (logged in or through their API token), an agent, or IncidentHub itself.</summary>
public enum AuditActorKind
{
    Person,
    Agent,
    System,
}

public sealed record AuditActor(string Name, AuditActorKind Kind)
{
    /// <summary>
    /// The roles a person holds (from their login or API token; see <see cref="Of"/>); services check them before a
    /// change (Features/Identity/Permissions). Empty for a person named without a login, who may change nothing.
    /// </summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>IncidentHub itself: seeders, generators, sweeps.</summary>
    public static readonly AuditActor IncidentHub = new("IncidentHub", AuditActorKind.System);

    public static AuditActor Person(string name) => new(name, AuditActorKind.Person);

    public static AuditActor Agent(string name) => new(name, AuditActorKind.Agent);

    public static AuditActor System(string name) => new(name, AuditActorKind.System);

    /// <summary>The logged-in user (cookie or API token) of a request or a circuit.</summary>
    public static AuditActor Of(ClaimsPrincipal user) => Person(user.Identity?.Name ?? "unknown") with
    {
        Roles = user.Identities.Where(i => i.IsAuthenticated).SelectMany(i => i.FindAll(i.RoleClaimType)).Select(c => c.Value).Distinct().ToArray(),
    };
}

/// <summary>
/// One change worth an Admin's attention. <paramref name="Action"/> is a dotted name, general to
/// specific ("integration.token.rotated"); <paramref name="Subject"/> names what it concerns
/// ("integration:Demo Alertmanager", "INC-1012 action 3"). <paramref name="Before"/> and
/// <paramref name="After"/> are any JSON-serialisable values; properties that name secrets (tokens,
/// hashes, passwords, signing secrets, keys) are redacted before anything is stored.
/// </summary>
public sealed record AuditRecord(
    AuditActor Actor,
    string Action,
    string Subject,
    object? Before = null,
    object? After = null,
    int? IncidentNumber = null,
    string? Detail = null);

/// <summary>
/// The append-only audit log (Features/Audit writes it; every feature may record through this interface
/// without knowing that feature). Nothing here updates or deletes an entry.
/// </summary>
public interface IAuditLog
{
    /// <summary>
    /// Adds the entry to <paramref name="db"/> without saving: the caller's SaveChanges commits the change
    /// and its audit entry together, or neither. Use this wherever the change goes through an AppDbContext.
    /// </summary>
    void Add(AppDbContext db, AuditRecord record);

    /// <summary>Records in a transaction of its own, for changes that are not saved through an AppDbContext.</summary>
    Task RecordAsync(AuditRecord record, CancellationToken ct = default);
}
