using IncidentHub.Tests.Shared;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

[CollectionDefinition(Name)]
public sealed class OidcBrowserCollection : ICollectionFixture<OidcApp>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "oidc-browser";
}

/// <summary>
/// Single sign-on in Chromium: the login page's button, the identity provider's redirect back with a code, ASP.NET Core's
/// OpenID Connect handler and the cookies a real browser keeps or refuses over plain HTTP; the role comes from the claims.
/// </summary>
[Collection(OidcBrowserCollection.Name)]
public sealed class OidcBrowserTests(OidcApp fixture, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(fixture.App, browser, output)
{
    [Fact]
    public async Task SsoButton_SignsInAResponder_OntoTheLiveWall_WithTheResponderControls()
    {
        var email = NewEmail();
        fixture.Provider.NextPerson = new OidcPerson($"sub-{Guid.NewGuid():N}", email, true, ["ih-responders", "unrelated-group"], "Sam Sso");
        var page = await NewPageAsync("sso-responder");

        await page.GotoAsync("/account/login");
        await page.GetByTestId("login-sso").ClickAsync();

        await Expect(page).ToHaveURLAsync(WallUrl());
        await WaitForCircuitAsync(page);
        await Expect(page.Locator("h1", new() { HasText = "Incident wall" })).ToBeVisibleAsync();
        await Expect(page.Locator(".ih-user")).ToContainTextAsync(email);
        // Responder: may declare incidents; not an Admin, so no Integrations page.
        await Expect(page.GetByTestId("declare")).ToBeVisibleAsync();
        var integrations = await page.Context.APIRequest.GetAsync("/api/integrations");
        Assert.Equal(403, integrations.Status);
        Assert.Equal(1, fixture.Provider.TokensIssued - _tokensBefore);
        await ScreenshotAsync(page, "oidc-responder-wall.png");
    }

    [Fact]
    public async Task SsoButton_ViewerClaim_LandsOnTheWall_WithoutResponderControls()
    {
        fixture.Provider.NextPerson = new OidcPerson($"sub-{Guid.NewGuid():N}", NewEmail(), true, ["ih-viewers"]);
        var page = await NewPageAsync("sso-viewer");

        await page.GotoAsync("/account/login");
        await page.GetByTestId("login-sso").ClickAsync();

        await Expect(page).ToHaveURLAsync(WallUrl());
        await WaitForCircuitAsync(page);
        await Expect(page.Locator("h1", new() { HasText = "Incident wall" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("declare")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task SsoButton_ClaimsThatMapToNoRole_AreRefusedWithAVisibleMessage()
    {
        fixture.Provider.NextPerson = new OidcPerson($"sub-{Guid.NewGuid():N}", NewEmail(), true, ["someone-elses-group"]);
        var page = await NewPageAsync("sso-norole");

        await page.GotoAsync("/account/login");
        await page.GetByTestId("login-sso").ClickAsync();

        await Expect(page).ToHaveURLAsync(LoginUrl());
        await Expect(page.GetByTestId("login-error")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("login-error")).ToContainTextAsync("no role in IncidentHub");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "incidenthub");
        await ScreenshotAsync(page, "oidc-norole.png");

        // Still not signed in: the wall sends the browser back to the login page.
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(LoginUrl());
        await Expect(page.GetByTestId("incident-wall")).ToHaveCountAsync(0);
    }

    private int _tokensBefore;

    public override Task InitializeAsync()
    {
        _tokensBefore = fixture.Provider.TokensIssued;
        return Task.CompletedTask;
    }

    private static string NewEmail() => $"sso-{Guid.NewGuid():N}"[..16] + "@example.test";
}
