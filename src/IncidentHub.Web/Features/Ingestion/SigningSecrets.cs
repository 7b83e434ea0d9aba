using Microsoft.AspNetCore.DataProtection;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>Encrypts integration signing secrets at rest with the shared data-protection keys.</summary>
public sealed class SigningSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("IncidentHub.Integrations.SigningSecret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
