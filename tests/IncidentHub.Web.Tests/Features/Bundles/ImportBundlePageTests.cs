using System.Formats.Tar;
using System.IO.Compression;
using Bunit;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Bundles;
using IncidentHub.Web.Features.Bundles.Pages;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Identity;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace IncidentHub.Web.Tests.Features.Bundles;

/// <summary>The Import bundle page rendered by bunit over the real importer, database and git.</summary>
[Collection(AppCollection.Name)]
public sealed class ImportBundlePageTests : BunitContext, IAsyncLifetime
{
    private readonly IncidentHubFactory _app;

    public ImportBundlePageTests(IncidentHubFactory app)
    {
        _app = app;
        Services.AddMudServices();
        Services.AddSingleton(app.Services.GetRequiredService<BundleImports>());
        Services.AddSingleton(app.Services.GetRequiredService<IOptions<BundleOptions>>());
        JSInterop.Mode = JSRuntimeMode.Loose;
        var auth = AddAuthorization();
        auth.SetAuthorized(IncidentHubFactory.AdminEmail);
        auth.SetRoles(Roles.Admin);
        auth.SetPolicies(Policies.Admin);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => base.DisposeAsync().AsTask();

    [Fact]
    public void TarGzOfABundleDirectory_IsImported_AndTheIncidentIsLinked_WhileScriptsAreNotUploaded()
    {
        using var bundle = TinyBundle.Create();
        File.Copy(bundle.RepoBundle!, Path.Combine(bundle.Directory, "repo.bundle"));
        File.WriteAllText(Path.Combine(bundle.Directory, "truth.json"), "{}");
        File.WriteAllText(Path.Combine(bundle.Directory, "make_repo.sh"), "echo never run");
        using var archive = new MemoryStream();
        using (var gzip = new GZipStream(archive, CompressionLevel.Fastest, leaveOpen: true))
        {
            TarFile.CreateFromDirectory(bundle.Directory, gzip, includeBaseDirectory: true);
        }

        var page = Render<ImportBundle>();
        Assert.Contains("Data only", page.Find("[data-testid=bundle-data-only]").TextContent, StringComparison.Ordinal);

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(archive.ToArray(), "bundle.tar.gz"));
        page.WaitForAssertion(() => Assert.Equal(5, page.FindAll("[data-testid=bundle-picked] li").Count));
        Assert.Contains("make_repo.sh", page.Find("[data-testid=bundle-ignored]").TextContent, StringComparison.Ordinal);
        Assert.Contains("truth.json", page.Find("[data-testid=bundle-ignored]").TextContent, StringComparison.Ordinal);
        page.Find("[data-testid=bundle-import]").Click();

        var link = page.WaitForElement("[data-testid=bundle-incident]", TimeSpan.FromSeconds(30));
        Assert.Matches("^INC-[0-9]+$", link.TextContent);
        Assert.Equal($"/incidents/{link.TextContent[4..]}", link.GetAttribute("href"));
        Assert.NotNull(_app.Services.GetRequiredService<ServiceCatalog>().Find(bundle.Service)!.Repository);
    }

    [Fact]
    public void PickedFilesWithATraversalName_AreRefused_WithTheReason()
    {
        using var bundle = TinyBundle.Create();
        var page = Render<ImportBundle>();

        page.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromBinary(File.ReadAllBytes(Path.Combine(bundle.Directory, "scenario.yaml")), "scenario.yaml"),
            InputFileContent.CreateFromBinary(File.ReadAllBytes(Path.Combine(bundle.Directory, "alert.json")), "alert.json"),
            InputFileContent.CreateFromBinary([1, 2, 3], "..evil.log"));
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=bundle-picked] li").Count));
        page.Find("[data-testid=bundle-import]").Click();

        page.WaitForAssertion(() => Assert.Contains("path traversal", page.Find("[data-testid=bundle-error]").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        Assert.Empty(page.FindAll("[data-testid=bundle-incident]"));
    }
}
