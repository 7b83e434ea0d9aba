using IncidentHub.Web.Infrastructure.Security;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Identity;

public sealed record ApiTokenView(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

public sealed record UserView(string Id, string Email, string Role);

/// <summary>Personal API tokens and user administration.</summary>
public sealed class AccountService(IDbContextFactory<AppDbContext> dbFactory, UserManager<AppUser> users, TimeProvider clock)
{
    public async Task<IReadOnlyList<ApiTokenView>> TokensAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt)
            .Select(t => new ApiTokenView(t.Id, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt))
            .ToListAsync(ct);
    }

    /// <summary>Returns the token itself; only its hash is stored, so it is shown once.</summary>
    public async Task<string> CreateTokenAsync(string userId, string name, CancellationToken ct = default)
    {
        var token = SecretTokens.New("ih_");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ApiTokens.Add(ApiToken.Create(userId, string.IsNullOrWhiteSpace(name) ? "token" : name.Trim(), token, clock.GetUtcNow()));
        await db.SaveChangesAsync(ct);
        return token;
    }

    public async Task RevokeTokenAsync(string userId, Guid tokenId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.SingleAsync(t => t.Id == tokenId && t.UserId == userId, ct);
        token.Revoke(clock.GetUtcNow());
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
            result.Add(new UserView(user.Id, user.Email ?? user.UserName ?? user.Id, role));
        }

        return result;
    }

    /// <summary>Creates a user with exactly one role. Returns Identity's errors, if any, in plain words.</summary>
    public async Task<string?> CreateUserAsync(string email, string password, string role)
    {
        if (!Roles.All.Contains(role))
        {
            return $"Unknown role '{role}'.";
        }

        var user = new AppUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = true };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return string.Join(" ", created.Errors.Select(e => e.Description));
        }

        await users.AddToRoleAsync(user, role);
        return null;
    }
}
