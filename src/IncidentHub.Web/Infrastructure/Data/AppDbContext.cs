using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Memory;
using IncidentHub.Web.Features.Reports;
using IncidentHub.Web.Features.Reports.Email;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Infrastructure.Data;

/// <summary>
/// The one database context. Used directly (no repositories); Blazor code creates short-lived
/// instances through IDbContextFactory because circuits live long. Each feature configures its
/// own entities in an IEntityTypeConfiguration next to them.
/// </summary>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    public DbSet<Integration> Integrations => Set<Integration>();
    public DbSet<AlertEvent> AlertEvents => Set<AlertEvent>();
    public DbSet<Alert> Alerts => Set<Alert>();
    public DbSet<Incident> Incidents => Set<Incident>();
    public DbSet<TimelineEntry> Timeline => Set<TimelineEntry>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Silence> Silences => Set<Silence>();
    public DbSet<Observation> Observations => Set<Observation>();
    public DbSet<DiagnosisRecord> Diagnoses => Set<DiagnosisRecord>();
    public DbSet<Features.Investigation.Deploys.Deploy> Deploys => Set<Features.Investigation.Deploys.Deploy>();
    public DbSet<MemoryEntry> MemoryEntries => Set<MemoryEntry>();
    public DbSet<CatalogEntry> CatalogServices => Set<CatalogEntry>();
    public DbSet<Postmortem> Postmortems => Set<Postmortem>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<Features.Remediation.RemediationPlan> Plans => Set<Features.Remediation.RemediationPlan>();
    public DbSet<Features.Remediation.PlanAction> PlanActions => Set<Features.Remediation.PlanAction>();
    public DbSet<Features.Remediation.Playbooks.PlaybookEntry> Playbooks => Set<Features.Remediation.Playbooks.PlaybookEntry>();
    public DbSet<Features.Remediation.Playbooks.SeededPlaybook> SeededPlaybooks => Set<Features.Remediation.Playbooks.SeededPlaybook>();
    public DbSet<Features.Analytics.RolledWeek> RolledWeeks => Set<Features.Analytics.RolledWeek>();
    public DbSet<Features.Analytics.StaleWeek> StaleWeeks => Set<Features.Analytics.StaleWeek>();
    public DbSet<Features.CodeFix.CodeAnalysis> CodeAnalyses => Set<Features.CodeFix.CodeAnalysis>();
    public DbSet<Features.CodeFix.CodeFixCandidate> CodeFixCandidates => Set<Features.CodeFix.CodeFixCandidate>();
    public DbSet<Features.CodeFix.GitHub.GitHubDelivery> GitHubDeliveries => Set<Features.CodeFix.GitHub.GitHubDelivery>();
    public DbSet<Features.Audit.AuditEntry> AuditEntries => Set<Features.Audit.AuditEntry>();
    public DbSet<IncidentLink> IncidentLinks => Set<IncidentLink>();
    public DbSet<Features.Response.StatusUpdates.StatusUpdate> StatusUpdates => Set<Features.Response.StatusUpdates.StatusUpdate>();

    /// <summary>Cookie and antiforgery keys, shared by every web process.</summary>
    public DbSet<Features.Notifications.NotificationChannel> NotificationChannels => Set<Features.Notifications.NotificationChannel>();
    public DbSet<Features.Notifications.NotificationThread> NotificationThreads => Set<Features.Notifications.NotificationThread>();
    public DbSet<Features.OnCall.Team> Teams => Set<Features.OnCall.Team>();
    public DbSet<Features.OnCall.TeamMember> TeamMembers => Set<Features.OnCall.TeamMember>();
    public DbSet<Features.OnCall.TeamRoute> TeamRoutes => Set<Features.OnCall.TeamRoute>();
    public DbSet<Features.OnCall.TeamOverride> TeamOverrides => Set<Features.OnCall.TeamOverride>();
    public DbSet<Features.OnCall.Escalation> Escalations => Set<Features.OnCall.Escalation>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasSequence<int>(IncidentConfiguration.NumberSequence).StartsAt(1001);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums are stored by name: readable in SQL and safe to reorder.
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }
}
