using System.Globalization;
using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.CodeFix;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Features.Remediation.Executors;
using IncidentHub.Web.Features.Reports.Email;

namespace IncidentHub.Web.Features.Remediation;

/// <summary>What running one action did: whether it worked, in words for the timeline, and what it made outside.</summary>
public sealed record ActionOutcome(bool Succeeded, string Result, string? ExternalRef = null);

/// <summary>
/// Runs one approved action with the executor of its tool. Every path is safe to run twice for the same action:
/// a silence is found by its marker before one is created, a runbook call carries the action id as its
/// Idempotency-Key, a page is one outbox message per action.
/// </summary>
public sealed class ActionRunner(
    AlertmanagerSilences silences,
    RunbookWebhooks runbooks,
    PostconditionVerifier verifier,
    OutboxService outbox,
    CodeFixPublisher codeFixes,
    ServiceCatalog catalog,
    TimeProvider clock,
    IEnumerable<ITeamPaging>? teamPaging = null)
{
    public async Task<ActionOutcome> RunAsync(PlanAction action, string incident, string? service, CancellationToken ct)
    {
        switch (action.Tool)
        {
            case ToolRegistry.Silence:
                return await SilenceAsync(action, incident, ct);
            case var tool when ToolRegistry.RunbookTools.Contains(tool):
                var result = await runbooks.CallAsync(new RunbookCall(incident, action.Id, action.Tool, action.Target, action.Arguments), ct);
                return new ActionOutcome(result.Succeeded, Describe(result));
            case ToolRegistry.QueryMetric:
                var reading = await verifier.VerifyAsync(Postcondition.Metric(action.Arguments["query"], ">=", double.MinValue, TimeSpan.FromMinutes(5)), clock.GetUtcNow(), ct);
                return reading.Outcome == VerificationOutcome.CouldNotCheck
                    ? new ActionOutcome(false, $"could not query: {reading.Reason}")
                    : new ActionOutcome(true, reading.Samples == 0 ? "no data in the last 5 min" : $"{reading.Samples} sample(s) in the last 5 min; highest {reading.WorstValue?.ToString("0.####", CultureInfo.InvariantCulture)}");
            case ToolRegistry.CheckHealth:
                var check = await verifier.VerifyAsync(Postcondition.Health(action.Arguments["url"], TimeSpan.Zero), clock.GetUtcNow(), ct);
                return new ActionOutcome(check.Outcome != VerificationOutcome.CouldNotCheck, check.Reason);
            case ToolRegistry.PageOwner:
                return await PageAsync(action, incident, service, ct);
            case ToolRegistry.RevertCommit or ToolRegistry.ChangeConfig:
                var published = await codeFixes.PublishAsync(action.IncidentId, action.Arguments["patch_sha256"], action.Id, action.DecidedBy, ct);
                return new ActionOutcome(published.Succeeded, published.Result, published.Reference);
            default:
                return new ActionOutcome(false, $"no executor for '{action.Tool}'; nothing was run");
        }
    }

    /// <summary>Undoes what a REVERSIBLE action made, where the tool can: a silence expires; a runbook action is called again with rollback=true.</summary>
    public async Task<ActionOutcome> RollBackAsync(PlanAction action, string incident, CancellationToken ct)
    {
        if (action.Tool == ToolRegistry.Silence)
        {
            if (action.ExternalRef is not { } id)
            {
                return new ActionOutcome(false, "no silence id was recorded");
            }

            try
            {
                await silences.ExpireAsync(id, ct);
                return new ActionOutcome(true, $"silence {id} expired");
            }
            catch (AlertmanagerException ex)
            {
                return new ActionOutcome(false, ex.Message);
            }
        }

        if (ToolRegistry.RunbookTools.Contains(action.Tool))
        {
            var arguments = new Dictionary<string, string>(action.Arguments) { ["rollback"] = "true" };
            var result = await runbooks.CallAsync(new RunbookCall(incident, action.Id, action.Tool, action.Target, arguments), ct);
            return new ActionOutcome(result.Succeeded, Describe(result));
        }

        return new ActionOutcome(false, $"{action.Tool} has no automatic rollback; {action.Rollback}");
    }

    private async Task<ActionOutcome> SilenceAsync(PlanAction action, string incident, CancellationToken ct)
    {
        try
        {
            var marker = SilenceSpec.MarkerFor(incident, action.Id);
            if (await silences.FindActiveAsync(marker, ct) is { } existing)
            {
                return new ActionOutcome(true, $"silence {existing} already exists (made by an earlier run of this action)", existing);
            }

            var now = clock.GetUtcNow();
            var minutes = int.Parse(action.Arguments["duration_minutes"], CultureInfo.InvariantCulture);
            var id = await silences.CreateAsync(new SilenceSpec(action.Arguments["matchers"], now, now.AddMinutes(minutes), action.DecidedBy ?? "incidenthub",
                incident, action.Id, action.Title), ct);
            return new ActionOutcome(true, $"silence {id} on {action.Arguments["matchers"]} until {now.AddMinutes(minutes):HH:mm} UTC", id);
        }
        catch (AlertmanagerException ex)
        {
            return new ActionOutcome(false, ex.Message);
        }
    }

    private async Task<ActionOutcome> PageAsync(PlanAction action, string incident, string? service, CancellationToken ct)
    {
        // A team that owns the service pages by its escalation policy; only a service no team owns is paged by email here.
        foreach (var paging in teamPaging ?? [])
        {
            if (await paging.PageAsync(action.IncidentId, service, ct) is { } paged)
            {
                return paged;
            }
        }

        var email = catalog.Find(service)?.OwnerEmail;
        if (string.IsNullOrWhiteSpace(email))
        {
            return new ActionOutcome(false, $"nobody paged: the catalog has no owner_email for {service ?? "this incident's service"}");
        }

        // The same key as the opening notice's page of the owner: whichever comes first emails them, the other finds it.
        var id = await outbox.EnqueueAsync(ChannelService.EmailKey(ChannelService.OwnerPage(action.IncidentId)), action.IncidentId, [email], $"{incident} needs {action.Target}",
            $"{incident} was paged to {action.Target} by IncidentHub's plan: {action.Title}.", null, null, null, null, ct);
        return new ActionOutcome(true, $"paged {action.Target} at {email} (outbox message {id}{(outbox.SmtpConfigured ? "" : ", waiting: SMTP is not configured")})");
    }

    // The detail already names the status, the attempts and the time taken.
    private static string Describe(RunbookResult r) =>
        r.Detail + (string.IsNullOrWhiteSpace(r.ResponseExcerpt) ? "" : $"; answer: {r.ResponseExcerpt}");
}
