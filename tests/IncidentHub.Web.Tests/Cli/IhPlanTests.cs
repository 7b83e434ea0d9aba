extern alias cli;

using cli::IncidentHub.Cli.Commands;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Tests.Features.Remediation;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Tests.Cli;

/// <summary>`ih plan`, `ih approve`, `ih reject` against the real server on its Kestrel port, on a bad deploy's plan.</summary>
[Collection(AppCollection.Name)]
public sealed class IhPlanTests(IncidentHubFactory app)
{
    [Fact]
    public async Task IhPlan_PrintsEachAction_WithTierStateHashPrefixAndArguments_AndWhatWasLeftOut()
    {
        var incident = await RemediationScenario.BadDeployAsync(app);
        var plan = await RemediationScenario.PlanViewAsync(app, incident.Number);
        var rollback = plan.Actions.Single(a => a.Tool == "runbook.rollback");
        var (code, output, error) = await RunAsync(Plan, $"INC-{incident.Number}");

        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.StartsWith($"INC-{incident.Number} plan r{plan.Revision} for bad-deploy-code", output, StringComparison.Ordinal);
        Assert.Contains($"{rollback.Order,2}. {rollback.Title}", output, StringComparison.Ordinal);
        Assert.Contains($"id        {rollback.Id}", output, StringComparison.Ordinal);
        Assert.Contains("tier      REVERSIBLE", output, StringComparison.Ordinal);
        Assert.Contains("state     proposed, needs approval", output, StringComparison.Ordinal);
        Assert.Contains($"runs      runbook.rollback on {incident.Service}", output, StringComparison.Ordinal);
        Assert.Contains("to_version = 2026.11.20-2  (from DeployRecord)", output, StringComparison.Ordinal);
        Assert.Contains($"why       {incident.DeployEvidence}", output, StringComparison.Ordinal);
        Assert.Contains("rollback  roll forward to 2026.11.20-3", output, StringComparison.Ordinal);
        Assert.Contains("check     none: verified by hand", output, StringComparison.Ordinal);
        Assert.Contains($"gate      {rollback.GateReason}", output, StringComparison.Ordinal);
        Assert.Contains($"hash      {rollback.Hash[..12]}\n", output, StringComparison.Ordinal);
        Assert.Contains("left out:", output, StringComparison.Ordinal);
        Assert.Contains("needs {error_ratio_query}", output, StringComparison.Ordinal);
        Assert.Contains($"ih approve {incident.Number} ACTION", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IhPlan_UnknownIncident_Exits1_WithTheProblem_AndBadUsageExits2()
    {
        var (missing, _, error) = await RunAsync(Plan, "999999");
        var (usage, _, usageError) = await RunAsync(Plan, "INC-x");

        Assert.Equal(1, missing);
        Assert.Contains("ih plan: 404 Incident not found: There is no incident INC-999999.", error, StringComparison.Ordinal);
        Assert.Equal(2, usage);
        Assert.StartsWith("usage: ih plan N", usageError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IhApprove_ByNumber_PostsTheHashThePlanShows_TheActionRuns_AndASecondApprovalIs409()
    {
        var incident = await RemediationScenario.BadDeployAsync(app);
        var rollback = (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Tool == "runbook.rollback");

        var (code, output, error) = await RunAsync(Approve, incident.Number.ToString(), rollback.Order.ToString(), "--hash", rollback.Hash[..12]);

        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains($"approving INC-{incident.Number} action {rollback.Order}", output, StringComparison.Ordinal);
        Assert.Contains($"hash {rollback.Hash[..12]}", output, StringComparison.Ordinal);
        Assert.Contains($"approved by {IncidentHubFactory.AdminEmail}", output, StringComparison.Ordinal);
        var done = await Eventually.HoldsAsync(() => RemediationScenario.PlanViewAsync(app, incident.Number),
            p => p.Actions.Single(a => a.Id == rollback.Id).State is "failed" or "succeeded", TimeSpan.FromSeconds(60), "the rollback's run");
        Assert.Equal(IncidentHubFactory.AdminEmail, done.Actions.Single(a => a.Id == rollback.Id).DecidedBy);

        // By id this time: the action is decided, so the hub refuses and the CLI prints its ProblemDetails.
        var (again, _, againError) = await RunAsync(Approve, incident.Number.ToString(), rollback.Id.ToString());
        Assert.Equal(1, again);
        Assert.Contains("ih approve: 409 Action already decided:", againError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IhApprove_WhenTheActionChangesBetweenTheReadAndThePost_Exits1_With409StaleHash_AndNothingIsApproved()
    {
        var incident = await RemediationScenario.BadDeployAsync(app);
        var rollback = (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Tool == "runbook.rollback");
        // Someone changes the stored arguments right after the CLI read the plan: the hash it posts is now stale.
        using var tamper = new AfterPlanRead(async () =>
        {
            await using var db = DiagnosisSeed.Db(app);
            await db.Database.ExecuteSqlInterpolatedAsync(
                $$"""UPDATE plan_actions SET "Arguments" = jsonb_set("Arguments", '{to_version}', '"2026.01.01-1"') WHERE "Id" = {{rollback.Id}}""");
        });

        var (code, output, error) = await RunAsync((a, o, e) => ApproveCommand.RunAsync(a, o, e, tamper), incident.Number.ToString(), rollback.Order.ToString());

        Assert.Equal(1, code);
        Assert.Contains($"hash {rollback.Hash[..12]}", output, StringComparison.Ordinal);
        Assert.Contains("ih approve: 409 Stale action hash: The hash does not match the action", error, StringComparison.Ordinal);
        Assert.Equal("proposed", (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Id == rollback.Id).State);
    }

    [Fact]
    public async Task IhApprove_WithAHashPrefixThatIsNotTheActionsAnyMore_Exits1_WithoutPosting()
    {
        var incident = await RemediationScenario.BadDeployAsync(app);
        var rollback = (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Tool == "runbook.rollback");

        var (code, _, error) = await RunAsync(Approve, incident.Number.ToString(), rollback.Order.ToString(), "--hash", "0000000000ab");
        var (unknown, _, unknownError) = await RunAsync(Approve, incident.Number.ToString(), "9");

        Assert.Equal(1, code);
        Assert.Contains("not 0000000000ab: nothing was approved", error, StringComparison.Ordinal);
        Assert.Equal(1, unknown);
        Assert.Contains("has no action 9", unknownError, StringComparison.Ordinal);
        Assert.Equal("proposed", (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Id == rollback.Id).State);
    }

    [Fact]
    public async Task IhApproveAndReject_AsAViewer_Exit1_WithThe403Problem()
    {
        var incident = await RemediationScenario.BadDeployAsync(app);
        var token = await app.CreateUserAsync($"viewer-{Guid.NewGuid():N}@test.local", "Viewer!pass-123", Roles.Viewer);

        var (approve, _, approveError) = await RunAsAsync(Approve, [incident.Number.ToString(), "1"], token);
        var (reject, _, rejectError) = await RunAsAsync(Reject, [incident.Number.ToString(), "1", "--reason", "not mine"], token);
        var (read, planText, _) = await RunAsAsync(Plan, [incident.Number.ToString()], token);

        Assert.Equal(1, approve);
        Assert.StartsWith("ih approve: 403 ", approveError, StringComparison.Ordinal);
        Assert.Equal(1, reject);
        Assert.StartsWith("ih reject: 403 ", rejectError, StringComparison.Ordinal);
        Assert.Equal(0, read);
        Assert.Contains("state     proposed", planText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IhReject_NeedsAReason_AndWithOneRejects_AndTheHubRePlansWithoutTheAction()
    {
        var incident = await RemediationScenario.BadDeployAsync(app);
        var first = await RemediationScenario.PlanViewAsync(app, incident.Number);
        var silence = first.Actions.Single(a => a.Tool == "alertmanager.silence");

        var (noReason, _, noReasonError) = await RunAsync(Reject, incident.Number.ToString(), silence.Order.ToString());
        var (code, output, error) = await RunAsync(Reject, incident.Number.ToString(), silence.Order.ToString(),
            "--reason", "the alert is our only signal while the rollback runs");

        Assert.Equal(2, noReason);
        Assert.Contains("--reason is required", noReasonError, StringComparison.Ordinal);
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains($"rejected by {IncidentHubFactory.AdminEmail}: the alert is our only signal", output, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => RemediationScenario.PlanViewAsync(app, incident.Number), p => p.Revision > first.Revision,
            TimeSpan.FromSeconds(60), "the re-plan after the rejection");
        var (_, after, _) = await RunAsync(Plan, incident.Number.ToString());
        Assert.Contains($"r{first.Revision} {silence.Title} (REVERSIBLE): rejected by {IncidentHubFactory.AdminEmail}: the alert is our only signal", after, StringComparison.Ordinal);
    }

    private static readonly Func<string[], TextWriter, TextWriter, Task<int>> Plan = (a, o, e) => PlanCommand.RunAsync(a, o, e);
    private static readonly Func<string[], TextWriter, TextWriter, Task<int>> Approve = (a, o, e) => ApproveCommand.RunAsync(a, o, e);
    private static readonly Func<string[], TextWriter, TextWriter, Task<int>> Reject = (a, o, e) => RejectCommand.RunAsync(a, o, e);

    private Task<(int Code, string Output, string Error)> RunAsync(Func<string[], TextWriter, TextWriter, Task<int>> command, params string[] args) =>
        RunAsAsync(command, args, IncidentHubFactory.AdminToken);

    private async Task<(int Code, string Output, string Error)> RunAsAsync(Func<string[], TextWriter, TextWriter, Task<int>> command, string[] args, string token)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var code = await command([.. args, "--url", app.ServerAddress.ToString(), "--token", token], output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs a change on the server's data right after the CLI's GET of the plan, before its POST.</summary>
    private sealed class AfterPlanRead(Func<Task> change) : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.EndsWith("/plan", StringComparison.Ordinal))
            {
                await change();
            }

            return response;
        }
    }
}
