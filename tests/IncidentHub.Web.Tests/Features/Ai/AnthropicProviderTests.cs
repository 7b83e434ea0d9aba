using IncidentHub.Analysis.Ai;
using IncidentHub.Web.Features.Ai;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace IncidentHub.Web.Tests.Features.Ai;

/// <summary>The Anthropic provider: the official SDK's chat client in the kernel, against a replayed /v1/messages.</summary>
public sealed class AnthropicProviderTests : IAsyncLifetime
{
    private FakeModelServer _model = default!;

    public async Task InitializeAsync() => _model = await FakeModelServer.StartAsync();

    public async Task DisposeAsync() => await _model.DisposeAsync();

    [Fact]
    public async Task Anthropic_KernelCallsATool_ThenReturnsTheJsonTheAgentsParse_WithUsage()
    {
        var key = "Anth" + Guid.NewGuid().ToString("N")[..8];
        _model.Script(key, call => call.Step == 0
            ? new ToolReply("list_evidence", "{}") { InputTokens = 300, OutputTokens = 20 }
            : new TextReply($$"""{"hypotheses":[{"category":"bad-deploy-code","statement":"s","evidenceIds":["{{call.LastToolResult.Trim('"')}}"],"confidence":0.5}],"summary":"ok"}"""));
        var kernel = Kernels(AiProvider.Anthropic).Create("claude-test");
        var plugin = KernelPluginFactory.CreateFromFunctions("incident", [KernelFunctionFactory.CreateFromMethod(() => "obs-42", "list_evidence", "Lists evidence.")]);
        var chat = new FunctionInvokingChatClient(kernel.GetRequiredService<IChatClient>());

        var response = await chat.GetResponseAsync([new(ChatRole.User, $"Investigate {key}")], new ChatOptions { Tools = [.. plugin.AsAIFunctions()] });
        var parsed = AiJson.Parse<InvestigationAnswer>(response.Text);

        Assert.True(parsed.Ok, parsed.Error + " / " + response.Text);
        Assert.Equal(["obs-42"], parsed.Value!.Hypotheses![0].EvidenceIds);
        Assert.Equal(2, _model.CallsFor(key).Count);
        Assert.All(_model.CallsFor(key), c => Assert.Equal(("anthropic", "claude-test"), (c.Provider, c.Model)));
        Assert.Contains(_model.CallsFor(key)[0].Tools, t => t.EndsWith("list_evidence", StringComparison.Ordinal));
        Assert.True(response.Usage?.InputTokenCount >= 300, $"usage {response.Usage?.InputTokenCount}");
        Assert.NotNull(kernel.GetRequiredService<IChatCompletionService>());
    }

    [Fact]
    public void Validation_WhenTheProviderUrlIsNotAnAllowedHost_RefusesToStart_NamingTheSetting()
    {
        var outbound = new OutboundPolicy(Options.Create(new OutboundOptions { AllowedHosts = ["api.openai.com"] }));
        var validator = new AiOptionsValidator(outbound);

        var refused = validator.Validate(null, new AiOptions { Provider = AiProvider.OpenAICompatible, BaseUrl = "http://10.0.0.5:11434/v1", Models = new() { Triage = "llama3" } });
        var allowed = validator.Validate(null, new AiOptions { Provider = AiProvider.OpenAI, ApiKey = "k", Models = new() { Triage = "gpt" } });
        var none = validator.Validate(null, new AiOptions());

        Assert.True(refused.Failed);
        Assert.Contains("Outbound:AllowedHosts", refused.FailureMessage, StringComparison.Ordinal);
        Assert.True(allowed.Succeeded, allowed.FailureMessage);
        Assert.True(none.Succeeded);
    }

    private AiKernels Kernels(AiProvider provider)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Outbound:AllowLoopback"] = "true" }).Build());
        services.AddHttpClient(AiKernels.HttpClientName).AddOutboundPolicy(followRedirects: false);
        var sp = services.BuildServiceProvider();
        return new AiKernels(Options.Create(new AiOptions { Provider = provider, BaseUrl = _model.Address.ToString().TrimEnd('/'), ApiKey = "test-key", Models = new() { Investigation = "claude-test" } }), sp.GetRequiredService<IHttpClientFactory>());
    }
}
