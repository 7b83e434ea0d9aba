using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace IncidentHub.Cli.Commands;

/// <summary>An action as GET /api/incidents/{n}/plan shows it (the fields the CLI prints and decides on).</summary>
internal sealed record PlanActionDto(
    Guid Id,
    int Revision,
    int Order,
    string Title,
    string Tool,
    string Target,
    Dictionary<string, string> Arguments,
    Dictionary<string, string>? ArgumentOrigins,
    string Tier,
    List<string>? TierReasons,
    List<string>? Why,
    string Rollback,
    string? Precondition,
    string? Postcondition,
    string Hash,
    bool NeedsApproval,
    string GateReason,
    string State,
    DateTimeOffset? ExpiresAt,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? RejectReason,
    string? Result,
    bool? Verified,
    string? Verification);

internal sealed record PlanDto(string Incident, string Status, int? Revision, string? Basis, DateTimeOffset? CreatedAt, List<string> LeftOut,
    List<PlanActionDto> Actions, List<PlanActionDto> Earlier);

/// <summary>The plan could not be read or the action named is not in it; the message says why.</summary>
internal sealed class PlanCommandException(string message) : Exception(message);

/// <summary>
/// `ih plan N`: prints the incident's current remediation plan, one block per action (order, id, tier, state,
/// what runs, why, rollback, check, gate, hash prefix), then what the plan left out and the earlier decisions.
/// Exit 0 when printed, 1 when the hub refused (ProblemDetails printed), 2 on usage, 3 when unreachable.
/// </summary>
internal static class PlanCommand
{
    public const string Usage = "ih plan N [--url URL] [--token TOKEN]";

