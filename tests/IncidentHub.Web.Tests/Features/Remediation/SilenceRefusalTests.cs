using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Remediation.Executors;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Remediation;

/// <summary>
/// What is refused before anything is sent. The Alertmanager URL points at a port nothing listens on, so a request
/// that did go out would fail with "could not be reached" instead of the refusal.
/// </summary>
public sealed class SilenceRefusalTests
{
    [Theory]
    [InlineData("alertname!=X", "not an equality matcher")]
    [InlineData("alertname=~Check.*", "not an equality matcher")]
    [InlineData("service=", "empty value")]
    [InlineData("service=\"\"", "empty value")]
    [InlineData("1bad=x", "not a label name")]
    [InlineData("a=x,a=y", "given twice")]
    [InlineData(" , ", "no matcher")]
    public async Task Create_WithMatchersThatAreNotPlainEquality_IsRefused_BeforeSending(string matchers, string why)
    {
        await using var services = Unreachable();
        var spec = new SilenceSpec(matchers, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1), "ih", "INC-14", Guid.NewGuid());

        var ex = await Assert.ThrowsAsync<AlertmanagerException>(() => services.GetRequiredService<AlertmanagerSilences>().CreateAsync(spec, CancellationToken.None));

        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not sent", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseMatchers_ReadsLabelValuePairs_UnquotingValues()
    {
        var matchers = AlertmanagerSilences.ParseMatchers(" alertname = HighErrorRate ,service=\"payments-api\"");

        Assert.Equal([new SilenceMatcher("alertname", "HighErrorRate"), new SilenceMatcher("service", "payments-api")], matchers);
    }

    [Fact]
    public async Task Create_EndingBeforeItStarts_IsRefused_BeforeSending()
    {
        await using var services = Unreachable();
        var spec = new SilenceSpec("alertname=X", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(-1), "ih", "INC-14", Guid.NewGuid());

        var ex = await Assert.ThrowsAsync<AlertmanagerException>(() => services.GetRequiredService<AlertmanagerSilences>().CreateAsync(spec, CancellationToken.None));

        Assert.Contains("before it starts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotConfigured_SaysWhatToSet()
    {
        await using var services = ExecutorServices.Build(new Dictionary<string, string?>());
        var spec = new SilenceSpec("alertname=X", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1), "ih", "INC-15", Guid.NewGuid());

        var ex = await Assert.ThrowsAsync<AlertmanagerException>(() => services.GetRequiredService<AlertmanagerSilences>().CreateAsync(spec, CancellationToken.None));

        Assert.Contains("set Remediation:Alertmanager:Url", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_IsAnAlertmanagerException_ThatSaysSo()
    {
        await using var services = Unreachable();

        var ex = await Assert.ThrowsAsync<AlertmanagerException>(() => services.GetRequiredService<AlertmanagerSilences>().FindActiveAsync("IncidentHub INC-1", CancellationToken.None));

        Assert.Contains("could not be reached", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.StatusCode);
    }

    [Fact]
    public async Task AMalformedUrl_FailsTheOptions_NamingItsKey()
    {
        await using var services = ExecutorServices.Build(new Dictionary<string, string?> { ["Remediation:Runbooks:runbook.restart:Url"] = "ftp://runbooks.internal/restart" });

        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RemediationExecutorOptions>>().Value);

        Assert.Contains("Remediation:Runbooks:runbook.restart:Url", ex.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Unreachable() =>
        ExecutorServices.Build(new Dictionary<string, string?> { ["Remediation:Alertmanager:Url"] = $"http://127.0.0.1:{RealProcess.FreePort()}" });
}
