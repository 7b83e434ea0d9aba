using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using IncidentHub.Web.Tests.Features.Investigation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IncidentHub.Web.Tests.Features.Ai;

/// <summary>One request a model provider received; <paramref name="Text"/> is every string in it, unescaped (prompts, tool results).</summary>
public sealed record ModelCall(string Provider, string Model, string Text, int Step, IReadOnlyList<string> Tools, string LastToolResult);

public abstract record Reply
{
    public int InputTokens { get; init; } = 120;
    public int OutputTokens { get; init; } = 40;
}

public sealed record TextReply(string Content) : Reply;

/// <summary>A function call; <paramref name="ToolSuffix"/> matches the end of an offered tool's name ("list_evidence").</summary>
public sealed record ToolReply(string ToolSuffix, string Arguments) : Reply;

/// <summary>Never answers: holds the request until the caller gives up.</summary>
public sealed record HangReply : Reply;

public sealed record ErrorReply(int Status) : Reply;

/// <summary>
/// The AI providers, replayed: an OpenAI-compatible /v1/chat/completions and an Anthropic /v1/messages on
/// 127.0.0.1. A script is picked by a key found in the request (each test names its incident uniquely) and is
/// stateless: the step is the number of assistant turns already in the conversation, as a provider sees it.
/// </summary>
public sealed class FakeModelServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Func<ModelCall, Reply>> _scripts = new();
    private LoopbackServer _server = default!;

    public Uri Address => _server.Address;
    public ConcurrentQueue<ModelCall> Calls { get; } = new();

    public static async Task<FakeModelServer> StartAsync()
    {
        var fake = new FakeModelServer();
        fake._server = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/v1/chat/completions", (Delegate)fake.OpenAIAsync);
            app.MapPost("/v1/messages", (Delegate)fake.AnthropicAsync);
        });
        return fake;
    }

    public void Script(string key, Func<ModelCall, Reply> script) => _scripts[key] = script;

    public IReadOnlyList<ModelCall> CallsFor(string key, string? model = null) =>
        Calls.Where(c => c.Text.Contains(key, StringComparison.Ordinal) && (model is null || c.Model == model)).ToList();

    private Reply Pick(ModelCall call)
    {
        Calls.Enqueue(call);
        var script = _scripts.FirstOrDefault(s => call.Text.Contains(s.Key, StringComparison.Ordinal)).Value;
        return script?.Invoke(call) ?? new TextReply("{}");
    }

    private async Task<IResult> OpenAIAsync(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
        var json = JsonNode.Parse(body)!;
        var messages = json["messages"]!.AsArray();
        var tools = json["tools"]?.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()).ToList() ?? [];
        var lastTool = Strings(messages.LastOrDefault(m => m!["role"]!.GetValue<string>() == "tool")?["content"]);
        var call = new ModelCall("openai", json["model"]!.GetValue<string>(), Strings(json), messages.Count(m => m!["role"]!.GetValue<string>() == "assistant"), tools, lastTool);
        var reply = Pick(call);
        if (reply is HangReply)
        {
            await WaitForAbortAsync(context);
            return Results.Empty;
        }

        if (reply is ErrorReply error)
        {
            return Results.Json(new { error = new { message = "scripted failure", type = "server_error" } }, statusCode: error.Status);
        }

        object message = reply is ToolReply tool
            ? new { role = "assistant", content = (string?)null, tool_calls = new[] { new { id = $"call_{call.Step}", type = "function", function = new { name = ToolName(tools, tool.ToolSuffix), arguments = tool.Arguments } } } }
            : new { role = "assistant", content = ((TextReply)reply).Content };
        return Results.Json(new
        {
            id = $"chatcmpl-{Guid.NewGuid():N}",
            @object = "chat.completion",
            created = 1_765_000_000,
            model = call.Model,
            choices = new[] { new { index = 0, message, finish_reason = reply is ToolReply ? "tool_calls" : "stop" } },
            usage = new { prompt_tokens = reply.InputTokens, completion_tokens = reply.OutputTokens, total_tokens = reply.InputTokens + reply.OutputTokens },
        });
    }

    private async Task<IResult> AnthropicAsync(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
        var json = JsonNode.Parse(body)!;
        var messages = json["messages"]!.AsArray();
        var tools = json["tools"]?.AsArray().Select(t => t!["name"]!.GetValue<string>()).ToList() ?? [];
        var lastTool = messages.LastOrDefault()?["content"] is JsonArray blocks
            ? Strings(blocks.LastOrDefault(b => b?["type"]?.GetValue<string>() == "tool_result")?["content"])
            : "";
        var call = new ModelCall("anthropic", json["model"]!.GetValue<string>(), Strings(json), messages.Count(m => m!["role"]!.GetValue<string>() == "assistant"), tools, lastTool);
        var reply = Pick(call);
        if (reply is HangReply)
        {
            await WaitForAbortAsync(context);
            return Results.Empty;
        }

        if (reply is ErrorReply error)
        {
            return Results.Json(new { type = "error", error = new { type = "api_error", message = "scripted failure" } }, statusCode: error.Status);
        }

        object content = reply is ToolReply tool
            ? new object[] { new { type = "tool_use", id = $"toolu_{call.Step}", name = ToolName(tools, tool.ToolSuffix), input = JsonNode.Parse(tool.Arguments) } }
            : new object[] { new { type = "text", text = ((TextReply)reply).Content } };
        return Results.Json(new
        {
            id = $"msg_{Guid.NewGuid():N}",
            type = "message",
            role = "assistant",
            model = call.Model,
            content,
            stop_reason = reply is ToolReply ? "tool_use" : "end_turn",
            stop_sequence = (string?)null,
            usage = new { input_tokens = reply.InputTokens, output_tokens = reply.OutputTokens },
        });
    }

    private static string Strings(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v => v.ToJsonString(),
        JsonArray a => string.Join("\n", a.Select(Strings)),
        JsonObject o => string.Join("\n", o.Select(p => Strings(p.Value))),
        _ => "",
    };

    private static string ToolName(IReadOnlyList<string> offered, string suffix) =>
        offered.FirstOrDefault(t => t.EndsWith(suffix, StringComparison.Ordinal)) ?? suffix;

    private static async Task WaitForAbortAsync(HttpContext context)
    {
        var aborted = new TaskCompletionSource();
        await using (context.RequestAborted.Register(() => aborted.TrySetResult()))
        {
            await aborted.Task;
        }
    }

    /// <summary>Evidence ids listed as data in the conversation so far ("- obs-12: ..."), in order of first appearance.</summary>
    public static IReadOnlyList<string> EvidenceIds(ModelCall call) =>
        System.Text.RegularExpressions.Regex.Matches(call.Text, @"^- (obs-\d+): ", System.Text.RegularExpressions.RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct().ToList();

    public static string Json(object value) => JsonSerializer.Serialize(value, new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();
}
