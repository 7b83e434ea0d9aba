using IncidentHub.Web.Infrastructure.Security;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Identity;

public sealed record ApiTokenView(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt, DateTimeOffset? ExpiresAt = null);

public sealed record UserView(string Id, string Email, string Role, bool Disabled = false);

/// <summary>
/// Personal API tokens and user administration. Every change commits together with its audit entry: token
/// changes in one SaveChanges, user changes in one transaction on the context Identity's store writes through.
/// </summary>
public sealed class AccountService(IDbContextFactory<AppDbContext> dbFactory, AppDbContext identityDb, UserManager<AppUser> users, TimeProvider clock, IAuditLog audit)
{
    public async Task<IReadOnlyList<ApiTokenView>> TokensAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt)
            .Select(t => new ApiTokenView(t.Id, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt, t.ExpiresAt))
            .ToListAsync(ct);
    }

    /// <summary>
    /// Returns the token itself; only its hash is stored, so it is shown once. A token is its owner's own
    /// business, so the owner is the actor of its audit entry.
    /// </summary>
    public async Task<string> CreateTokenAsync(string userId, string name, CancellationToken ct = default) =>
        await CreateTokenAsync(userId, name, lifetime: null, ct);

    /// <param name="lifetime">How long the token works; null: until revoked.</param>
    public async Task<string> CreateTokenAsync(string userId, string name, TimeSpan? lifetime, CancellationToken ct = default)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            throw new InvalidInputException("A token's lifetime must be positive.", "Invalid token lifetime");
        }

        var token = SecretTokens.New("ih_");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var owner = await OwnerAsync(db, userId, ct);
        var created = ApiToken.Create(userId, string.IsNullOrWhiteSpace(name) ? "token" : name.Trim(), token, clock.GetUtcNow(), lifetime);
        db.ApiTokens.Add(created);
        audit.Add(db, new AuditRecord(AuditActor.Person(owner), "token.created", TokenSubject(created, owner), After: Audited(created)));
        await db.SaveChangesAsync(ct);
        return token;
    }

    public async Task RevokeTokenAsync(string userId, Guid tokenId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.SingleAsync(t => t.Id == tokenId && t.UserId == userId, ct);
        var owner = await OwnerAsync(db, userId, ct);
        var before = Audited(token);
        token.Revoke(clock.GetUtcNow());
        audit.Add(db, new AuditRecord(AuditActor.Person(owner), "token.revoked", TokenSubject(token, owner), before, Audited(token)));
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<UserView>> UsersAsync(CancellationToken ct = default)
    {
        var all = await users.Users.OrderBy(u => u.Email).ToListAsync(ct);
        var result = new List<UserView>(all.Count);
        foreach (var user in all)
        {
            var roles = await users.GetRolesAsync(user);
            var role = Roles.All.Reverse().FirstOrDefault(roles.Contains) ?? "-";
            result.Add(new UserView(user.Id, user.Email ?? user.UserName ?? user.Id, role, user.LockoutEnd > clock.GetUtcNow()));
        }

        return result;
    }

    /// <summary>
    /// Creates a user with exactly one role. Returns Identity's errors, if any, in plain words.
    /// <paramref name="by"/> is the Admin who added the user (null: IncidentHub itself).
    /// </summary>
    public async Task<string?> CreateUserAsync(string email, string password, string role, AuditActor? by = null)
    {
        Permissions.Demand(by, Policies.Admin, "add users");
        if (!Roles.All.Contains(role))
        {
            return $"Unknown role '{role}'.";
        }

        var user = new AppUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = true };
        await using var transaction = await identityDb.Database.BeginTransactionAsync();
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return string.Join(" ", created.Errors.Select(e => e.Description));
        }

        var added = await users.AddToRoleAsync(user, role);
        if (!added.Succeeded)
        {
            return string.Join(" ", added.Errors.Select(e => e.Description));
        }

        audit.Add(identityDb, new AuditRecord(by ?? AuditActor.IncidentHub, "user.created", $"user:{user.Email}", After: new { user.Email, Role = role }));
        await identityDb.SaveChangesAsync();
        await transaction.CommitAsync();
        return null;
    }

    /// <summary>Gives a user exactly <paramref name="role"/> instead of the roles they had. Returns an error in plain words, or null.</summary>
    public async Task<string?> ChangeRoleAsync(string userId, string role, AuditActor by)
    {
        Permissions.Demand(by, Policies.Admin, "change roles");
        if (!Roles.All.Contains(role))
        {
            return $"Unknown role '{role}'.";
        }

        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return $"There is no user {userId}.";
        }

        var current = await users.GetRolesAsync(user);
        if (current.Count == 1 && current[0] == role)
        {
            return null;
        }

        await using var transaction = await identityDb.Database.BeginTransactionAsync();
        var removed = await users.RemoveFromRolesAsync(user, current);
        var added = removed.Succeeded ? await users.AddToRoleAsync(user, role) : removed;
        if (!added.Succeeded)
        {
            return string.Join(" ", added.Errors.Select(e => e.Description));
        }

        audit.Add(identityDb, new AuditRecord(by, "user.role.changed", $"user:{user.Email}",
            new { user.Email, Role = string.Join(", ", current) }, new { user.Email, Role = role }));
        await identityDb.SaveChangesAsync();
        await transaction.CommitAsync();
        return null;
    }

    /// <summary>
    /// Disables a user: no login (locked out without end), every API token revoked, the security stamp changed so
    /// their cookies stop working at the next validation. One transaction, with its audit entry.
    /// </summary>
    public async Task<string?> DisableUserAsync(string userId, AuditActor by)
    {
        Permissions.Demand(by, Policies.Admin, "disable users");
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return $"There is no user {userId}.";
        }

        var now = clock.GetUtcNow();
        await using var transaction = await identityDb.Database.BeginTransactionAsync();
        user.LockoutEnabled = true;
        user.LockoutEnd = DateTimeOffset.MaxValue;
        var updated = await users.UpdateSecurityStampAsync(user);
        if (!updated.Succeeded)
        {
            return string.Join(" ", updated.Errors.Select(e => e.Description));
        }

        var revoked = await identityDb.ApiTokens.Where(t => t.UserId == userId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now));
        audit.Add(identityDb, new AuditRecord(by, "user.disabled", $"user:{user.Email}", new { user.Email, Disabled = false },
            new { user.Email, Disabled = true }, Detail: $"{revoked} API token(s) revoked."));
        await identityDb.SaveChangesAsync();
        await transaction.CommitAsync();
        return null;
    }

    private static async Task<string> OwnerAsync(AppDbContext db, string userId, CancellationToken ct) =>
        await db.Users.Where(u => u.Id == userId).Select(u => u.Email ?? u.UserName ?? u.Id).SingleOrDefaultAsync(ct) ?? userId;

    private static string TokenSubject(ApiToken token, string owner) => $"token:{token.Name} ({token.Prefix}…) of {owner}";

    /// <summary>Never the token or its hash: the name, the prefix shown on the account page, and the times.</summary>
    private static object Audited(ApiToken t) => new { t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.RevokedAt };
}
