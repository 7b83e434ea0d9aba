using Hangfire;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Remediation.Playbooks;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Jobs;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IncidentHub.Web.Features.Remediation;

/// <summary>
/// Builds the incident's plan from the playbooks after the final diagnosis, and again after a rejection (the new
/// revision leaves out every rejected action and says so). READ actions, and REVERSIBLE ones where policy allows,
/// are approved by policy and start at once; the rest wait for a person. Takes an id; running it twice for the
/// same diagnosis changes nothing.
/// </summary>
public sealed class PlanJob(
    AppDbContext db,
    PlanContextReader reader,
    PlaybookStore playbooks,
    IOptions<RemediationOptions> options,
    IIncidentNotifier notifier,
    IBackgroundJobClient jobs,
    TimeProvider clock,
    ILogger<PlanJob> logger,
    IncidentPipeline pipeline)
{
    public const string Actor = "plan-agent";

    public async Task RunAsync(Guid incidentId, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            try
            {
                await PlanOnceAsync(incidentId, ct);
                return;
            }
            catch (Exception ex) when (attempt < 3 && ex is DbUpdateConcurrencyException
                or DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } })
            {
                // Another plan run (a second rejection at the same moment) wrote this revision first: decide again from its result.
                logger.LogDebug("Planning {IncidentId} raced with another plan run; attempt {Attempt}", incidentId, attempt + 1);
            }
        }
    }

    private async Task PlanOnceAsync(Guid incidentId, CancellationToken ct)
    {
        var incident = await db.Incidents.SingleOrDefaultAsync(i => i.Id == incidentId, ct);
        if (incident is null || !incident.IsOpen || await reader.ReadAsync(incidentId, ct) is not { } facts)
        {
            logger.LogDebug("Plan of {IncidentId} skipped: missing, resolved, or not diagnosed yet", incidentId);
            return;
        }

        var plans = await db.Plans.Include(p => p.Actions).Where(p => p.IncidentId == incidentId).OrderBy(p => p.Revision).ToListAsync(ct);
        var current = plans.LastOrDefault(p => p.Current);
        var rejected = current?.Actions.Where(a => a.State == ActionState.Rejected).ToList() ?? [];
        if (current is not null && current.DiagnosisId == facts.DiagnosisId && current.CodeFix == facts.CodeFix && rejected.Count == 0)
        {
            return;
        }

        // Every earlier decision stays decided: rejected actions are left out, approved ones are not proposed twice.
        var excluded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var action in plans.SelectMany(p => p.Actions))
        {
            var why = action.State switch
            {
                ActionState.Rejected => $"rejected by {action.DecidedBy} in plan r{Revision(plans, action)}: {action.RejectReason}",
                ActionState.Proposed or ActionState.Superseded or ActionState.Expired => null,
                _ => $"already {action.State.ToString().ToLowerInvariant()} in plan r{Revision(plans, action)}",
            };
            if (why is not null)
            {
                excluded.TryAdd(action.Hash, why);
            }
        }

        var o = options.Value;
        var policy = o.Policy();
        var draft = PlanBuilder.Build(facts.Context, await playbooks.AllAsync(ct), ToolRegistry.Default, excluded);
        var now = clock.GetUtcNow();
        var context = facts.Context;
        var basis = context.Unknown
            ? $"unknown cause (confidence {context.Confidence:0.00}), {context.Severity}, {context.Service ?? "no service"}"
            : $"{context.Category?.ToName()} at {context.Confidence:0.00}, {context.Severity}, {context.Service ?? "no service"}";
        if (current is not null && current.DiagnosisId == facts.DiagnosisId && rejected.Count == 0)
        {
            // Only the code fix is new: it joins the current revision, so nobody's pending decision on the rest is superseded.
            await AmendAsync(incident, current, draft, facts, policy, context, now, ct);
            return;
        }

        var plan = RemediationPlan.Create(incidentId, (plans.LastOrDefault()?.Revision ?? 0) + 1, facts.DiagnosisId, basis, draft.LeftOut, now, facts.CodeFix);
        foreach (var old in plans.Where(p => p.Current))
        {
            old.Supersede();
            foreach (var open in old.Actions.Where(a => a.State == ActionState.Proposed))
            {
                open.Supersede();
            }
        }

        var expires = now + o.ApprovalTimeout(context.Severity);
        var actions = draft.Actions
            .Select((a, i) => PlanAction.Create(plan.Id, incidentId, i + 1, a, Guardrails.Decide(a.Classification.Tier, context.Severity, context.Confidence, policy), now, expires))
            .ToList();
        plan.Actions.AddRange(actions);
        db.Plans.Add(plan);

        var waiting = actions.Where(a => a.State == ActionState.Proposed).ToList();
        var running = actions.Where(a => a.State == ActionState.Approved).ToList();
        db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.Plan, Describe(plan, running, waiting, rejected),
            new Dictionary<string, string>
            {
                ["plan"] = plan.Id.ToString(),
                ["revision"] = plan.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["basis"] = basis,
                ["left_out"] = string.Join(" | ", draft.LeftOut),
            }));
        if (waiting.Count > 0 && incident.State != IncidentState.AwaitingApproval && IncidentStateMachine.CanMove(incident.State, IncidentState.AwaitingApproval))
        {
            incident.AwaitApproval(now);
            db.Timeline.Add(TimelineEntry.Create(incidentId, now, Actor, TimelineKind.StateChanged,
                $"Awaiting approval: {waiting.Count} action(s) need a person (until {expires:HH:mm} UTC)"));
        }
        else
        {
            incident.Touch(now);
        }

        await CommitAsync(incidentId, waiting.Count > 0, running, ct);
    }

    private async Task AmendAsync(Incident incident, RemediationPlan current, PlanDraft draft, PlanFacts facts, AutoRunPolicy policy, PlanContext context,
        DateTimeOffset now, CancellationToken ct)
    {
        var known = current.Actions.Select(a => a.Hash).ToHashSet(StringComparer.Ordinal);
        var expires = now + options.Value.ApprovalTimeout(context.Severity);
        var added = draft.Actions.Where(a => !known.Contains(a.Hash))
            .Select((a, i) => PlanAction.Create(current.Id, incident.Id, current.Actions.Count + i + 1, a,
                Guardrails.Decide(a.Classification.Tier, context.Severity, context.Confidence, policy), now, expires))
            .ToList();
        current.Amend(facts.CodeFix, draft.LeftOut);
        current.Actions.AddRange(added);
        db.PlanActions.AddRange(added);
        var waiting = added.Where(a => a.State == ActionState.Proposed).ToList();
        db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.Plan,
            added.Count == 0
                ? $"Plan r{current.Revision}: the code fix changed, no new action."
                : $"Plan r{current.Revision} amended with the code-analysis agent's fix: {string.Join(", ", added.Select(a => $"{a.Title} ({a.Tier.ToString().ToUpperInvariant()}{(a.State == ActionState.Proposed ? ", needs approval" : "")})"))}.",
            new Dictionary<string, string>
            {
                ["plan"] = current.Id.ToString(),
                ["revision"] = current.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["left_out"] = string.Join(" | ", draft.LeftOut),
            }));
        // Only an incident nobody is acting on yet starts waiting for approval; one being mitigated stays where it is.
        if (waiting.Count > 0 && incident.State is IncidentState.Triggered or IncidentState.Investigating
            && IncidentStateMachine.CanMove(incident.State, IncidentState.AwaitingApproval))
        {
            incident.AwaitApproval(now);
            db.Timeline.Add(TimelineEntry.Create(incident.Id, now, Actor, TimelineKind.StateChanged,
                $"Awaiting approval: {waiting.Count} action(s) need a person (until {expires:HH:mm} UTC)"));
        }
        else
        {
            incident.Touch(now);
        }

        await CommitAsync(incident.Id, waiting.Count > 0, added.Where(a => a.State == ActionState.Approved), ct);
    }

    /// <summary>Saves the plan, shows it live, asks for approval when an action waits for a person, and runs what policy approved.</summary>
    private async Task CommitAsync(Guid incidentId, bool approvalNeeded, IEnumerable<PlanAction> approved, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        await notifier.PublishAsync([incidentId], ct);
        if (approvalNeeded)
        {
            pipeline.ApprovalNeeded(incidentId);
        }

        foreach (var action in approved)
        {
            var id = action.Id;
            jobs.Enqueue<ExecuteJob>(job => job.RunAsync(id, CancellationToken.None));
        }
    }

    private static int Revision(List<RemediationPlan> plans, PlanAction action) => plans.First(p => p.Id == action.PlanId).Revision;

    private static string Describe(RemediationPlan plan, List<PlanAction> running, List<PlanAction> waiting, List<PlanAction> rejected)
    {
        var text = $"Plan r{plan.Revision} for {plan.Basis}: {plan.Actions.Count} action(s)";
        if (running.Count > 0)
        {
            text += $"; run now by policy: {string.Join(", ", running.Select(a => $"{a.Title} ({a.Tier.ToString().ToUpperInvariant()})"))}";
        }

        if (waiting.Count > 0)
        {
            text += $"; need approval: {string.Join(", ", waiting.Select(a => $"{a.Title} ({a.Tier.ToString().ToUpperInvariant()})"))}";
        }

        if (rejected.Count > 0)
        {
            text += $". Re-planned after {string.Join(", ", rejected.Select(a => $"'{a.Title}' was rejected by {a.DecidedBy}"))}";
        }

        if (plan.LeftOut.Count > 0)
        {
            text += $". Left out: {string.Join("; ", plan.LeftOut)}";
        }

        return text + ".";
    }
}

