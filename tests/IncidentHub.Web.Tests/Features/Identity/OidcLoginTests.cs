using System.Net;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Identity;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OidcCollection : ICollectionFixture<OidcApp>
{
    public const string Name = "oidc";
}

/// <summary>
/// A browser's login through the identity provider, followed redirect by redirect over real HTTP through ASP.NET Core's
/// OpenID Connect handler: users created or linked on first login, roles from the claims, disabled users and forged
/// tokens refused.
/// </summary>
[Collection(OidcCollection.Name)]
public sealed class OidcLoginTests(OidcApp fixture)
{
    private IncidentHubFactory App => fixture.App;

    [Fact]
    public async Task FirstLogin_CreatesTheUser_WithTheRoleTheClaimsMapTo()
    {
        var email = NewEmail();
        fixture.Provider.NextPerson = new OidcPerson($"sub-{Guid.NewGuid():N}", email, true, ["ih-responders", "unrelated-group"]);
        using var browser = Browser();

        var landed = await browser.GetAsync("/account/oidc?returnUrl=%2Fhistory");

        Assert.Equal(HttpStatusCode.OK, landed.StatusCode);
        Assert.Equal("/history", landed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/incidents")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/api/integrations")).StatusCode);
        Assert.Equal([Roles.Responder], await RolesOfAsync(email));
    }

    [Fact]
    public async Task AdminClaim_MakesAnAdmin_AndTheNextLoginAppliesAChangedMapping()
    {
        var email = NewEmail();
        var subject = $"sub-{Guid.NewGuid():N}";
        fixture.Provider.NextPerson = new OidcPerson(subject, email, true, ["ih-admins"]);
        using (var browser = Browser())
        {
            await browser.GetAsync("/account/oidc");
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/integrations")).StatusCode);
        }

        fixture.Provider.NextPerson = new OidcPerson(subject, email, true, ["ih-viewers"]);
        using (var browser = Browser())
        {
            await browser.GetAsync("/account/oidc");
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/api/integrations")).StatusCode);
        }

        Assert.Equal([Roles.Viewer], await RolesOfAsync(email));
    }

    [Fact]
    public async Task NoMappedRole_IsRefused_AndNoUserIsCreated()
    {
        var email = NewEmail();
        fixture.Provider.NextPerson = new OidcPerson($"sub-{Guid.NewGuid():N}", email, true, ["someone-elses-group"]);
        using var browser = Browser();

        var landed = await browser.GetAsync("/account/oidc");

        Assert.Equal("/account/login", landed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("error=norole", landed.RequestMessage.RequestUri.Query, StringComparison.Ordinal);
        Assert.Contains("no role in IncidentHub", await landed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await FindAsync(email));
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/incidents")).StatusCode);
    }

    [Fact]
    public async Task DisabledUser_IsRefused()
    {
        var email = NewEmail();
        fixture.Provider.NextPerson = new OidcPerson($"sub-{Guid.NewGuid():N}", email, true, ["ih-responders"]);
        using (var browser = Browser())
        {
            await browser.GetAsync("/account/oidc");
        }

        using (var scope = App.Services.CreateScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
            Assert.Null(await scope.ServiceProvider.GetRequiredService<AccountService>().DisableUserAsync(user!.Id, IncidentHubFactory.Admin));
        }

        using var again = Browser();
        var landed = await again.GetAsync("/account/oidc");

        Assert.Contains("error=disabled", landed.RequestMessage!.RequestUri!.Query, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.GetAsync("/api/incidents")).StatusCode);
    }

    [Fact]
    public async Task IdTokenSignedWithAKeyTheProviderDoesNotPublish_IsRefused()
    {
        var email = NewEmail();
        fixture.Provider.NextPerson = new OidcPerson($"sub-{Guid.NewGuid():N}", email, true, ["ih-admins"]);
        fixture.Provider.SignWithAnotherKey = true;
        try
        {
            using var browser = Browser();
            var landed = await browser.GetAsync("/account/oidc");

            Assert.Contains("error=sso", landed.RequestMessage!.RequestUri!.Query, StringComparison.Ordinal);
            Assert.Null(await FindAsync(email));
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/incidents")).StatusCode);
        }
        finally
        {
            fixture.Provider.SignWithAnotherKey = false;
        }
    }

    [Fact]
    public async Task ExistingUser_IsLinkedByEmail_OnlyWhenTheProviderSaysItIsVerified()
    {
        var email = NewEmail();
        await App.CreateUserAsync(email, "Local!pass-123", Roles.Viewer);
        var subject = $"sub-{Guid.NewGuid():N}";

        fixture.Provider.NextPerson = new OidcPerson(subject, email, false, ["ih-admins"]);
        using (var browser = Browser())
        {
            var refused = await browser.GetAsync("/account/oidc");
            Assert.Contains("error=unverified", refused.RequestMessage!.RequestUri!.Query, StringComparison.Ordinal);
        }

        Assert.Equal([Roles.Viewer], await RolesOfAsync(email));

        fixture.Provider.NextPerson = new OidcPerson(subject, email, true, ["ih-responders"]);
        using (var browser = Browser())
        {
            await browser.GetAsync("/account/oidc");
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/incidents")).StatusCode);
        }

        using var scope = App.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByEmailAsync(email);
        Assert.Equal(user!.Id, (await users.FindByLoginAsync(OidcLogin.LoginProvider, subject))!.Id);
        Assert.Equal([Roles.Responder], await users.GetRolesAsync(user));
    }

    [Fact]
    public async Task LoginPage_OffersTheProvider()
    {
        using var browser = Browser();

        var page = await browser.GetStringAsync("/account/login");

        Assert.Contains("Sign in with Test IdP", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/account/oidc", page, StringComparison.Ordinal);
    }

    private HttpClient Browser() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true, MaxAutomaticRedirections = 10 })
        {
            BaseAddress = App.ServerAddress,
        };

    private static string NewEmail() => $"sso-{Guid.NewGuid():N}"[..16] + "@example.test";

    private async Task<AppUser?> FindAsync(string email)
    {
        using var scope = App.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
    }

    private async Task<IList<string>> RolesOfAsync(string email)
    {
        using var scope = App.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        return await users.GetRolesAsync((await users.FindByEmailAsync(email))!);
    }
}

/// <summary>Without Oidc:Enabled there is no OpenID Connect login at all.</summary>
[Collection(AppCollection.Name)]
public sealed class OidcDisabledTests(IncidentHubFactory app)
{
    [Fact]
    public async Task ByDefault_TheOidcLoginIsNotThere()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.ServerAddress };

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/account/oidc")).StatusCode);
        Assert.DoesNotContain("/account/oidc", await http.GetStringAsync("/account/login"), StringComparison.Ordinal);
    }
}
