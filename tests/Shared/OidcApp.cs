using Xunit;

namespace IncidentHub.Tests.Shared;

/// <summary>An app of its own with OpenID Connect login against <see cref="OidcProviderFake"/>.</summary>
public sealed class OidcApp : IAsyncLifetime
{
    public OidcProviderFake Provider { get; private set; } = default!;

    public IncidentHubFactory App { get; } = new();

    public async Task InitializeAsync()
    {
        Provider = await OidcProviderFake.StartAsync();
        App.Settings["Oidc:Enabled"] = "true";
        App.Settings["Oidc:Authority"] = Provider.Issuer.ToString().TrimEnd('/');
        App.Settings["Oidc:ClientId"] = OidcProviderFake.ClientId;
        App.Settings["Oidc:ClientSecret"] = OidcProviderFake.ClientSecret;
        App.Settings["Oidc:RequireHttpsMetadata"] = "false";
        App.Settings["Oidc:DisplayName"] = "Test IdP";
        App.Settings["Oidc:AdminValues:0"] = "ih-admins";
        App.Settings["Oidc:ResponderValues:0"] = "ih-responders";
        App.Settings["Oidc:ViewerValues:0"] = "ih-viewers";
        await App.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await Provider.DisposeAsync();
    }
}
