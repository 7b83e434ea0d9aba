using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using IncidentHub.Web.Infrastructure.Errors;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>
/// A maintenance window: while it is active, alerts whose labels match all its matchers are
/// stored and visible but open no incident. Incidents already open are left as they are.
/// </summary>
public sealed class Silence
{
    private Silence()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>Label equality matchers, e.g. service=checkout, env=prod. All must match.</summary>
    public Dictionary<string, string> Matchers { get; private set; } = [];

    public DateTimeOffset StartsAt { get; private set; }
    public DateTimeOffset EndsAt { get; private set; }
    public string Reason { get; private set; } = "";
    public string CreatedBy { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }

    public static Silence Create(Dictionary<string, string> matchers, DateTimeOffset startsAt, DateTimeOffset endsAt, string reason, string by, DateTimeOffset at)
    {
        if (matchers.Count == 0)
        {
            throw new InvalidInputException("A maintenance window needs at least one label matcher (for example service=checkout).", "Invalid maintenance window");
        }

        if (endsAt <= startsAt)
        {
            throw new InvalidInputException("A maintenance window must end after it starts.", "Invalid maintenance window");
        }

        return new Silence
        {
            Id = Guid.CreateVersion7(),
            Matchers = matchers,
            StartsAt = startsAt,
            EndsAt = endsAt,
            Reason = reason.Trim(),
            CreatedBy = by,
            CreatedAt = at,
        };
    }

    public bool IsActive(DateTimeOffset at) => StartsAt <= at && at < EndsAt;

    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        Matchers.All(m => labels.TryGetValue(m.Key, out var value) && string.Equals(value, m.Value, StringComparison.OrdinalIgnoreCase));

    /// <summary>Ends the window now (it stays in the list as history).</summary>
    public void Expire(DateTimeOffset at) => EndsAt = at < EndsAt ? at : EndsAt;

    public string Describe() => string.Join(", ", Matchers.Select(m => $"{m.Key}={m.Value}"));

    /// <summary>Parses "service=checkout, env=prod" into matchers; says which part is wrong.</summary>
    public static Dictionary<string, string> ParseMatchers(string text)
    {
        var matchers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == part.Length - 1)
            {
                throw new InvalidInputException($"'{part}' is not a label matcher; write label=value, separated by commas.", "Invalid maintenance window");
            }

            matchers[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }

        return matchers;
    }
}

internal sealed class SilenceConfiguration : IEntityTypeConfiguration<Silence>
{
    public void Configure(EntityTypeBuilder<Silence> builder)
    {
        builder.ToTable("silences");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Matchers).IsJsonDictionary();
        builder.Property(s => s.Reason).HasMaxLength(500);
        builder.Property(s => s.CreatedBy).HasMaxLength(256);
        builder.HasIndex(s => s.EndsAt);
    }
}
