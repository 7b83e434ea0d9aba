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

    /// <summary>The secret before the last rotation, still accepted until <see cref="PreviousSigningSecretValidUntil"/>; encrypted like the current one.</summary>
    public string? PreviousSigningSecretProtected { get; private set; }

    public DateTimeOffset? PreviousSigningSecretValidUntil { get; private set; }

    /// <summary>
    /// Bodies must carry X-Signature-Timestamp and be signed over "{timestamp}.{body}": stale, future and repeated
    /// signatures are refused. Off for senders that can only sign the body (PagerDuty v3).
    /// </summary>
    public bool RequireSignatureTimestamp { get; private set; }

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

    /// <summary>Sets or clears the secret at once: no overlap, the previous secret (if any) stops working too.</summary>
    public void SetSigningSecret(string? protectedSecret, bool requireTimestamp)
    {
        if (requireTimestamp && protectedSecret is null)
        {
            throw new InvalidInputException("A signed timestamp can only be required with a signing secret.", "Invalid signing settings");
        }

        if (requireTimestamp && Kind == SourceKind.PagerDuty)
        {
            throw new InvalidInputException("PagerDuty signs the body only (X-PagerDuty-Signature, no timestamp); a signed timestamp cannot be required of it.", "Invalid signing settings");
        }

        SigningSecretProtected = protectedSecret;
        RequireSignatureTimestamp = requireTimestamp;
        PreviousSigningSecretProtected = null;
        PreviousSigningSecretValidUntil = null;
    }

    /// <summary>A new secret; the one it replaces keeps being accepted until <paramref name="at"/> + <paramref name="overlap"/>, then refused.</summary>
    public void RotateSigningSecret(string protectedSecret, DateTimeOffset at, TimeSpan overlap)
    {
        if (SigningSecretProtected is null)
        {
            throw new InvalidInputException("This integration has no signing secret to rotate; set one first.", "No signing secret");
        }

        PreviousSigningSecretProtected = SigningSecretProtected;
        var until = at + overlap;
        PreviousSigningSecretValidUntil = until.AddTicks(-(until.Ticks % TimeSpan.TicksPerSecond)); // whole seconds: as stored, as shown
        SigningSecretProtected = protectedSecret;
    }

    /// <summary>The previous secret while it is still accepted, else null.</summary>
    public string? PreviousSigningSecretAt(DateTimeOffset now) =>
        PreviousSigningSecretValidUntil is { } until && now < until ? PreviousSigningSecretProtected : null;

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
