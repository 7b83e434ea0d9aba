using System.Text.Json;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Catalog;

/// <summary>Where a catalog entry's current content came from; decides whether the YAML seed may overwrite it.</summary>
public enum CatalogOrigin
{
    /// <summary>From seed-data/services.yaml and never changed since: the file still wins at start.</summary>
    Seed,

    /// <summary>Edited in the UI or through the API: kept as is, the file no longer touches it.</summary>
    Edited,

    /// <summary>Written by a bundle import (log, metric and repository sources of the stored files).</summary>
    Bundle,
}

/// <summary>One row of catalog_services: a <see cref="ServiceDefinition"/> plus who last wrote it.</summary>
public sealed class CatalogEntry
{
    private CatalogEntry()
    {
    }

    public string Name { get; private set; } = "";
    public int Tier { get; private set; }
    public string? Owner { get; private set; }
    public string? OwnerEmail { get; private set; }
    public string? EscalationEmail { get; private set; }
    public string? Description { get; private set; }
    public List<string> DependsOn { get; private set; } = [];
    public Dictionary<string, string> Match { get; private set; } = [];
    public ServiceRepository? Repository { get; private set; }
    public List<LogSourceConfig> Logs { get; private set; } = [];
    public List<MetricQueryConfig> Metrics { get; private set; } = [];
    public List<string> HealthUrls { get; private set; } = [];
    public List<string> Runbooks { get; private set; } = [];
    public CatalogOrigin Origin { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public string UpdatedBy { get; private set; } = "";

    public static CatalogEntry Create(ServiceDefinition service, CatalogOrigin origin, string by, DateTimeOffset at)
    {
        var entry = new CatalogEntry { Name = service.Name.Trim() };
        entry.Update(service, origin, by, at);
        return entry;
    }

    /// <summary>Replaces every field (the name stays: it is the key).</summary>
    public void Update(ServiceDefinition service, CatalogOrigin origin, string by, DateTimeOffset at)
    {
        var copy = Clone(service);
        Tier = copy.Tier;
        Owner = Blank(copy.Owner);
        OwnerEmail = Blank(copy.OwnerEmail);
        EscalationEmail = Blank(copy.EscalationEmail);
        Description = Blank(copy.Description);
        DependsOn = copy.DependsOn.Select(d => d.Trim()).Where(d => d.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        Match = copy.Match;
        Repository = copy.Repository;
        Logs = copy.Logs;
        Metrics = copy.Metrics;
        HealthUrls = copy.HealthUrls;
        Runbooks = copy.Runbooks;
        Origin = origin;
        UpdatedBy = by.Length > 200 ? by[..200] : by;
        UpdatedAt = at;
    }

    public ServiceDefinition ToService() => Clone(new ServiceDefinition
    {
        Name = Name,
        Tier = Tier,
        Owner = Owner,
        OwnerEmail = OwnerEmail,
        EscalationEmail = EscalationEmail,
        Description = Description,
        DependsOn = DependsOn,
        Match = Match,
        Repository = Repository,
        Logs = Logs,
        Metrics = Metrics,
        HealthUrls = HealthUrls,
        Runbooks = Runbooks,
    });

    /// <summary>True when the stored content equals this service (the seed skips unchanged rows).</summary>
    public bool SameAs(ServiceDefinition service) =>
        JsonSerializer.Serialize(ToService()) == JsonSerializer.Serialize(Create(service, Origin, UpdatedBy, UpdatedAt).ToService());

    /// <summary>A deep copy, so callers never share lists with the tracked entity or the cache.</summary>
    public static ServiceDefinition Clone(ServiceDefinition service) =>
        JsonSerializer.Deserialize<ServiceDefinition>(JsonSerializer.Serialize(service))!;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

internal sealed class CatalogEntryConfiguration : IEntityTypeConfiguration<CatalogEntry>
{
    public void Configure(EntityTypeBuilder<CatalogEntry> builder)
    {
        builder.ToTable("catalog_services");
        builder.HasKey(e => e.Name);
        builder.Property(e => e.Name).HasMaxLength(100);
        builder.Property(e => e.Owner).HasMaxLength(200);
        builder.Property(e => e.OwnerEmail).HasMaxLength(320);
        builder.Property(e => e.EscalationEmail).HasMaxLength(320);
        builder.Property(e => e.Description).HasMaxLength(2000);
        builder.Property(e => e.UpdatedBy).HasMaxLength(200);
        builder.Property(e => e.Match).IsJsonDictionary();
        builder.Property(e => e.DependsOn).IsJsonList();
        builder.Property(e => e.HealthUrls).IsJsonList();
        builder.Property(e => e.Runbooks).IsJsonList();
        builder.Property(e => e.Logs).IsJsonList();
        builder.Property(e => e.Metrics).IsJsonList();
        builder.Property(e => e.Repository).HasColumnType("jsonb").HasConversion(
            v => v == null ? null : JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
            v => v == null ? null : JsonSerializer.Deserialize<ServiceRepository>(v, JsonSerializerOptions.Default),
            new ValueComparer<ServiceRepository?>(
                (a, b) => JsonSerializer.Serialize(a, JsonSerializerOptions.Default) == JsonSerializer.Serialize(b, JsonSerializerOptions.Default),
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default).GetHashCode(StringComparison.Ordinal),
                v => v == null ? null : JsonSerializer.Deserialize<ServiceRepository>(JsonSerializer.Serialize(v, JsonSerializerOptions.Default), JsonSerializerOptions.Default)));
    }
}

/// <summary>Lists stored as jsonb arrays, compared by their JSON.</summary>
internal static class CatalogJsonColumns
{
    public static PropertyBuilder<List<T>> IsJsonList<T>(this PropertyBuilder<List<T>> property) =>
        property
            .HasColumnType("jsonb")
            .HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
                v => JsonSerializer.Deserialize<List<T>>(v, JsonSerializerOptions.Default) ?? new List<T>(),
                new ValueComparer<List<T>>(
                    (a, b) => JsonSerializer.Serialize(a, JsonSerializerOptions.Default) == JsonSerializer.Serialize(b, JsonSerializerOptions.Default),
                    v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default).GetHashCode(StringComparison.Ordinal),
                    v => JsonSerializer.Deserialize<List<T>>(JsonSerializer.Serialize(v, JsonSerializerOptions.Default), JsonSerializerOptions.Default)!));
}
