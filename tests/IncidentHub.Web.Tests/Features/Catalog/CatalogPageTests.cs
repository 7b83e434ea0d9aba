using Bunit;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Catalog.Pages;
using IncidentHub.Web.Features.Identity;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace IncidentHub.Web.Tests.Features.Catalog;

/// <summary>The Catalog page rendered by bunit over the real CatalogStore and database.</summary>
[Collection(AppCollection.Name)]
public sealed class CatalogPageTests : BunitContext, IAsyncLifetime
{
    private readonly IncidentHubFactory _app;

    public CatalogPageTests(IncidentHubFactory app)
    {
        _app = app;
        Services.AddMudServices();
        Services.AddSingleton(app.Services.GetRequiredService<CatalogStore>());
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => base.DisposeAsync().AsTask();

    private async Task<string> CreateServiceAsync()
    {
        var name = $"page-{Guid.NewGuid():N}"[..13];
        await _app.Services.GetRequiredService<CatalogStore>().SaveAsync(new ServiceDefinition { Name = name, Tier = 2, Owner = "team-page" }, IncidentHubFactory.Admin);
        return name;
    }

    [Fact]
    public async Task Admin_EditsAnEntryAsYaml_AndTheChangeIsSaved()
    {
        var name = await CreateServiceAsync();
        var auth = AddAuthorization();
        auth.SetAuthorized(IncidentHubFactory.AdminEmail);
        auth.SetRoles(Roles.Admin);
        auth.SetPolicies(Policies.Admin);
        var page = Render<IncidentHub.Web.Features.Catalog.Pages.Catalog>();

        page.WaitForElement($"[data-testid=catalog-row][data-name='{name}'] [data-testid=catalog-edit]").Click();
        page.WaitForElement("textarea").Input($"name: {name}\ntier: 1\nowner: team-renamed\ndepends_on: [postgres-main]\n");
        page.Find("[data-testid=catalog-save]").Click();

        page.WaitForAssertion(() => Assert.Contains(name, page.Find("[data-testid=catalog-saved]").TextContent, StringComparison.Ordinal));
        var saved = (await _app.Services.GetRequiredService<CatalogStore>().GetAsync(name))!;
        Assert.Equal((1, "team-renamed", CatalogOrigin.Edited), (saved.Service.Tier, saved.Service.Owner, saved.Origin));
        Assert.Equal("1", page.Find($"[data-testid=catalog-row][data-name='{name}'] [data-testid=catalog-tier]").TextContent);
    }

    [Fact]
    public async Task Admin_InvalidYaml_ShowsTheValidationErrors_AndSavesNothing()
    {
        var name = await CreateServiceAsync();
        var auth = AddAuthorization();
        auth.SetAuthorized(IncidentHubFactory.AdminEmail);
        auth.SetRoles(Roles.Admin);
        auth.SetPolicies(Policies.Admin);
        var page = Render<IncidentHub.Web.Features.Catalog.Pages.Catalog>();

        page.WaitForElement($"[data-testid=catalog-row][data-name='{name}'] [data-testid=catalog-edit]").Click();
        page.WaitForElement("textarea").Input($"name: {name}\ntier: 9\nlogs:\n  - kind: loki\n");
        page.Find("[data-testid=catalog-save]").Click();

        page.WaitForAssertion(() => Assert.Contains("tier: 9 is not 1, 2 or 3", page.Find("[data-testid=catalog-errors]").TextContent, StringComparison.Ordinal));
        Assert.Contains("logs[0]: a loki source needs", page.Find("[data-testid=catalog-errors]").TextContent, StringComparison.Ordinal);
        Assert.Equal(2, (await _app.Services.GetRequiredService<CatalogStore>().GetAsync(name))!.Service.Tier);
    }

    [Fact]
    public async Task Viewer_SeesTheCatalog_ButNoEditOrNewButton()
    {
        var name = await CreateServiceAsync();
        var auth = AddAuthorization();
        auth.SetAuthorized("viewer@test.local");
        auth.SetRoles(Roles.Viewer);

        var page = Render<IncidentHub.Web.Features.Catalog.Pages.Catalog>();

        Assert.Contains("team-page", page.WaitForElement($"[data-testid=catalog-row][data-name='{name}']").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=catalog-edit]"));
        Assert.Empty(page.FindAll("[data-testid=catalog-new]"));
    }
}
