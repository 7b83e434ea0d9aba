using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace IncidentHub.Cli.Commands;

/// <summary>
/// What `ih approve` and `ih reject` share: read the current plan, find the action ACTION names, print what is being
/// decided, post the decision. An approval posts the hash the plan just showed, so it binds to what was printed;
/// when the action changed in between, the hub answers 409 and nothing is approved.
/// </summary>
internal static class PlanDecision
{
    public static async Task<int> RunAsync(string command, string usage, string[] args, TextWriter output, TextWriter error, HttpMessageHandler? handler)
    {
        var cli = new CliArgs(args);
        if (cli.Positional.Count != 2 || PlanCommand.ParseNumber(cli.Positional[0]) is not { } number)
        {
            await error.WriteLineAsync($"usage: {usage}");
            return 2;
        }

        var reason = cli.Option("reason")?.Trim();
        if (command == "reject" && string.IsNullOrEmpty(reason))
        {
            await error.WriteLineAsync($"ih reject: --reason is required: say why the action must not run (it is recorded, and the plan is rebuilt without it)\nusage: {usage}");
            return 2;
        }

        var expectedHash = cli.Option("hash")?.Trim().ToLowerInvariant();
        if (expectedHash is not null && (expectedHash.Length < 8 || !expectedHash.All(Uri.IsHexDigit)))
        {
            await error.WriteLineAsync($"ih {command}: --hash takes the hex hash prefix `ih plan` prints (at least 8 characters)");
            return 2;
        }

        var (hub, problem) = HubClient.Create(cli, handler: handler);
        if (hub is null)
        {
            await error.WriteLineAsync($"ih {command}: {problem}");
            return 2;
        }

        using (hub)
        {
            try
            {
                var plan = await PlanCommand.ReadAsync(hub, number, CancellationToken.None);
                var action = PlanCommand.Find(plan, cli.Positional[1]);
                if (expectedHash is not null && !action.Hash.StartsWith(expectedHash, StringComparison.Ordinal))
                {
                    throw new PlanCommandException(
                        $"action {action.Order} of r{action.Revision} is now '{action.Title}' with hash {action.Hash[..PlanCommand.HashPrefix]}, not {expectedHash}: nothing was {Done(command)}; run ih plan {number} again");
                }

                await output.WriteLineAsync($"{(command == "approve" ? "approving" : "rejecting")} {plan.Incident} action {action.Order} (r{action.Revision}): {action.Title}");
                await output.WriteLineAsync($"  {action.Tier}  {action.Tool} on {action.Target}  {string.Join(" ", action.Arguments.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))}");
                await output.WriteLineAsync($"  hash {action.Hash[..PlanCommand.HashPrefix]}");
                object body = command == "approve" ? new { hash = action.Hash } : new { reason };
                using var response = await hub.Http.PostAsJsonAsync($"api/incidents/{number}/plan/actions/{action.Id}/{command}", body, CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new PlanCommandException(await HubClient.DescribeFailureAsync(response, CancellationToken.None));
                }

                var decided = await response.Content.ReadFromJsonAsync<PlanActionDto>(JsonSerializerOptions.Web, CancellationToken.None);
                await output.WriteLineAsync(decided is null ? Done(command) : PlanCommand.State(decided));
                await output.WriteLineAsync(command == "approve"
                    ? $"it runs now; follow it with: ih plan {number}   ({hub.IncidentUrl(plan.Incident)})"
                    : $"the plan is rebuilt without it; see: ih plan {number}");
                return 0;
            }
            catch (PlanCommandException ex)
            {
                await error.WriteLineAsync($"ih {command}: {ex.Message}");
                return 1;
            }
            catch (HttpRequestException ex)
            {
                await error.WriteLineAsync($"ih {command}: cannot reach {hub.BaseUrl}: {ex.Message}");
                return 3;
            }
        }
    }

    private static string Done(string command) => command == "approve" ? "approved" : "rejected";
}
