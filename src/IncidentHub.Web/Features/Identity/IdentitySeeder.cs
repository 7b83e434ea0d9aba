using IncidentHub.Web.Infrastructure.Security;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Identity;

/// <summary>Creates the roles, and the first admin from configuration when it does not exist yet.</summary>
internal sealed class IdentitySeeder : IDatabaseSeeder
{
    public async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        var seed = services.GetRequiredService<IOptions<SeedOptions>>().Value.Admin;
        if (seed.Email is null || seed.Password is null)
        {
            return;
        }

        var users = services.GetRequiredService<UserManager<AppUser>>();
        var admin = await users.FindByEmailAsync(seed.Email);
        if (admin is null)
        {
            admin = new AppUser { UserName = seed.Email, Email = seed.Email, EmailConfirmed = true, DisplayName = "Admin" };
            var created = await users.CreateAsync(admin, seed.Password);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException("Could not create the first admin: " + string.Join(" ", created.Errors.Select(e => e.Description)));
            }

            await users.AddToRoleAsync(admin, Roles.Admin);
        }

        if (seed.ApiToken is not null)
        {
            var db = services.GetRequiredService<AppDbContext>();
            var hash = SecretTokens.Hash(seed.ApiToken);
            if (!await db.ApiTokens.AnyAsync(t => t.TokenHash == hash, ct))
            {
                db.ApiTokens.Add(ApiToken.Create(admin.Id, "run.sh", seed.ApiToken, services.GetRequiredService<TimeProvider>().GetUtcNow()));
                await db.SaveChangesAsync(ct);
            }
        }
    }
}