    /// <summary>Characters of the hash printed; `ih approve --hash` takes at least this prefix too.</summary>
    public const int HashPrefix = 12;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HttpMessageHandler? handler = null)
    {
        var cli = new CliArgs(args);
        if (cli.Positional.Count != 1 || ParseNumber(cli.Positional[0]) is not { } number)
        {
            await error.WriteLineAsync($"usage: {Usage}");
            return 2;
        }

        var (hub, problem) = HubClient.Create(cli, handler: handler);
        if (hub is null)
        {
            await error.WriteLineAsync($"ih plan: {problem}");
            return 2;
        }

        using (hub)
        {
            try
            {
                var plan = await ReadAsync(hub, number, CancellationToken.None);
                await output.WriteAsync(Render(plan, number));
                return 0;
            }
            catch (PlanCommandException ex)
            {
                await error.WriteLineAsync($"ih plan: {ex.Message}");
                return 1;
            }
            catch (HttpRequestException ex)
            {
                await error.WriteLineAsync($"ih plan: cannot reach {hub.BaseUrl}: {ex.Message}");
                return 3;
            }
        }
    }

    /// <summary>"42" or "INC-42".</summary>
    public static int? ParseNumber(string text)
    {
        var digits = text.StartsWith("INC-", StringComparison.OrdinalIgnoreCase) ? text[4..] : text;
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
    }

    public static async Task<PlanDto> ReadAsync(HubClient hub, int number, CancellationToken ct)
    {
        using var response = await hub.Http.GetAsync($"api/incidents/{number}/plan", ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new PlanCommandException(await HubClient.DescribeFailureAsync(response, ct));
        }

        return await response.Content.ReadFromJsonAsync<PlanDto>(JsonSerializerOptions.Web, ct)
            ?? throw new PlanCommandException($"the hub answered an empty plan for INC-{number}");
    }

    /// <summary>
    /// The action ACTION names in the current plan: its order number ("2"), its id, or a unique id prefix of at least
    /// 8 characters. An id of an earlier revision's action is found too (the hub then says it was decided).
    /// </summary>
    public static PlanActionDto Find(PlanDto plan, string action)
    {
        if (plan.Status != "ready")
        {
            throw new PlanCommandException($"{plan.Incident} has no plan yet ({plan.Status}: it is made after the final diagnosis)");
        }

        if (int.TryParse(action, NumberStyles.None, CultureInfo.InvariantCulture, out var order))
        {
            return plan.Actions.SingleOrDefault(a => a.Order == order)
                ?? throw new PlanCommandException($"{plan.Incident}'s plan r{plan.Revision} has no action {order} (it has 1 to {plan.Actions.Count}); see ih plan {plan.Incident}");
        }

        var all = plan.Actions.Concat(plan.Earlier).ToList();
        var matches = Guid.TryParse(action, out var id)
            ? all.Where(a => a.Id == id).ToList()
            : action.Length >= 8 ? all.Where(a => a.Id.ToString().StartsWith(action, StringComparison.OrdinalIgnoreCase)).ToList() : [];
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new PlanCommandException($"{plan.Incident}'s plan has no action '{action}' (give its number in the plan or its id); see ih plan {plan.Incident}"),
            _ => throw new PlanCommandException($"'{action}' starts the ids of {matches.Count} actions; give more of the id"),
        };
    }

    public static string Render(PlanDto plan, int number)
    {
        var text = new StringWriter { NewLine = "\n" };
        if (plan.Status != "ready")
        {
            text.WriteLine($"{plan.Incident} has no plan yet ({plan.Status}): a plan is made after the final diagnosis.");
            return text.ToString();
        }

        text.WriteLine($"{plan.Incident} plan r{plan.Revision} for {plan.Basis} (made {Time(plan.CreatedAt)})");
        if (plan.Actions.Count == 0)
        {
            text.WriteLine("  no actions");
        }

        foreach (var a in plan.Actions)
        {
            text.WriteLine();
            text.WriteLine($"{a.Order,2}. {a.Title}");
            text.WriteLine($"    id        {a.Id}");
            text.WriteLine($"    tier      {a.Tier}{(a.TierReasons is { Count: > 0 } r ? $" ({string.Join("; ", r)})" : "")}");
            text.WriteLine($"    state     {State(a)}");
            text.WriteLine($"    runs      {a.Tool} on {a.Target}");
            foreach (var (name, value) in a.Arguments.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var origin = a.ArgumentOrigins?.GetValueOrDefault(name) is { } o ? $"  (from {o})" : "";
                text.WriteLine($"      {name} = {value}{origin}");
            }

            text.WriteLine($"    why       {(a.Why is { Count: > 0 } why ? string.Join(", ", why) : "-")}");
            text.WriteLine($"    rollback  {a.Rollback}");
            if (a.Precondition is not null)
            {
                text.WriteLine($"    before    {a.Precondition}");
            }

            text.WriteLine($"    check     {a.Postcondition ?? "none: verified by hand"}");
            text.WriteLine($"    gate      {a.GateReason}{(a.State == "proposed" && a.ExpiresAt is { } e ? $" (expires {Time(e)})" : "")}");
            text.WriteLine($"    hash      {a.Hash[..Math.Min(HashPrefix, a.Hash.Length)]}");
            if (a.Result is not null)
            {
                text.WriteLine($"    result    {a.Result}");
            }

            if (a.Verification is not null)
            {
                text.WriteLine($"    verified  {(a.Verified == true ? "yes" : "no")}: {a.Verification}");
            }
        }

        if (plan.LeftOut.Count > 0)
        {
            text.WriteLine();
            text.WriteLine("left out:");
            foreach (var line in plan.LeftOut)
            {
                text.WriteLine($"  - {line}");
            }
        }

        if (plan.Earlier.Count > 0)
        {
            text.WriteLine();
            text.WriteLine("earlier revisions:");
            foreach (var a in plan.Earlier)
            {
                text.WriteLine($"  - r{a.Revision} {a.Title} ({a.Tier}): {State(a)}");
            }
        }

        if (plan.Actions.Any(a => a.State == "proposed"))
        {
            text.WriteLine();
            text.WriteLine($"decide: ih approve {number} ACTION  |  ih reject {number} ACTION --reason \"...\"   (ACTION = its number above or its id)");
        }

        return text.ToString();
    }

    /// <summary>The state with who decided it and when: "approved by ana@x at 12:03:10 UTC", "rejected by ana@x: too risky".</summary>
    public static string State(PlanActionDto a) => a.State switch
    {
        "proposed" => a.NeedsApproval ? "proposed, needs approval" : "proposed",
        "rejected" => $"rejected by {a.DecidedBy}: {a.RejectReason}",
        "expired" => "expired (nobody decided in time; the incident escalated)",
        _ when a.DecidedBy is not null => $"{a.State} (approved by {a.DecidedBy} at {Time(a.DecidedAt)})",
        _ => a.State,
    };

    private static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}
