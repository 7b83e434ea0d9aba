using System.Security.Cryptography;
using System.Text;

namespace IncidentHub.Web.Infrastructure.Security;

/// <summary>
/// Random bearer secrets (integration tokens, personal API tokens). They carry 240 bits of
/// entropy, so a plain SHA-256 is enough to store them: no slow password hash is needed.
/// </summary>
public static class SecretTokens
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string New(string prefix) => prefix + RandomNumberGenerator.GetString(Alphabet, 40);

    public static string Hash(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
