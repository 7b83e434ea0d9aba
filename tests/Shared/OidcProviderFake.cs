using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IncidentHub.Tests.Shared;

/// <summary>One person as the identity provider knows them: the claims it puts in their id_token.</summary>
public sealed record OidcPerson(string Subject, string Email, bool EmailVerified, IReadOnlyList<string> Roles, string Name = "Test Person");

/// <summary>
/// A small OpenID Connect provider on 127.0.0.1, as far as an authorization code login with PKCE goes: discovery
/// document, JWKS (a fresh RSA key), an authorization endpoint that logs in <see cref="NextPerson"/> at once and
/// redirects back with a code, and a token endpoint that checks the client, the redirect URI and the PKCE verifier and
/// answers an RS256-signed id_token with the nonce it was given. <see cref="SignWithAnotherKey"/> forges the signature.
/// </summary>
public sealed class OidcProviderFake : IAsyncDisposable
{
    public const string ClientId = "incidenthub-test";
    public const string ClientSecret = "oidc-client-secret-0123456789";

    private readonly RSA _key = RSA.Create(2048);
    private readonly RSA _otherKey = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, Grant> _codes = new();
    private WebApplication? _app;

    private sealed record Grant(OidcPerson Person, string RedirectUri, string? Nonce, string? CodeChallenge);

    public Uri Issuer { get; private set; } = default!;

    /// <summary>Who the next authorization request logs in as.</summary>
    public OidcPerson NextPerson { get; set; } = new("sub-0", "person@test.local", true, []);

    /// <summary>Sign id_tokens with a key the JWKS does not publish (a forged token).</summary>
    public bool SignWithAnotherKey { get; set; }

    private int _tokensIssued;

    /// <summary>How many id_tokens the token endpoint answered.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    public static async Task<OidcProviderFake> StartAsync()
    {
        var fake = new OidcProviderFake();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", fake.Discovery);
        app.MapGet("/jwks", fake.Jwks);
        app.MapGet("/authorize", fake.Authorize);
        app.MapPost("/token", fake.TokenAsync);
        await app.StartAsync();
        fake._app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.Issuer = new Uri(address.TrimEnd('/'));
        return fake;
    }

    private string Url(string path) => Issuer.ToString().TrimEnd('/') + path;

    private IResult Discovery() => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = Issuer.ToString().TrimEnd('/'),
        ["authorization_endpoint"] = Url("/authorize"),
        ["token_endpoint"] = Url("/token"),
        ["jwks_uri"] = Url("/jwks"),
        ["response_types_supported"] = new[] { "code" },
        ["response_modes_supported"] = new[] { "query", "form_post" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        ["code_challenge_methods_supported"] = new[] { "S256" },
        ["scopes_supported"] = new[] { "openid", "profile", "email" },
    });

    private IResult Jwks()
    {
        var p = _key.ExportParameters(false);
        return Results.Json(new
        {
            keys = new[]
            {
                new { kty = "RSA", use = "sig", alg = "RS256", kid = "test-key", n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) },
            },
        });
    }

    private IResult Authorize(HttpRequest request)
    {
        var q = request.Query;
        if (q["client_id"] != ClientId || q["response_type"] != "code" || string.IsNullOrEmpty(q["redirect_uri"]))
        {
            return Results.BadRequest(new { error = "invalid_request" });
        }

        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _codes[code] = new Grant(NextPerson, q["redirect_uri"]!, q["nonce"], q["code_challenge"]);
        var separator = q["redirect_uri"].ToString().Contains('?') ? '&' : '?';
        return Results.Redirect($"{q["redirect_uri"]}{separator}code={code}&state={Uri.EscapeDataString(q["state"].ToString())}");
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var (clientId, clientSecret) = ClientCredentials(request, form);
        if (clientId != ClientId || clientSecret != ClientSecret)
        {
            return Results.Json(new { error = "invalid_client" }, statusCode: 401);
        }

        if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var grant) || grant.RedirectUri != form["redirect_uri"])
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }

        var verifier = form["code_verifier"].ToString();
        if (grant.CodeChallenge is null || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != grant.CodeChallenge)
        {
            return Results.Json(new { error = "invalid_grant", error_description = "PKCE verifier does not match" }, statusCode: 400);
        }

        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = grant.Person.Subject,
            ["email"] = grant.Person.Email,
            ["email_verified"] = grant.Person.EmailVerified,
            ["name"] = grant.Person.Name,
            ["roles"] = grant.Person.Roles.ToArray(),
        };
        if (grant.Nonce is not null)
        {
            claims["nonce"] = grant.Nonce;
        }

        var key = new RsaSecurityKey(SignWithAnotherKey ? _otherKey : _key) { KeyId = "test-key" };
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer.ToString().TrimEnd('/'),
            Audience = ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
        Interlocked.Increment(ref _tokensIssued);
        return Results.Json(new { access_token = "opaque-access-token", token_type = "Bearer", expires_in = 300, id_token = idToken });
    }

    private static (string? Id, string? Secret) ClientCredentials(HttpRequest request, IFormCollection form)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])).Split(':', 2);
            return (Uri.UnescapeDataString(pair[0]), pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : null);
        }

        return (form["client_id"], form["client_secret"]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _key.Dispose();
        _otherKey.Dispose();
    }
}
