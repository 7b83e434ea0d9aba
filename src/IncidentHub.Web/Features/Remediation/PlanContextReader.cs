using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Remediation;

/// <summary>The facts a plan may use, each with where it came from: the catalog, deploy records, git, alert labels.</summary>
public sealed record PlanFacts(PlanContext Context, long DiagnosisId, string? OwnerEmail, string? EscalationEmail, string? CodeFix = null);

/// <summary>
/// Reads the typed values a playbook fills its actions from. Nothing here is taken from log lines or from the
/// free text of alerts: labels are read for <c>alertname</c> only, and only when it is a plain identifier.
/// </summary>
public sealed class PlanContextReader(AppDbContext db, ServiceCatalog catalog)
{
    /// <summary>The placeholders playbooks may use.</summary>
    public static readonly IReadOnlyList<string> ValueNames =
        ["incident", "service", "owner", "alertname", "current_version", "previous_version", "suspect_commit", "error_ratio_query", "latency_query", "health_url",
            "repository", "code_fix_title", "revert_patch", "config_key", "config_value", "config_patch"];

    public async Task<PlanFacts?> ReadAsync(Guid incidentId, CancellationToken ct)
    {
        var incident = await db.Incidents.AsNoTracking().Where(i => i.Id == incidentId)
            .Select(i => new { i.Number, i.Service, i.Severity, i.TriggeredAt }).SingleOrDefaultAsync(ct);
        var record = await db.Diagnoses.AsNoTracking().Where(d => d.IncidentId == incidentId && d.IsFinal).OrderByDescending(d => d.Id).FirstOrDefaultAsync(ct);
        if (incident is null || record is null)
        {
            return null;
        }

        var diagnosis = record.Read();
        var values = new Dictionary<string, PlanValue>(StringComparer.Ordinal)
        {
            ["incident"] = new($"INC-{incident.Number}", ValueOrigin.Playbook),
        };

        var serviceName = diagnosis.Triage.Service ?? incident.Service;
        var service = catalog.Find(serviceName);
        if (service is not null)
        {
            values["service"] = new(service.Name, ValueOrigin.Catalog);
            Add(values, "owner", service.Owner, ValueOrigin.Catalog);
            Add(values, "error_ratio_query", service.Metrics.FirstOrDefault(m => m.Role == "error_ratio" && m.Source == "prometheus")?.Query, ValueOrigin.Catalog);
            Add(values, "latency_query", service.Metrics.FirstOrDefault(m => m.Role == "latency" && m.Source == "prometheus")?.Query, ValueOrigin.Catalog);
            Add(values, "health_url", service.HealthUrls.FirstOrDefault(), ValueOrigin.Catalog);
        }
        else if (Identifier(serviceName))
        {
            values["service"] = new(serviceName!, ValueOrigin.AlertLabel);
        }

        var alertName = await db.Alerts.AsNoTracking().Where(a => a.IncidentId == incidentId).OrderBy(a => a.FirstSeenAt)
            .Select(a => a.Labels).FirstOrDefaultAsync(ct);
        if (alertName?.GetValueOrDefault("alertname") is { } name && Identifier(name))
        {
            values["alertname"] = new(name, ValueOrigin.AlertLabel);
        }

        if (values.TryGetValue("service", out var svc))
        {
            // The version running when the alert fired and the one before it, from deploy records.
            var deploys = (await db.Deploys.AsNoTracking().Where(d => d.Service == svc.Value && d.At <= incident.TriggeredAt)
                .OrderByDescending(d => d.At).ThenByDescending(d => d.Id).Select(d => d.Version).Take(50).ToListAsync(ct))
                .Distinct().Take(2).ToList();
            if (deploys.Count > 0)
            {
                values["current_version"] = new(deploys[0], ValueOrigin.DeployRecord);
            }

            if (deploys.Count > 1)
            {
                values["previous_version"] = new(deploys[1], ValueOrigin.DeployRecord);
            }
        }

        if (diagnosis.Suspect?.Commit is { Length: >= 7 } commit && commit.All(char.IsAsciiHexDigit))
        {
            values["suspect_commit"] = new(commit, ValueOrigin.Repository);
        }

        // The code-analysis agent's best tested fix for this diagnosis: its patch hash is what a code action carries and an approval binds.
        var codeFix = await db.CodeAnalyses.AsNoTracking().Include(a => a.Candidates)
            .Where(a => a.IncidentId == incidentId && a.DiagnosisId == record.Id).SingleOrDefaultAsync(ct);
        if (codeFix?.Best() is { } fix)
        {
            values["repository"] = new(codeFix.GitHubRepository ?? $"{codeFix.Service} (local clone)", ValueOrigin.Catalog);
            values["code_fix_title"] = new(fix.Title, ValueOrigin.Repository);
            if (fix.Kind == IncidentHub.Analysis.CodeFix.FixKind.RestoreConfigValue && fix.ConfigKey is { } key && fix.ConfigValue is { } value)
            {
                values["config_key"] = new(key, ValueOrigin.Repository);
                values["config_value"] = new(value, ValueOrigin.Repository);
                values["config_patch"] = new(fix.PatchHash, ValueOrigin.Repository);
            }
            else
            {
                values["revert_patch"] = new(fix.PatchHash, ValueOrigin.Repository);
            }
        }

        var evidence = await db.Observations.AsNoTracking().Where(o => o.IncidentId == incidentId)
            .Select(o => new { o.Id, o.Kind }).ToListAsync(ct);
        var byKind = evidence.GroupBy(o => o.Kind.ToString())
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.OrderBy(o => o.Id).Select(o => $"obs-{o.Id}").Take(10).ToList());
        var context = new PlanContext($"INC-{incident.Number}", diagnosis.Triage.Severity, values.GetValueOrDefault("service")?.Value, diagnosis.Category,
            diagnosis.Unknown, diagnosis.Confidence, values, byKind.Keys.ToList(), byKind);
        return new PlanFacts(context, record.Id, service?.OwnerEmail, service?.EscalationEmail, codeFix?.Best()?.PatchHash);
    }

    private static void Add(Dictionary<string, PlanValue> values, string name, string? value, ValueOrigin origin)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            values[name] = new(value, origin);
        }
    }

    /// <summary>A label value used in an action must be a plain name (letters, digits, . _ -), never a sentence.</summary>
    private static bool Identifier(string? value) =>
        value is { Length: > 0 and <= 100 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
