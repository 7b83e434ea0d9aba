using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Investigation.Connectors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.Investigation;

public sealed class HealthConnectorTests
{
    [Fact]
    public async Task AllowedHost_IsCalled_AndItsStatusRecorded()
    {
        var calls = 0;
        await using var service = await LoopbackServer.StartAsync(app => app.MapGet("/healthz", () =>
        {
            Interlocked.Increment(ref calls);
            return Results.StatusCode(503);
        }));
        using var http = new HttpClient();
        var health = new HealthConnector(http, Options.Create(new InvestigationOptions { HealthCheckAllowedHosts = ["127.0.0.1"] }), TimeProvider.System);

        var result = await health.CheckAsync(new Uri(service.Address, "healthz").ToString(), CancellationToken.None);

        Assert.Equal(503, result.StatusCode);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task HostNotOnTheAllowlist_IsRefusedWithoutARequest_AndRecordedUnavailable()
    {
        var calls = 0;
        await using var service = await LoopbackServer.StartAsync(app => app.MapGet("/healthz", () =>
        {
            Interlocked.Increment(ref calls);
            return Results.Ok();
        }));
        using var http = new HttpClient();
        var health = new HealthConnector(http, Options.Create(new InvestigationOptions { HealthCheckAllowedHosts = ["health.internal"] }), TimeProvider.System);
        var url = new Uri(service.Address, "healthz").ToString();

        var result = await Connector.BoundedAsync($"health:{url}", TimeSpan.FromSeconds(5), c => health.CheckAsync(url, c), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Contains("HealthCheckAllowedHosts", result.Unavailable, StringComparison.Ordinal);
        Assert.Equal(0, calls);
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("not a url")]
    public async Task NonHttpUrls_AreRefused(string url)
    {
        using var http = new HttpClient();
        var health = new HealthConnector(http, Options.Create(new InvestigationOptions { HealthCheckAllowedHosts = ["127.0.0.1", ""] }), TimeProvider.System);

        await Assert.ThrowsAsync<HealthCheckRefusedException>(() => health.CheckAsync(url, CancellationToken.None));
    }
}
