using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Azure.AI.OpenAI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenAI;

namespace IncidentHub.Web.Features.Ai;

/// <summary>
/// One Semantic Kernel per agent model, for the configured provider: the provider's own client as an
/// <see cref="IChatClient"/> (what the agents talk through) and, from it, SK's <see cref="IChatCompletionService"/>.
/// The chat client is the bare provider client on purpose: SK's registration helpers wrap theirs in SK's own
/// tool loop, which would make several provider calls per request out of sight of the session's per-call
/// budget check and metering. SDK retries are off (the session's timeout bounds the whole conversation), and
/// every request goes through the "ai" HttpClient, which passes the outbound policy.
/// </summary>
public sealed class AiKernels(IOptions<AiOptions> options, IHttpClientFactory http)
{
    public const string HttpClientName = "ai";

    public Kernel Create(string model)
    {
        var chat = ChatClient(model);
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(chat);
        builder.Services.AddSingleton<IChatCompletionService>(chat.AsChatCompletionService());
        return builder.Build();
    }

    private IChatClient ChatClient(string model)
    {
        var o = options.Value;
        var endpoint = o.Endpoint ?? throw new InvalidOperationException("Ai:BaseUrl is not set.");
        var client = http.CreateClient(HttpClientName);
        switch (o.Provider)
        {
            case AiProvider.OpenAI:
            case AiProvider.OpenAICompatible:
                // A local server (Ollama) takes any key; the OpenAI client insists on a non-empty one.
                return new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(o.ApiKey) ? "none" : o.ApiKey), new OpenAIClientOptions
                {
                    Endpoint = endpoint,
                    Transport = new HttpClientPipelineTransport(client),
                    RetryPolicy = new ClientRetryPolicy(0),
                }).GetChatClient(model).AsIChatClient();
            case AiProvider.AzureOpenAI:
                return new AzureOpenAIClient(endpoint, new ApiKeyCredential(o.ApiKey!), new AzureOpenAIClientOptions
                {
                    Transport = new HttpClientPipelineTransport(client),
                    RetryPolicy = new ClientRetryPolicy(0),
                }).GetChatClient(model).AsIChatClient();
            case AiProvider.Anthropic:
                return new AnthropicClient { ApiKey = o.ApiKey!, BaseUrl = endpoint.ToString().TrimEnd('/'), HttpClient = client, MaxRetries = 0 }
                    .AsIChatClient(model, o.MaxOutputTokens);
            default:
                throw new InvalidOperationException("Ai:Provider is None: no kernel.");
        }
    }
}
