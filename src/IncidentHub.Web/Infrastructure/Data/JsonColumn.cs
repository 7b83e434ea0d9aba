using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Infrastructure.Data;

/// <summary>Stores a string dictionary (labels, annotations, headers) as a jsonb column.</summary>
public static class JsonColumn
{
    /// <remarks>
    /// Change detection compares every tracked dictionary on each save, so equality and hashing allocate
    /// nothing (a LINQ Except here was most of ingestion's garbage). Both ignore entry order.
    /// </remarks>
    private static readonly ValueComparer<Dictionary<string, string>> DictionaryComparer = new(
        (a, b) => SameEntries(a, b),
        d => HashOf(d),
        d => new Dictionary<string, string>(d));

    private static bool SameEntries(Dictionary<string, string>? a, Dictionary<string, string>? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null || a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static int HashOf(Dictionary<string, string> d)
    {
        var hash = d.Count;
        foreach (var (key, value) in d)
        {
            hash ^= HashCode.Combine(key.GetHashCode(StringComparison.Ordinal), value.GetHashCode(StringComparison.Ordinal));
        }

        return hash;
    }

    public static PropertyBuilder<Dictionary<string, string>> IsJsonDictionary(this PropertyBuilder<Dictionary<string, string>> property) =>
        property
            .HasColumnType("jsonb")
            .HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
                v => JsonSerializer.Deserialize<Dictionary<string, string>>(v, JsonSerializerOptions.Default) ?? new Dictionary<string, string>(),
                DictionaryComparer);

    /// <summary>Stores a record (rules, settings) as a jsonb column; equal when their JSON is equal.</summary>
    public static PropertyBuilder<T> IsJsonRecord<T>(this PropertyBuilder<T> property)
        where T : class =>
        property
            .HasColumnType("jsonb")
            .HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
                v => JsonSerializer.Deserialize<T>(v, JsonSerializerOptions.Default)!,
                new ValueComparer<T>(
                    (a, b) => JsonSerializer.Serialize(a, JsonSerializerOptions.Default) == JsonSerializer.Serialize(b, JsonSerializerOptions.Default),
                    v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default).GetHashCode(StringComparison.Ordinal),
                    v => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(v, JsonSerializerOptions.Default), JsonSerializerOptions.Default)!));
}
