using Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace IncidentHub.Web.Features.Ai;

/// <summary>
/// One Semantic Kernel per agent, for the configured provider. Every provider ends up as an <see cref="IChatClient"/>
/// in the kernel (the agents meter and bound each call through it) and an <see cref="IChatCompletionService"/> for
/// SK's own consumers. All requests go through the "ai" HttpClient, which passes the outbound policy.
/// </summary>
public sealed class AiKernels(IOptions<AiOptions> options, IHttpClientFactory http)
{
    public const string HttpClientName = "ai";

    public Kernel Create(string model)
    {
        var o = options.Value;
        var builder = Kernel.CreateBuilder();
        var client = http.CreateClient(HttpClientName);
        switch (o.Provider)
        {
            case AiProvider.OpenAI:
            case AiProvider.OpenAICompatible:
                // A local server (Ollama) takes any key; the OpenAI client insists on a non-empty one.
                builder.AddOpenAIChatClient(model, o.Endpoint, string.IsNullOrEmpty(o.ApiKey) ? "none" : o.ApiKey, httpClient: client);
                break;
            case AiProvider.AzureOpenAI:
                builder.AddAzureOpenAIChatClient(model, o.Endpoint.ToString(), o.ApiKey!, httpClient: client);
                break;
            case AiProvider.Anthropic:
                var anthropic = new AnthropicClient { ApiKey = o.ApiKey!, BaseUrl = o.Endpoint.ToString().TrimEnd('/'), HttpClient = client, MaxRetries = 0 };
                IChatClient chat = anthropic.AsIChatClient(model, o.MaxOutputTokens);
                builder.Services.AddSingleton(chat);
                builder.Services.AddSingleton<IChatCompletionService>(chat.AsChatCompletionService());
                break;
            default:
                throw new InvalidOperationException("Ai:Provider is None: no kernel.");
        }

        return builder.Build();
    }
}
