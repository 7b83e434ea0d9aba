using IncidentHub.Web.Infrastructure.Security;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Web.Infrastructure.Errors;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>One configured alert source with its own URL and secret token (stored only as a hash).</summary>
public sealed class Integration
{
    private Integration()
    {
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public SourceKind Kind { get; private set; }

    /// <summary>SHA-256 of the token, hex. The token itself is shown once, when created or rotated.</summary>
    public string TokenHash { get; private set; } = "";

    /// <summary>The token's first characters, so people can tell which token a sender holds.</summary>
    public string TokenPrefix { get; private set; } = "";

    /// <summary>
    /// The optional HMAC secret senders sign bodies with (X-Signature: sha256=..., or PagerDuty's
    /// X-PagerDuty-Signature), encrypted with ASP.NET Core data protection: it must be readable to
    /// verify signatures, unlike the token, which is only ever compared by hash.
    /// </summary>
    public string? SigningSecretProtected { get; private set; }

    public bool RequiresSignature => SigningSecretProtected is not null;

    /// <summary>How this integration groups alerts into incidents (explained on every grouping decision).</summary>
    public GroupingRules Rules { get; private set; } = GroupingRules.Default;

    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset TokenRotatedAt { get; private set; }

    public static Integration Create(string name, SourceKind kind, string token, DateTimeOffset at)
    {
        var integration = new Integration { Id = Guid.CreateVersion7(), Name = name.Trim(), Kind = kind, CreatedAt = at };
        integration.SetToken(token, at);
        return integration;
    }

    public void SetToken(string token, DateTimeOffset at)
    {
        TokenHash = SecretTokens.Hash(token);
        TokenPrefix = token[..Math.Min(8, token.Length)];
        TokenRotatedAt = at;
    }

    public void SetSigningSecret(string? protectedSecret) => SigningSecretProtected = protectedSecret;

    public void ChangeRules(GroupingRules rules)
    {
        if (rules.Validate() is { } problem)
        {
            throw new InvalidInputException(problem, "Invalid grouping rules");
        }

        Rules = rules;
    }

    public string HookPath(string token) => $"/hooks/{Kind.ToString().ToLowerInvariant()}/{token}";
}