/// <summary>
/// Every minute: plans for diagnosed open incidents whose plan never ran (the process died after the diagnosis) or
/// whose current plan has a rejection not re-planned yet. Looks only behind its own place in the queue (<see cref="SweepHorizon"/>).
/// </summary>
public sealed class PlanSweepJob(AppDbContext db, IBackgroundJobClient jobs, TimeProvider clock)
{
    public const string RecurringId = "plan-sweep";

    public static readonly TimeSpan MinimumAge = TimeSpan.FromSeconds(30);

    public Task RunAsync(Hangfire.Server.PerformContext? context, CancellationToken ct) => SweepAsync(SweepHorizon.QueuedAt(context), ct);

    public async Task<IReadOnlyList<Guid>> SweepAsync(DateTimeOffset? sweepQueuedAt, CancellationToken ct)
    {
        var before = SweepHorizon.Before(clock.GetUtcNow(), MinimumAge, sweepQueuedAt);
        var stuck = await db.Incidents
            .Where(i => i.State != IncidentState.Resolved)
            .Where(i => db.Diagnoses.Any(d => d.IncidentId == i.Id && d.IsFinal && d.At < before))
            .Where(i => !db.Plans.Any(p => p.IncidentId == i.Id)
                || db.Plans.Any(p => p.IncidentId == i.Id && p.Current && p.Actions.Any(a => a.State == ActionState.Rejected && a.DecidedAt < before)))
            .OrderBy(i => i.TriggeredAt)
            .Select(i => i.Id)
            .Take(200)
            .ToListAsync(ct);
        foreach (var id in stuck)
        {
            jobs.Enqueue<PlanJob>(job => job.RunAsync(id, CancellationToken.None));
        }

        return stuck;
    }
}
