using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Infrastructure.Data;

/// <summary>Stores a string dictionary (labels, annotations, headers) as a jsonb column.</summary>
public static class JsonColumn
{
    private static readonly ValueComparer<Dictionary<string, string>> DictionaryComparer = new(
        (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
        d => d.Aggregate(0, (hash, pair) => HashCode.Combine(hash, pair.Key.GetHashCode(StringComparison.Ordinal), pair.Value.GetHashCode(StringComparison.Ordinal))),
        d => new Dictionary<string, string>(d));

    public static PropertyBuilder<Dictionary<string, string>> IsJsonDictionary(this PropertyBuilder<Dictionary<string, string>> property) =>
        property
            .HasColumnType("jsonb")
            .HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
                v => JsonSerializer.Deserialize<Dictionary<string, string>>(v, JsonSerializerOptions.Default) ?? new Dictionary<string, string>(),
                DictionaryComparer);
}
