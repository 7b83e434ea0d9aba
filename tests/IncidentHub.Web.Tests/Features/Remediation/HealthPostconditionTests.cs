using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Features.Remediation.Executors;
using IncidentHub.Web.Tests.Features.Investigation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Remediation;

/// <summary>Health postconditions through the investigation's health connector and its allowlist, against a loopback service.</summary>
public sealed class HealthPostconditionTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UtcNow;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(200, VerificationOutcome.Verified)]
    [InlineData(503, VerificationOutcome.NotVerified)]
    public async Task Health_2xxIsVerified_AnythingElseIsNot(int status, VerificationOutcome outcome)
    {
        await using var service = await LoopbackServer.StartAsync(app => app.MapGet("/healthz", () => Results.StatusCode(status)));
        await using var services = ExecutorServices.Build(new Dictionary<string, string?> { ["Investigation:HealthCheckAllowedHosts:0"] = "127.0.0.1" });

        var result = await services.GetRequiredService<PostconditionVerifier>().VerifyAsync(Postcondition.Health(new Uri(service.Address, "healthz").ToString(), Window), At, CancellationToken.None);

        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(status, result.WorstValue);
        Assert.Contains($"answered {status}", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_HostNotOnTheInvestigationAllowlist_IsNotCalled()
    {
        var calls = 0;
        await using var service = await LoopbackServer.StartAsync(app => app.MapGet("/healthz", () =>
        {
            Interlocked.Increment(ref calls);
            return Results.Ok();
        }));
        await using var services = ExecutorServices.Build(new Dictionary<string, string?> { ["Investigation:HealthCheckAllowedHosts:0"] = "health.internal" });

        var result = await services.GetRequiredService<PostconditionVerifier>().VerifyAsync(Postcondition.Health(new Uri(service.Address, "healthz").ToString(), Window), At, CancellationToken.None);

        Assert.Equal(VerificationOutcome.CouldNotCheck, result.Outcome);
        Assert.Contains("Investigation:HealthCheckAllowedHosts", result.Reason, StringComparison.Ordinal);
        Assert.Equal(0, calls);
    }
}
