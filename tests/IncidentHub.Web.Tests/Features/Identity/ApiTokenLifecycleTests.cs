using System.Net;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Identity;

/// <summary>API tokens with an expiry, and every token of a user revoked when the user is disabled.</summary>
[Collection(AppCollection.Name)]
public sealed class ApiTokenLifecycleTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Token_WithExpiry_WorksUntilItExpires_ThenIs401()
    {
        var (userId, _) = await NewUserAsync("expiry");
        using var scope = app.Services.CreateScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var shortLived = await accounts.CreateTokenAsync(userId, "short", TimeSpan.FromSeconds(2));
        var lasting = await accounts.CreateTokenAsync(userId, "lasting", TimeSpan.FromDays(30));

        Assert.Equal(HttpStatusCode.OK, (await app.Client(shortLived).GetAsync("/api/incidents")).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client(shortLived).GetAsync("/api/incidents")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client(lasting).GetAsync("/api/incidents")).StatusCode);
        var views = await accounts.TokensAsync(userId);
        Assert.NotNull(Assert.Single(views, v => v.Name == "lasting").ExpiresAt);
    }

    [Fact]
    public async Task DisablingUser_RevokesAllTheirTokens_AndLogInFails()
    {
        var (userId, firstToken) = await NewUserAsync("disabled");
        using var scope = app.Services.CreateScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var secondToken = await accounts.CreateTokenAsync(userId, "second");
        Assert.Equal(HttpStatusCode.OK, (await app.Client(firstToken).GetAsync("/api/incidents")).StatusCode);

        var error = await accounts.DisableUserAsync(userId, IncidentHubFactory.Admin);

        Assert.Null(error);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client(firstToken).GetAsync("/api/incidents")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client(secondToken).GetAsync("/api/incidents")).StatusCode);
        Assert.All(await accounts.TokensAsync(userId), t => Assert.NotNull(t.RevokedAt));
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByIdAsync(userId);
        using var form = new Infrastructure.Security.LoginForm(app.ServerAddress, "198.51.100.90");
        var login = await form.LogInAsync(user!.Email!, "Viewer!pass-12345");
        Assert.Contains("error=", login.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.True((await accounts.UsersAsync()).Single(u => u.Id == userId).Disabled);
    }

    private async Task<(string UserId, string Token)> NewUserAsync(string name)
    {
        var email = $"{name}-{Guid.NewGuid():N}"[..24] + "@test.local";
        var token = await app.CreateUserAsync(email, "Viewer!pass-12345", "Viewer");
        using var scope = app.Services.CreateScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
        return (user!.Id, token);
    }
}
