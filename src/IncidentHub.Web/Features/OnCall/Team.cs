using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.OnCall;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.OnCall;

/// <summary>
/// A team owns services: a catalog entry's <c>owner</c> (or <c>owner_email</c>) naming the team's slug, name or one of
/// its <see cref="OwnerAliases"/> makes the team its owner, so existing catalogs keep working unchanged. The team has an
/// on-call rotation, an escalation policy and routing rules (which channels hear about which severities).
/// </summary>
public sealed class Team
{
    public Guid Id { get; set; }

    /// <summary>URL name, e.g. "payments"; unique.</summary>
    public string Slug { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>Catalog owner names and emails that mean this team ("payments-team", "payments@example.com").</summary>
    public List<string> OwnerAliases { get; set; } = [];

    /// <summary>IANA time zone of the handoff (e.g. Europe/Berlin).</summary>
    public string TimeZone { get; set; } = "UTC";

    public RotationKind Rotation { get; set; } = RotationKind.Weekly;
    public TimeOnly Handoff { get; set; } = new(9, 0);
    public DateOnly RotationStart { get; set; } = new(2026, 1, 5);

    /// <summary>Who level 2 pages: the secondary (next on call) or the team lead.</summary>
    public EscalationTarget Level2 { get; set; } = EscalationTarget.Secondary;

    public int Level2AfterMinutes { get; set; } = 10;
    public int Level3AfterMinutes { get; set; } = 15;

    /// <summary>Level 3: an email address (a manager, an incident commander rota).</summary>
    public string? EscalationContact { get; set; }

    /// <summary>After the last level, start again from level 1 this many minutes later, for <see cref="Rounds"/> rounds.</summary>
    public int RepeatAfterMinutes { get; set; } = 15;

    public int Rounds { get; set; } = 3;

    /// <summary>Incidents this severe or worse page the on-call person; milder ones only post to channels.</summary>
    public Severity PageUpTo { get; set; } = Severity.P1;

    /// <summary>Local times between which P3 messages are not sent (e.g. 20:00–08:00); both null: no quiet hours.</summary>
    public TimeOnly? QuietFrom { get; set; }

    public TimeOnly? QuietUntil { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<TeamMember> Members { get; set; } = [];
    public List<TeamRoute> Routes { get; set; } = [];
    public List<TeamOverride> Overrides { get; set; } = [];

    public EscalationPolicy Policy() =>
        new([new(EscalationTarget.OnCall, 0), new(Level2, Level2AfterMinutes), new(EscalationTarget.Contact, Level3AfterMinutes)], RepeatAfterMinutes, Rounds);

    public ScheduleSpec Schedule() =>
        new(Rotation, Handoff, TimeZone, RotationStart,
            Members.Where(m => m.RotationOrder is not null).OrderBy(m => m.RotationOrder).Select(m => m.Name).ToList(),
            Overrides.Select(o => new ScheduleOverride(o.Person, o.StartsAt, o.EndsAt)).ToList());

    /// <summary>Whether a P3 message at <paramref name="at"/> falls in the team's quiet hours (local time; may span midnight).</summary>
    public bool IsQuiet(DateTimeOffset at)
    {
        if (QuietFrom is not { } from || QuietUntil is not { } until)
        {
            return false;
        }

        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(TimeZone)).DateTime);
        return from <= until ? local >= from && local < until : local >= from || local < until;
    }
}

/// <summary>A person of a team: an IncidentHub user when <see cref="Email"/> is a user's, or a contact otherwise.</summary>
public sealed class TeamMember
{
    public Guid Id { get; set; }
    public Guid TeamId { get; set; }
    public string Name { get; set; } = "";
    public string? Email { get; set; }

    /// <summary>Their Slack user id (U…): @-mentioned when paged; Slack buttons they press act as their IncidentHub user.</summary>
    public string? SlackUserId { get; set; }

    /// <summary>Position in the rotation (0 first); null: not on call by rotation.</summary>
    public int? RotationOrder { get; set; }

    public bool IsLead { get; set; }
}

/// <summary>Notices about incidents of severity <see cref="UpTo"/> or worse go to the channel.</summary>
public sealed class TeamRoute
{
    public Guid Id { get; set; }
    public Guid TeamId { get; set; }
    public Guid ChannelId { get; set; }
    public Severity UpTo { get; set; } = Severity.P3;
}

/// <summary>Someone covers a stretch of the rotation.</summary>
public sealed class TeamOverride
{
    public Guid Id { get; set; }
    public Guid TeamId { get; set; }
    public string Person { get; set; } = "";
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    public string CreatedBy { get; set; } = "";
}

/// <summary>Paging of one incident: which steps of the team's policy were sent; stopped by an acknowledgement or resolution.</summary>
public sealed class Escalation
{
    public Guid IncidentId { get; set; }
    public Guid TeamId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public int StepsSent { get; set; }
    public DateTimeOffset? StoppedAt { get; set; }
    public string? StopReason { get; set; }
}

internal sealed class TeamConfiguration : IEntityTypeConfiguration<Team>, IEntityTypeConfiguration<TeamMember>, IEntityTypeConfiguration<TeamRoute>,
    IEntityTypeConfiguration<TeamOverride>, IEntityTypeConfiguration<Escalation>
{
    public void Configure(EntityTypeBuilder<Team> builder)
    {
        builder.ToTable("teams");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Slug).HasMaxLength(60);
        builder.HasIndex(t => t.Slug).IsUnique();
        builder.Property(t => t.Name).HasMaxLength(200);
        builder.Property(t => t.OwnerAliases).HasColumnType("text[]");
        builder.Property(t => t.TimeZone).HasMaxLength(100);
        builder.Property(t => t.Rotation).HasConversion<string>().HasMaxLength(20);
        builder.Property(t => t.Level2).HasConversion<string>().HasMaxLength(20);
        builder.Property(t => t.PageUpTo).HasConversion<string>().HasMaxLength(4);
        builder.Property(t => t.EscalationContact).HasMaxLength(300);
        builder.HasMany(t => t.Members).WithOne().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(t => t.Routes).WithOne().HasForeignKey(r => r.TeamId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(t => t.Overrides).WithOne().HasForeignKey(o => o.TeamId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<TeamMember> builder)
    {
        builder.ToTable("team_members");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Name).HasMaxLength(200);
        builder.Property(m => m.Email).HasMaxLength(300);
        builder.Property(m => m.SlackUserId).HasMaxLength(40);
        builder.HasIndex(m => m.SlackUserId);
    }

    public void Configure(EntityTypeBuilder<TeamRoute> builder)
    {
        builder.ToTable("team_routes");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.UpTo).HasConversion<string>().HasMaxLength(4);
    }

    public void Configure(EntityTypeBuilder<TeamOverride> builder)
    {
        builder.ToTable("team_overrides");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Person).HasMaxLength(200);
        builder.Property(o => o.CreatedBy).HasMaxLength(256);
    }

    public void Configure(EntityTypeBuilder<Escalation> builder)
    {
        builder.ToTable("escalations");
        builder.HasKey(e => e.IncidentId);
        builder.Property(e => e.StopReason).HasMaxLength(300);
        builder.HasIndex(e => e.StoppedAt);
    }
}
