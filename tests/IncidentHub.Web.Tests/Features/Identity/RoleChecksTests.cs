using System.Security.Claims;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Features.Remediation;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Tests.Features.Remediation;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Identity;

/// <summary>
/// The services a page's handlers call check the caller's role themselves: a Viewer's circuit (the principal its login
/// cookie carries, as <see cref="AuditActor.Of"/> reads it in every handler) is refused even when it reaches a handler
/// whose button it never saw. Each test also shows that nothing changed.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class RoleChecksTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Approve_ByAViewer_IsForbidden_AndTheActionStaysProposed()
    {
        var incident = await RemediationScenario.BadDeployAsync(app);
        var rollback = (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Tool == "runbook.rollback");
        var viewer = await ActorAsync(Roles.Viewer);
        using var scope = app.Services.CreateScope();
        var remediation = scope.ServiceProvider.GetRequiredService<RemediationService>();

        var approve = await Assert.ThrowsAsync<ForbiddenActionException>(() => remediation.ApproveAsync(incident.Number, rollback.Id, rollback.Hash, viewer));
        await Assert.ThrowsAsync<ForbiddenActionException>(() => remediation.RejectAsync(incident.Number, rollback.Id, "not mine", viewer));

        Assert.Contains("Only Responders and Admins may approve plan actions", approve.Message, StringComparison.Ordinal);
        Assert.Equal("proposed", (await RemediationScenario.PlanViewAsync(app, incident.Number)).Actions.Single(a => a.Id == rollback.Id).State);
    }

    [Fact]
    public async Task CatalogEdit_ByAViewerOrAResponder_IsForbidden_ByAnAdmin_Saved()
    {
        var name = $"roles-{Guid.NewGuid():N}"[..20];
        var store = app.Services.GetRequiredService<CatalogStore>();

        foreach (var role in new[] { Roles.Viewer, Roles.Responder })
        {
            var actor = await ActorAsync(role);
            await Assert.ThrowsAsync<ForbiddenActionException>(() => store.SaveAsync(new ServiceDefinition { Name = name, Owner = "intruder" }, actor));
            Assert.Null(await store.GetAsync(name));
        }

        await store.SaveAsync(new ServiceDefinition { Name = name, Owner = "team" }, await ActorAsync(Roles.Admin));
        await Assert.ThrowsAsync<ForbiddenActionException>(async () => await store.DeleteAsync(name, await ActorAsync(Roles.Viewer)));
        Assert.Equal("team", (await store.GetAsync(name))!.Service.Owner);
    }

    [Fact]
    public async Task IntegrationRotateAndSigningSecret_ByAViewer_AreForbidden_AndTheOldUrlStillWorks()
    {
        var viewer = await ActorAsync(Roles.Viewer);
        using var scope = app.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();
        var (id, _, hook) = await integrations.CreateAsync($"roles {Guid.NewGuid():N}", SourceKind.Generic);

        await Assert.ThrowsAsync<ForbiddenActionException>(() => integrations.RotateTokenAsync(id, viewer));
        await Assert.ThrowsAsync<ForbiddenActionException>(() => integrations.SetSigningSecretAsync(id, "a-secret-the-viewer-picked", viewer));
        await Assert.ThrowsAsync<ForbiddenActionException>(async () => await integrations.SetRulesAsync(id, await integrations.RulesAsync(id), viewer));

        using var http = app.Client();
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await http.PostAsync(new Uri(hook).AbsolutePath, new StringContent("""{"title":"still the old token"}""", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task UserAdmin_ByAViewer_IsForbidden_EvenOnThemselves()
    {
        var (viewerUser, viewer) = await UserAsync(Roles.Viewer);
        using var scope = app.Services.CreateScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();

        await Assert.ThrowsAsync<ForbiddenActionException>(() => accounts.ChangeRoleAsync(viewerUser.Id, Roles.Admin, viewer));
        await Assert.ThrowsAsync<ForbiddenActionException>(() => accounts.CreateUserAsync($"sneaky-{Guid.NewGuid():N}@test.local", "Sneaky!pass-123", Roles.Admin, viewer));
        await Assert.ThrowsAsync<ForbiddenActionException>(() => accounts.DisableUserAsync(viewerUser.Id, viewer));

        Assert.Equal(Roles.Viewer, (await accounts.UsersAsync()).Single(u => u.Id == viewerUser.Id).Role);
    }

    [Fact]
    public async Task AcknowledgeAndResolve_ByAViewer_AreForbidden_ByAResponder_Done()
    {
        var number = await OpenIncidentAsync();
        using var scope = app.Services.CreateScope();
        var incidents = scope.ServiceProvider.GetRequiredService<IncidentService>();

        await Assert.ThrowsAsync<ForbiddenActionException>(async () => await incidents.AcknowledgeAsync(number, await ActorAsync(Roles.Viewer)));
        await Assert.ThrowsAsync<ForbiddenActionException>(async () => await incidents.ResolveAsync(number, await ActorAsync(Roles.Viewer)));
        Assert.Null((await incidents.GetAsync(number))!.AcknowledgedBy);

        var responder = await ActorAsync(Roles.Responder);
        await incidents.AcknowledgeAsync(number, responder);
        Assert.Equal(responder.Name, (await incidents.GetAsync(number))!.AcknowledgedBy);
    }

    [Fact]
    public async Task APersonNamedWithoutALogin_MayChangeNothing()
    {
        var store = app.Services.GetRequiredService<CatalogStore>();

        var refused = await Assert.ThrowsAsync<ForbiddenActionException>(() =>
            store.SaveAsync(new ServiceDefinition { Name = $"noname-{Guid.NewGuid():N}"[..20] }, AuditActor.Person(IncidentHubFactory.AdminEmail)));

        Assert.Contains("not signed in with a role", refused.Message, StringComparison.Ordinal);
    }

    private async Task<int> OpenIncidentAsync()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        using var http = app.Client();
        var opened = await http.PostAsync(hook + "?wait=true",
            new StringContent($$"""{"title":"role checks {{Guid.NewGuid():N}}","service":"roles","severity":"critical"}""", System.Text.Encoding.UTF8, "application/json"));
        var json = System.Text.Json.Nodes.JsonNode.Parse(await opened.Content.ReadAsStringAsync())!;
        return json["incidents"]![0]!["number"]!.GetValue<int>();
    }

    private async Task<AuditActor> ActorAsync(string role) => (await UserAsync(role)).Actor;

    /// <summary>A real user with <paramref name="role"/>, and the actor a handler builds from the principal their login cookie carries.</summary>
    private async Task<(AppUser User, AuditActor Actor)> UserAsync(string role)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@test.local";
        await app.CreateUserAsync(email, "Roles!pass-12345", role);
        using var scope = app.Services.CreateScope();
        var user = (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email))!;
        ClaimsPrincipal principal = await scope.ServiceProvider.GetRequiredService<SignInManager<AppUser>>().CreateUserPrincipalAsync(user);
        return (user, AuditActor.Of(principal));
    }
}
