using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace IncidentHub.Web.Features.Catalog;

/// <summary>A catalog entry with who last wrote it, for the Catalog page and the API.</summary>
public sealed record CatalogEntryView(ServiceDefinition Service, CatalogOrigin Origin, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>What the YAML seed did at start.</summary>
public sealed record CatalogSeedResult(int Added, int Updated, int KeptEdited);

/// <summary>
/// Writes to the service catalog (catalog_services). Every write validates the entry, commits,
/// reloads this process's <see cref="ServiceCatalog"/> before returning, and notifies the other
/// processes (channel <see cref="Channel"/>) so their snapshot follows within moments. A person's or an
/// import's write commits together with its audit entry; the YAML seed at start is not audited.
/// </summary>
public sealed class CatalogStore(IDbContextFactory<AppDbContext> dbFactory, ServiceCatalog catalog, NpgsqlDataSource dataSource, TimeProvider clock, IAuditLog audit,
    CatalogFileRoots fileRoots, OutboundPolicy outbound, ILogger<CatalogStore> logger)
{
    /// <summary>Every rule an entry written by a person or an import must meet: its fields, and where it sends the hub.</summary>
    public IReadOnlyList<string> Validate(ServiceDefinition service) =>
        [.. CatalogValidation.Validate(service), .. CatalogValidation.ValidateSources(service, fileRoots, outbound)];

    private void ThrowIfInvalid(ServiceDefinition service)
    {
        var errors = Validate(service);
        if (errors.Count > 0)
        {
            throw new CatalogValidationException(errors);
        }
    }

    public const string Channel = "incidenthub_catalog";

    public async Task<IReadOnlyList<CatalogEntryView>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entries = await db.CatalogServices.AsNoTracking().OrderBy(e => e.Name).ToListAsync(ct);
        return entries.Select(View).ToList();
    }

    public async Task<CatalogEntryView?> GetAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = name.Trim().ToLowerInvariant();
        var entry = await db.CatalogServices.AsNoTracking().SingleOrDefaultAsync(e => e.Name == key, ct);
        return entry is null ? null : View(entry);
    }

    /// <summary>
    /// Creates or replaces an entry edited by a person. <paramref name="originalName"/> renames:
    /// the old row goes, the new one comes. Throws <see cref="CatalogValidationException"/> when invalid.
    /// </summary>
    public async Task<CatalogEntryView> SaveAsync(ServiceDefinition service, AuditActor actor, string? originalName = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        Permissions.Demand(actor, Policies.Admin, "edit the catalog");
        var by = actor.Name;
        service.Name = (service.Name ?? "").Trim();
        ThrowIfInvalid(service);
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var oldKey = originalName?.Trim().ToLowerInvariant();
        ServiceDefinition? before = null;
        if (oldKey is not null && oldKey != service.Name)
        {
            if (await db.CatalogServices.AnyAsync(e => e.Name == service.Name, ct))
            {
                throw new CatalogValidationException([$"name: a service named '{service.Name}' already exists."]);
            }

            before = (await db.CatalogServices.AsNoTracking().SingleOrDefaultAsync(e => e.Name == oldKey, ct))?.ToService();
            await db.CatalogServices.Where(e => e.Name == oldKey).ExecuteDeleteAsync(ct);
        }

        var entry = await db.CatalogServices.SingleOrDefaultAsync(e => e.Name == service.Name, ct);
        if (entry is null)
        {
            entry = CatalogEntry.Create(service, CatalogOrigin.Edited, by, now);
            db.CatalogServices.Add(entry);
        }
        else
        {
            before = entry.ToService();
            entry.Update(service, CatalogOrigin.Edited, by, now);
        }

        audit.Add(db, new AuditRecord(actor, "catalog.service.saved", $"service:{entry.Name}", before, entry.ToService(),
            Detail: before is not null && before.Name != entry.Name ? $"Renamed from {before.Name}." : null));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("Catalog entry {Name} saved by {By}", service.Name, by);
        await ChangedAsync(ct);
        return View(entry);
    }

    /// <summary>Creates or replaces entries written by a machine (a bundle import): origin Bundle.</summary>
    public async Task UpsertAsync(IReadOnlyList<ServiceDefinition> services, CatalogOrigin origin, string by, CancellationToken ct = default)
    {
        foreach (var service in services)
        {
            ThrowIfInvalid(service);
        }

        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var names = services.Select(s => s.Name).ToList();
        var existing = await db.CatalogServices.Where(e => names.Contains(e.Name)).ToDictionaryAsync(e => e.Name, ct);
        foreach (var service in services)
        {
            var before = existing.TryGetValue(service.Name, out var entry) ? entry.ToService() : null;
            if (entry is not null)
            {
                entry.Update(service, origin, by, now);
            }
            else
            {
                entry = CatalogEntry.Create(service, origin, by, now);
                db.CatalogServices.Add(entry);
            }

            audit.Add(db, new AuditRecord(AuditActor.System(by), "catalog.service.imported", $"service:{entry.Name}", before, entry.ToService()));
        }

        await db.SaveChangesAsync(ct);
        await ChangedAsync(ct);
    }

    public async Task<bool> DeleteAsync(string name, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Admin, "delete catalog entries");
        var by = actor.Name;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var key = name.Trim().ToLowerInvariant();
        var before = (await db.CatalogServices.AsNoTracking().SingleOrDefaultAsync(e => e.Name == key, ct))?.ToService();
        var deleted = await db.CatalogServices.Where(e => e.Name == key).ExecuteDeleteAsync(ct);
        if (deleted > 0)
        {
            audit.Add(db, new AuditRecord(actor, "catalog.service.deleted", $"service:{key}", Before: before));
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        if (deleted > 0)
        {
            logger.LogInformation("Catalog entry {Name} deleted by {By}", key, by);
            await ChangedAsync(ct);
        }

        return deleted > 0;
    }

    /// <summary>
    /// Loads seed-data/services.yaml. Rule: an entry missing from the table is added; an entry still
    /// as the seed left it (origin Seed) follows the file; an entry edited in the UI/API or written by a
    /// bundle import is kept as it is (the database wins once a person or an import changed it).
    /// Entries in the file that are invalid are skipped with a warning; nothing is deleted.
    /// </summary>
    public async Task<CatalogSeedResult> SeedFromYamlAsync(string path, CancellationToken ct = default)
    {
        var services = CatalogYaml.ParseFile(await File.ReadAllTextAsync(path, ct));
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var existing = await db.CatalogServices.ToDictionaryAsync(e => e.Name, ct);
        int added = 0, updated = 0, kept = 0;
        foreach (var service in services)
        {
            service.Name = service.Name.Trim();
            var errors = CatalogValidation.Validate(service);
            if (errors.Count > 0)
            {
                logger.LogWarning("Skipped catalog entry {Name} in {Path}: {Errors}", service.Name, path, string.Join(" ", errors));
                continue;
            }

            // The seed file is the operator's own configuration: a source outside the roots or hosts is loaded but
            // refused when it would be read or called (the connectors check again), and said here.
            if (CatalogValidation.ValidateSources(service, fileRoots, outbound) is { Count: > 0 } refused)
            {
                logger.LogWarning("Catalog entry {Name} in {Path} names sources that will be refused: {Errors}", service.Name, path, string.Join(" ", refused));
            }

            if (!existing.TryGetValue(service.Name, out var entry))
            {
                db.CatalogServices.Add(CatalogEntry.Create(service, CatalogOrigin.Seed, "seed", now));
                added++;
            }
            else if (entry.Origin != CatalogOrigin.Seed)
            {
                kept++;
            }
            else if (!entry.SameAs(service))
            {
                entry.Update(service, CatalogOrigin.Seed, "seed", now);
                updated++;
            }
        }

        await db.SaveChangesAsync(ct);
        logger.LogInformation("Service catalog seeded from {Path}: {Added} added, {Updated} updated, {Kept} kept (edited)", path, added, updated, kept);
        await ChangedAsync(ct);
        return new CatalogSeedResult(added, updated, kept);
    }

    /// <summary>This process reloads now; the others on the notification.</summary>
    private async Task ChangedAsync(CancellationToken ct)
    {
        await catalog.ReloadAsync(ct);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT pg_notify(@channel, 'changed')");
            command.Parameters.AddWithValue("channel", Channel);
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // Committed; other processes catch up when their listener reconnects (it reloads then).
            logger.LogWarning(ex, "Could not notify other processes of a catalog change");
        }
    }

    private static CatalogEntryView View(CatalogEntry e) => new(e.ToService(), e.Origin, e.UpdatedAt, e.UpdatedBy);
}
