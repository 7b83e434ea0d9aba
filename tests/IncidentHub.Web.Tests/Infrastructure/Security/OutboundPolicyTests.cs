using System.Net;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Infrastructure.Security;

public sealed class OutboundPolicyTests
{
    private static OutboundPolicy Policy(bool loopback = false, params string[] hosts) =>
        new(Options.Create(new OutboundOptions { AllowLoopback = loopback, AllowedHosts = [.. hosts] }));

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[fd00:ec2::254]/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://0.0.0.0:9090/")]
    [InlineData("file:///etc/passwd")]
    public void Refusal_NeverAllowed_EvenWhenListedOrLoopbackAllowed(string url) =>
        Assert.NotNull(Policy(true, "169.254.169.254", "fe80::1", "0.0.0.0").Refusal(new Uri(url)));

    [Fact]
    public void Refusal_Loopback_OnlyWithAllowLoopback()
    {
        Assert.Contains("Outbound:AllowLoopback", Policy().Refusal(new Uri("http://127.0.0.1:9090/")), StringComparison.Ordinal);
        Assert.NotNull(Policy().Refusal(new Uri("http://localhost:9090/")));
        Assert.Null(Policy(loopback: true).Refusal(new Uri("http://127.0.0.1:9090/")));
        Assert.Null(Policy(loopback: true).Refusal(new Uri("http://[::1]:9090/")));
    }

    [Fact]
    public void Refusal_OtherHosts_OnlyWhenListed()
    {
        var policy = Policy(false, "prometheus.internal", "*.monitoring.example");

        Assert.Null(policy.Refusal(new Uri("http://prometheus.internal:9090/")));
        Assert.Null(policy.Refusal(new Uri("https://loki.monitoring.example/")));
        Assert.Contains("Outbound:AllowedHosts", policy.Refusal(new Uri("http://evil.example/")), StringComparison.Ordinal);
        Assert.NotNull(policy.Refusal(new Uri("http://monitoring.example.evil.example/")));
        Assert.NotNull(policy.Refusal(new Uri("http://10.0.0.5/")));
    }

    [Fact]
    public void AddressRefusal_AtConnectTime_RefusesMetadataWhateverTheName()
    {
        Assert.NotNull(Policy(true, "*").AddressRefusal(IPAddress.Parse("169.254.169.254")));
        Assert.Null(Policy().AddressRefusal(IPAddress.Parse("10.1.2.3")));
    }

    [Fact]
    public async Task Client_RedirectToAnotherHost_IsNotFollowed()
    {
        await using var server = await Features.Investigation.LoopbackServer.StartAsync(app =>
            Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapGet(app, "/", () => Microsoft.AspNetCore.Http.Results.Redirect("http://169.254.169.254/latest/meta-data/")));
        var services = new ServiceCollection();
        services.AddSingleton(Options.Create(new OutboundOptions { AllowLoopback = true }));
        services.AddSingleton<OutboundPolicy>();
        services.AddHttpClient("guarded").AddOutboundPolicy();
        await using var provider = services.BuildServiceProvider();
        using var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("guarded");

        var error = await Assert.ThrowsAsync<OutboundRefusedException>(() => http.GetAsync(server.Address));

        Assert.Contains("redirected to another host", error.Message, StringComparison.Ordinal);
    }
}
