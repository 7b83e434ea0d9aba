using System.Globalization;
using System.Text;
using IncidentHub.Analysis.Incidents;

namespace IncidentHub.Web.Features.Response.StatusUpdates;

/// <summary>Who reads a status update.</summary>
public enum StatusAudience
{
    /// <summary>People inside the company: support, account managers, leadership.</summary>
    Internal,

    /// <summary>Customers (a status page, an announcement list).</summary>
    Public,
}

/// <summary>What a draft is written from: the incident's recorded facts, never its raw alert or log text (see <see cref="StatusDrafts"/>).</summary>
public sealed record StatusFacts(
    string Reference,
    Severity Severity,
    IncidentState State,
    string? Service,
    DateTimeOffset Since,
    DateTimeOffset Now,
    string? Owner,
    string? Commander,
    string? Cause,
    IReadOnlyList<string> ActionsTaken);

public sealed record StatusDraft(StatusAudience Audience, string Subject, string Body, DateTimeOffset NextUpdate);

/// <summary>
/// Drafts of stakeholder updates, for a person to edit before anything is sent. The internal draft may name the
/// diagnosed cause and the actions taken. The public draft is built only from structured fields (service name, phase,
/// times): an alert title, a diagnosis line or a log excerpt can carry hostnames, customer data or an attacker's text,
/// so none of it is put into what customers read; a person adds detail by editing.
/// </summary>
public static class StatusDrafts
{
    /// <summary>The next update is promised sooner the worse it is.</summary>
    public static TimeSpan Cadence(Severity severity) => severity switch
    {
        Severity.P0 => TimeSpan.FromMinutes(30),
        Severity.P1 => TimeSpan.FromMinutes(60),
        _ => TimeSpan.FromMinutes(120),
    };

    public static StatusDraft Draft(StatusFacts facts, StatusAudience audience)
    {
        var next = facts.State == IncidentState.Resolved ? facts.Now : facts.Now + Cadence(facts.Severity);
        return audience == StatusAudience.Public ? Public(facts, next) : Internal(facts, next);
    }

    private static StatusDraft Public(StatusFacts facts, DateTimeOffset next)
    {
        var what = facts.Service is { Length: > 0 } service ? service : "one of our services";
        var (phase, doing) = PublicPhase(facts.State);
        var body = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{phase}: {Capitalise(what)} is affected.")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Since {Utc(facts.Since)}, some requests to {what} may fail or be slow.")
            .AppendLine(doing);
        if (facts.State != IncidentState.Resolved)
        {
            body.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Next update by {Utc(next)}.");
        }

        return new StatusDraft(StatusAudience.Public, $"{phase}: {what}", body.ToString().TrimEnd(), next);
    }

    private static StatusDraft Internal(StatusFacts facts, DateTimeOffset next)
    {
        var body = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{facts.Reference} ({facts.Severity}) · {facts.Service ?? "service unknown"} · {facts.State}")
            .AppendLine(CultureInfo.InvariantCulture, $"Impact since {Utc(facts.Since)} ({Minutes(facts.Now - facts.Since)}).")
            .AppendLine(CultureInfo.InvariantCulture, $"Cause: {facts.Cause ?? "not known yet"}.");
        if (facts.ActionsTaken.Count > 0)
        {
            body.AppendLine("Done so far:");
            foreach (var action in facts.ActionsTaken)
            {
                body.AppendLine(CultureInfo.InvariantCulture, $"- {action}");
            }
        }

        body.AppendLine(CultureInfo.InvariantCulture, $"Owner: {facts.Owner ?? "not assigned"}; incident commander: {facts.Commander ?? "not assigned"}.");
        if (facts.State != IncidentState.Resolved)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"Next update by {Utc(next)}.");
        }

        return new StatusDraft(StatusAudience.Internal, $"[{facts.Severity}] {facts.Reference} {facts.Service ?? ""}: {facts.State}".Replace("  ", " ", StringComparison.Ordinal),
            body.ToString().TrimEnd(), next);
    }

    private static (string Phase, string Doing) PublicPhase(IncidentState state) => state switch
    {
        IncidentState.Resolved => ("Resolved", "The issue is resolved and the service is working normally. We will share what happened."),
        IncidentState.Monitoring => ("Monitoring", "A fix is in place and we are watching the recovery."),
        IncidentState.Mitigating => ("Identified", "We have found the cause and are applying a fix."),
        IncidentState.AwaitingApproval => ("Identified", "We have found the likely cause and are preparing a fix."),
        _ => ("Investigating", "We are investigating."),
    };

    private static string Utc(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Minutes(TimeSpan span) => span.TotalMinutes < 1 ? "under a minute" : $"{(int)span.TotalMinutes} min";

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
