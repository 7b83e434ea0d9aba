using IncidentHub.Web.Features.Identity;
using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using IncidentHub.Web.Infrastructure.Audit;

namespace IncidentHub.Web.Features.Remediation.Playbooks;

public sealed record PlaybookView(string Name, Playbook Definition, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>The playbook registry: data in PostgreSQL, seeded from seed-data/playbooks.yaml, edited by Admins.</summary>
public sealed class PlaybookStore(IDbContextFactory<AppDbContext> dbFactory, IAuditLog audit, TimeProvider clock)
{
    public async Task<IReadOnlyList<Playbook>> AllAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return (await db.Playbooks.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct)).Select(p => p.Definition).ToList();
    }

    public async Task<IReadOnlyList<PlaybookView>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return (await db.Playbooks.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct))
            .Select(p => new PlaybookView(p.Name, p.Definition, p.UpdatedAt, p.UpdatedBy)).ToList();
    }

    /// <summary>Adds or replaces the playbook of that name; returns what it was before (null when new).</summary>
    public async Task<Playbook?> SaveAsync(Playbook playbook, AuditActor by, CancellationToken ct)
    {
        Permissions.Demand(by, Policies.Admin, "edit playbooks");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entry = await db.Playbooks.SingleOrDefaultAsync(p => p.Name == playbook.Name, ct);
        var before = entry?.Definition;
        if (entry is null)
        {
            db.Playbooks.Add(PlaybookEntry.Create(playbook, by.Name, clock.GetUtcNow()));
        }
        else
        {
            entry.Update(playbook, by.Name, clock.GetUtcNow());
        }

        audit.Add(db, new AuditRecord(by, "playbook.saved", $"playbook:{playbook.Name}", before, playbook));
        await db.SaveChangesAsync(ct);
        return before;
    }

    public async Task<Playbook?> DeleteAsync(string name, AuditActor by, CancellationToken ct)
    {
        Permissions.Demand(by, Policies.Admin, "delete playbooks");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entry = await db.Playbooks.SingleOrDefaultAsync(p => p.Name == name, ct);
        if (entry is null)
        {
            return null;
        }

        db.Playbooks.Remove(entry);
        audit.Add(db, new AuditRecord(by, "playbook.deleted", $"playbook:{name}", entry.Definition, null));
        await db.SaveChangesAsync(ct);
        return entry.Definition;
    }

    /// <summary>Adds the file's playbooks that are not in the database; one an Admin changed or deleted stays as they left it.</summary>
    public async Task<int> SeedAsync(IReadOnlyList<Playbook> playbooks, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var known = await db.Playbooks.Select(p => p.Name).ToListAsync(ct);
        var seeded = await db.SeededPlaybooks.Select(s => s.Name).ToListAsync(ct);
        var added = 0;
        foreach (var playbook in playbooks.Where(p => !known.Contains(p.Name) && !seeded.Contains(p.Name)))
        {
            db.Playbooks.Add(PlaybookEntry.Create(playbook, "seed-data", clock.GetUtcNow()));
            db.SeededPlaybooks.Add(new SeededPlaybook { Name = playbook.Name });
            added++;
        }

        await db.SaveChangesAsync(ct);
        return added;
    }
}

/// <summary>Names seeded once, so a playbook an Admin deleted does not come back at the next start.</summary>
public sealed class SeededPlaybook
{
    public string Name { get; set; } = "";
}

public sealed class PlaybookSeedOptions
{
    public const string SectionName = "Seed";

    /// <summary>Seed:PlaybooksPath, e.g. seed-data/playbooks.yaml.</summary>
    public string? PlaybooksPath { get; set; }
}

internal sealed class PlaybookSeeder(IOptions<PlaybookSeedOptions> options, PlaybookStore store, ILogger<PlaybookSeeder> logger) : IDatabaseSeeder
{
    public async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        if (options.Value.PlaybooksPath is not { Length: > 0 } path)
        {
            return;
        }

        if (!File.Exists(path))
        {
            logger.LogWarning("Playbooks file {Path} does not exist; nothing seeded", path);
            return;
        }

        var added = await store.SeedAsync(PlaybookYaml.Parse(await File.ReadAllTextAsync(path, ct)), ct);
        logger.LogInformation("Playbooks: {Added} added from {Path}", added, path);
    }
}
