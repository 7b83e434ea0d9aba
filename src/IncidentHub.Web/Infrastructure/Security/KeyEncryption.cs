using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace IncidentHub.Web.Infrastructure.Security;

/// <summary>
/// Where the certificate that encrypts the data-protection key ring lives. The keys are in PostgreSQL (every web
/// node reads them); encrypted with this certificate, a database dump or backup no longer holds usable keys for the
/// login cookies and the integrations' signing secrets. Every process of one deployment needs the same file.
/// </summary>
public sealed class KeyEncryptionOptions
{
    public const string SectionName = "DataProtection";

    /// <summary>A PKCS#12 file; created (RSA 3072, self-signed, mode 0600) when missing. Relative paths are from the working directory.</summary>
    public string CertificatePath { get; set; } = Path.Combine(".data", "dataprotection.pfx");

    /// <summary>The file's password; empty for a generated file, which its mode protects.</summary>
    public string? CertificatePassword { get; set; }
}

public static class KeyEncryption
{
    /// <summary>Encrypts newly created keys at rest with the configured certificate (keys written before stay readable).</summary>
    public static IDataProtectionBuilder ProtectKeysWithConfiguredCertificate(this IDataProtectionBuilder builder, IConfiguration configuration)
    {
        var options = configuration.GetSection(KeyEncryptionOptions.SectionName).Get<KeyEncryptionOptions>() ?? new KeyEncryptionOptions();
        return builder.ProtectKeysWithCertificate(LoadOrCreate(Path.GetFullPath(options.CertificatePath), options.CertificatePassword));
    }

    internal static X509Certificate2 LoadOrCreate(string path, string? password)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var rsa = RSA.Create(3072);
            var request = new CertificateRequest("CN=IncidentHub data protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
            var pfx = created.Export(X509ContentType.Pfx, password);
            // Written aside, then moved in without overwriting: when two processes start at once, both use the first file.
            var aside = $"{path}.{Environment.ProcessId}.tmp";
            var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(aside, create))
            {
                file.Write(pfx);
            }

            try
            {
                File.Move(aside, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(aside);
            }
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
    }
}
