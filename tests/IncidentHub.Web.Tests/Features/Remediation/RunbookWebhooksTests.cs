using System.Text.Json;
using IncidentHub.Analysis.Remediation;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Remediation.Executors;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Remediation;

/// <summary>Signed runbook calls to a loopback receiver that checks the signature, the timestamp and the idempotency key.</summary>
public sealed class RunbookWebhooksTests
{
    private const string Secret = "s3cret-for-the-receiver";

    private static readonly RunbookCall Rollback = new("INC-12", Guid.NewGuid(), ToolRegistry.Rollback, "payments",
        new Dictionary<string, string> { ["service"] = "payments", ["to_version"] = "v1.4.2" });

    [Fact]
    public async Task GoodCall_IsAccepted_WithTheBodyTheReceiverVerified()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret);
        await using var services = Services(receiver.Url, Secret);

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback, CancellationToken.None);

        Assert.Equal(RunbookOutcome.Succeeded, result.Outcome);
        Assert.Equal(200, result.StatusCode);
        Assert.Equal(1, result.Attempts);
        Assert.Contains("\"done\":\"yes\"", result.ResponseExcerpt, StringComparison.Ordinal);
        var request = Assert.Single(receiver.Requests);
        Assert.Null(request.Refusal);
        Assert.Equal(Rollback.ActionId.ToString(), request.IdempotencyKey);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("INC-12", body.GetProperty("incident").GetString());
        Assert.Equal(ToolRegistry.Rollback, body.GetProperty("tool").GetString());
        Assert.Equal("payments", body.GetProperty("target").GetString());
        Assert.Equal("v1.4.2", body.GetProperty("arguments").GetProperty("to_version").GetString());
        Assert.DoesNotContain(Secret, request.Body + request.Signature + receiver.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TamperedSecret_IsRejectedByTheReceiver_AndNotRetried()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret);
        await using var services = Services(receiver.Url, Secret + "x");

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback, CancellationToken.None);

        Assert.Equal(RunbookOutcome.Failed, result.Outcome);
        Assert.Equal(401, result.StatusCode);
        Assert.Equal(1, result.Attempts);
        Assert.Equal("signature does not match", Assert.Single(receiver.Requests).Refusal);
        Assert.Contains("signature does not match", result.ResponseExcerpt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerError_ThenOk_IsTwoAttempts_WithTheSameIdempotencyKey_ForAnIdempotentTool()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret, 500, 200);
        await using var services = Services(receiver.Url, Secret);

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback, CancellationToken.None);

        Assert.Equal(RunbookOutcome.Succeeded, result.Outcome);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => Assert.Equal(Rollback.ActionId.ToString(), r.IdempotencyKey));
        Assert.All(receiver.Requests, r => Assert.Null(r.Refusal));
    }

    [Fact]
    public async Task BadRequest_IsNotRetried()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret, 400, 200);
        await using var services = Services(receiver.Url, Secret);

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback, CancellationToken.None);

        Assert.Equal(RunbookOutcome.Failed, result.Outcome);
        Assert.Equal(400, result.StatusCode);
        Assert.Equal(1, result.Attempts);
        Assert.Single(receiver.Requests);
        Assert.Contains("answered 400", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerErrors_StopAfterThreeAttempts()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret, 502, 503, 500, 200);
        await using var services = Services(receiver.Url, Secret);

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback, CancellationToken.None);

        Assert.Equal(RunbookOutcome.Failed, result.Outcome);
        Assert.Equal(500, result.StatusCode);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(3, receiver.Requests.Count);
    }

    [Fact]
    public async Task Timeout_ThenOk_IsRetried_ForAnIdempotentTool()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret, RunbookReceiver.Hang, 200);
        // The first attempt hangs until this timeout; the second is answered at once. The timeout must leave that
        // immediate answer room on a loaded 2-core machine (at 0.5 s it sometimes timed out too: 3 attempts).
        await using var services = Services(receiver.Url, Secret, ("Remediation:RunbookTimeoutSeconds", "3"));

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback, CancellationToken.None);

        Assert.Equal(RunbookOutcome.Succeeded, result.Outcome);
        Assert.Equal(2, result.Attempts);
    }

    [Fact]
    public async Task ConnectionRefused_IsRetried_ThenFails_WithoutAStatus()
    {
        await using var services = Services(new Uri($"http://127.0.0.1:{RealProcess.FreePort()}/runbook"), Secret);

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback, CancellationToken.None);

        Assert.Equal(RunbookOutcome.Failed, result.Outcome);
        Assert.Null(result.StatusCode);
        Assert.Equal(3, result.Attempts);
        Assert.Contains("could not connect", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerError_IsNotRetried_ForAToolTheRegistryDoesNotCallIdempotent()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret, 500, 200);
        var registry = new ToolRegistry(ToolRegistry.Default.All.Select(t => t.Name == ToolRegistry.Rollback ? t with { Idempotent = false } : t));
        await using var services = Services(receiver.Url, Secret, more: s => s.AddSingleton(registry));

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback, CancellationToken.None);

        Assert.Equal(RunbookOutcome.Failed, result.Outcome);
        Assert.Equal(1, result.Attempts);
        Assert.Single(receiver.Requests);
        Assert.Contains("not idempotent", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostNotAllowlisted_SendsNothing_AndSaysWhatToConfigure()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret);
        var viaLocalhost = new UriBuilder(receiver.Url) { Host = "localhost" }.Uri;
        await using var services = Services(viaLocalhost, Secret);

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback, CancellationToken.None);

        Assert.Equal(RunbookOutcome.NotConfigured, result.Outcome);
        Assert.Equal(0, result.Attempts);
        Assert.Empty(receiver.Requests);
        Assert.Contains("add it to Remediation:RunbookAllowedHosts", result.Detail, StringComparison.Ordinal);
        Assert.Contains("'localhost'", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnconfiguredTool_SendsNothing_AndSaysWhatToConfigure()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret);
        await using var services = Services(receiver.Url, Secret);

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback with { Tool = ToolRegistry.Scale }, CancellationToken.None);

        Assert.Equal(RunbookOutcome.NotConfigured, result.Outcome);
        Assert.Equal(0, result.Attempts);
        Assert.Empty(receiver.Requests);
        Assert.Contains("set Remediation:Runbooks:runbook.scale:Url", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolWithoutSecret_SendsNothing_AndSaysWhatToConfigure()
    {
        await using var receiver = await RunbookReceiver.StartAsync(Secret);
        await using var services = Services(receiver.Url, secret: null);

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback, CancellationToken.None);

        Assert.Equal(RunbookOutcome.NotConfigured, result.Outcome);
        Assert.Empty(receiver.Requests);
        Assert.Contains("set Remediation:Runbooks:runbook.rollback:Secret", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotARunbookTool_SendsNothing()
    {
        await using var services = Services(new Uri("http://127.0.0.1:9/"), Secret);

        var result = await services.GetRequiredService<RunbookWebhooks>().CallAsync(Rollback with { Tool = ToolRegistry.RevertCommit }, CancellationToken.None);

        Assert.Equal(RunbookOutcome.NotConfigured, result.Outcome);
        Assert.Contains("not a runbook tool", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_IsTheDocumentedFormat()
    {
        // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
        var header = RunbookWebhooks.Sign("key", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), "{\"a\":1}");

        Assert.Equal("t=1700000000,v1=" + OpenSslHmac("key", "1700000000.{\"a\":1}"), header);
    }

    private static string OpenSslHmac(string key, string text) =>
        RealProcess.Run("openssl", ["dgst", "-sha256", "-hmac", key, "-r"], input: text).Split(' ')[0].Trim();

    /// <summary>The rollback tool pointed at <paramref name="url"/>, its host (127.0.0.1) allowlisted, short backoff.</summary>
    private static ServiceProvider Services(Uri url, string? secret, (string Key, string Value)? extra = null, Action<IServiceCollection>? more = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Remediation:Runbooks:runbook.rollback:Url"] = url.ToString(),
            ["Remediation:Runbooks:runbook.rollback:Secret"] = secret,
            ["Remediation:RunbookAllowedHosts:0"] = "127.0.0.1",
            ["Remediation:RunbookRetryBackoffMilliseconds"] = "20",
        };
        if (extra is { } e)
        {
            configuration[e.Key] = e.Value;
        }

        return ExecutorServices.Build(configuration, more);
    }
}
