using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Infrastructure.Security;

/// <summary>Security headers, HSTS and Secure cookies behind a TLS proxy, lockout per address, antiforgery on cookie API changes.</summary>
[Collection(AppCollection.Name)]
public sealed class WebSecurityTests(IncidentHubFactory app)
{
    [Theory]
    [InlineData("/account/login")]
    [InlineData("/api/incidents/999999")]
    [InlineData("/health")]
    public async Task EveryAnswer_CarriesCspNosniffAndReferrerPolicy(string path)
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var response = await http.GetAsync(path);

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "HSTS only on HTTPS answers");
    }

    [Fact]
    public async Task BehindTlsProxy_AnswersWithHsts_AndLoginCookieIsSecure()
    {
        var email = $"tls-{Guid.NewGuid():N}"[..20] + "@test.local";
        await app.CreateUserAsync(email, "Responder!pass-123", "Responder");
        using var form = new LoginForm(app.ServerAddress, "198.51.100.7", scheme: "https");

        var page = await form.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/account/login") { Headers = { Host = "hub.example.com" } });
        var login = await form.LogInAsync(email, "Responder!pass-123");

        Assert.StartsWith("max-age=", Assert.Single(page.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location!.OriginalString);
        var cookie = Assert.Single(form.SetCookies, c => c.StartsWith("incidenthub=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PlainHttp_LoginCookieIsNotMarkedSecure()
    {
        var email = $"plain-{Guid.NewGuid():N}"[..20] + "@test.local";
        await app.CreateUserAsync(email, "Responder!pass-123", "Responder");
        using var form = new LoginForm(app.ServerAddress, "198.51.100.8");

        await form.LogInAsync(email, "Responder!pass-123");

        var cookie = Assert.Single(form.SetCookies, c => c.StartsWith("incidenthub=", StringComparison.Ordinal));
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task FailedLogins_LockOutOnlyTheGuessersAddress_TheOwnerStillLogsIn()
    {
        var email = $"lock-{Guid.NewGuid():N}"[..20] + "@test.local";
        await app.CreateUserAsync(email, "Owner!pass-12345", "Admin");
        using var attacker = new LoginForm(app.ServerAddress, "203.0.113.66");
        using var owner = new LoginForm(app.ServerAddress, "198.51.100.20");

        for (var i = 0; i < 5; i++)
        {
            Assert.Contains("error=invalid", (await attacker.LogInAsync(email, $"guess-{i}-wrong")).Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        var attackerWithRightPassword = await attacker.LogInAsync(email, "Owner!pass-12345");
        var ownerLogin = await owner.LogInAsync(email, "Owner!pass-12345");

        Assert.Contains("error=locked", attackerWithRightPassword.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal("/", ownerLogin.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task CookieApiChange_WithoutAntiforgeryToken_Is400_WithTokenPasses_BearerNeedsNone()
    {
        var email = $"csrf-{Guid.NewGuid():N}"[..20] + "@test.local";
        var bearer = await app.CreateUserAsync(email, "Responder!pass-123", "Responder");
        using var browser = new LoginForm(app.ServerAddress, "198.51.100.30");
        await browser.LogInAsync(email, "Responder!pass-123");

        var forged = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/incidents/999999/acknowledge"));
        var issued = await (await browser.GetAsync("/account/antiforgery")).Content.ReadFromJsonAsync<JsonObject>();
        var withToken = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/incidents/999999/acknowledge")
        {
            Headers = { { issued!["headerName"]!.GetValue<string>(), issued["token"]!.GetValue<string>() } },
        });
        using var script = app.Client(bearer);
        var withBearer = await script.PostAsync("/api/incidents/999999/acknowledge", null);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("Antiforgery", (await forged.Content.ReadFromJsonAsync<JsonObject>())!["title"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, withToken.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, withBearer.StatusCode);
    }
}
