using System.ComponentModel.DataAnnotations;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Ai;

public enum AiProvider
{
    /// <summary>No model: the agents do nothing, nothing is called, nothing is written.</summary>
    None,
    OpenAI,
    AzureOpenAI,

    /// <summary>Any server speaking OpenAI's /v1/chat/completions (Ollama, vLLM, LM Studio, Groq, OpenRouter) at <see cref="AiOptions.BaseUrl"/>.</summary>
    OpenAICompatible,
    Anthropic,
}

/// <summary>The agents a model may serve; each has its own model (small for triage, large for investigation and code).</summary>
public enum AiAgent
{
    Triage,
    Investigation,
    Code,
    Postmortem,
}

public sealed class AiModels
{
    public string? Triage { get; set; }
    public string? Investigation { get; set; }
    public string? Code { get; set; }
    public string? Postmortem { get; set; }

    public string? For(AiAgent agent) => agent switch
    {
        AiAgent.Triage => Triage,
        AiAgent.Investigation => Investigation,
        AiAgent.Code => Code,
        _ => Postmortem,
    };
}

/// <summary>Price of a model in the currency of the bill, per 1,000 tokens.</summary>
public sealed class AiPrice
{
    [Range(0, 1000)]
    public decimal InputPer1k { get; set; }

    [Range(0, 1000)]
    public decimal OutputPer1k { get; set; }
}

/// <summary>Which model the agents use, and the bounds on it. <see cref="ApiKey"/> is a secret: never logged, never shown.</summary>
public sealed class AiOptions
{
    public const string SectionName = "Ai";

    public AiProvider Provider { get; set; } = AiProvider.None;

    /// <summary>OpenAICompatible: the server's base URL ending in /v1 (e.g. http://localhost:11434/v1 for Ollama). Anthropic/OpenAI: optional override. AzureOpenAI: the resource endpoint.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>A secret: from user secrets or the environment (Ai__ApiKey), never from a committed file.</summary>
    public string? ApiKey { get; set; }

    public AiModels Models { get; set; } = new();

    /// <summary>Each agent's whole conversation (tool calls included) gets at most this long; then the deterministic answer stands.</summary>
    [Range(1, 600)]
    public double TimeoutSeconds { get; set; } = 60;

    /// <summary>Tokens (in + out, all agents) one incident may spend; when spent, no further call is made for it.</summary>
    [Range(100, 10_000_000)]
    public long TokenBudgetPerIncident { get; set; } = 50_000;

    /// <summary>Tool calls the investigation agent may make in one conversation.</summary>
    [Range(0, 50)]
    public int MaxToolCalls { get; set; } = 8;

    /// <summary>Largest answer asked for, per call.</summary>
    [Range(64, 32_000)]
    public int MaxOutputTokens { get; set; } = 1500;

    /// <summary>Price per model name (e.g. Ai:Prices:gpt-4o-mini:InputPer1k); unknown models cost 0.</summary>
    public Dictionary<string, AiPrice> Prices { get; set; } = [];

    public bool Enabled => Provider != AiProvider.None;

    /// <summary>The model an agent uses, or null when that agent is off (no model named for it).</summary>
    public string? ModelFor(AiAgent agent) => Enabled && Models.For(agent) is { Length: > 0 } m ? m : null;

    /// <summary>Where the provider is called; null when no provider is set or the URL is not absolute.</summary>
    public Uri? Endpoint => Provider switch
    {
        AiProvider.None => null,
        AiProvider.OpenAI when string.IsNullOrWhiteSpace(BaseUrl) => new Uri("https://api.openai.com/v1"),
        AiProvider.Anthropic when string.IsNullOrWhiteSpace(BaseUrl) => new Uri("https://api.anthropic.com"),
        _ => Uri.TryCreate(BaseUrl, UriKind.Absolute, out var url) ? url : null,
    };

    public decimal Cost(string model, long input, long output) =>
        Prices.TryGetValue(model, out var p) ? (p.InputPer1k * input + p.OutputPer1k * output) / 1000m : 0m;
}

/// <summary>A provider that is named but cannot work fails the start with the setting to change (never echoing the key).</summary>
internal sealed class AiOptionsValidator(OutboundPolicy outbound) : IValidateOptions<AiOptions>
{
    public ValidateOptionsResult Validate(string? name, AiOptions o)
    {
        if (!o.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        if (o.Provider is AiProvider.OpenAICompatible or AiProvider.AzureOpenAI && string.IsNullOrWhiteSpace(o.BaseUrl))
        {
            errors.Add($"Ai:BaseUrl is required for Ai:Provider={o.Provider}.");
        }
        else if (!string.IsNullOrWhiteSpace(o.BaseUrl) && !Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out _))
        {
            errors.Add("Ai:BaseUrl is not an absolute URL.");
        }
        else if (o.Endpoint is { } endpoint && outbound.Refusal(endpoint) is { } refusal)
        {
            errors.Add($"Ai:BaseUrl {endpoint.GetLeftPart(UriPartial.Authority)} is refused by the outbound policy: {refusal}");
        }

        if (o.Provider is not AiProvider.OpenAICompatible && string.IsNullOrWhiteSpace(o.ApiKey))
        {
            errors.Add($"Ai:ApiKey is required for Ai:Provider={o.Provider} (set it as a secret: user secrets or the Ai__ApiKey environment variable).");
        }

        if (Enum.GetValues<AiAgent>().All(a => o.ModelFor(a) is null))
        {
            errors.Add("Ai:Models names no model (Ai:Models:Triage, Investigation, Code, Postmortem); with none, set Ai:Provider=None.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
