using System.Diagnostics;
using IncidentHub.Analysis.Ai;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using IncidentHub.Web.Infrastructure.Observability;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Ai;

/// <summary>Why a conversation ended without a usable answer; the deterministic result stands in every case.</summary>
public enum AiFailure
{
    None,
    Off,
    Budget,
    Timeout,
    Error,
    Malformed,
}

public sealed record AiOutcome<T>(T? Value, AiFailure Failure, string? Detail)
    where T : class;

/// <summary>A model call refused because the incident's token budget is spent.</summary>
public sealed class AiBudgetExhaustedException(string message) : Exception(message);

/// <summary>
/// One agent's conversation with the model, under the bounds code sets: the incident's token budget (checked
/// before every call, tool rounds included), a wall-clock timeout for the whole conversation, every call's
/// tokens and cost stored as it happens, the answer parsed into a record (a malformed one retried once, then
/// dropped), and each of these outcomes written to the timeline as it happens.
/// </summary>
public sealed class AiSession(
    IDbContextFactory<AppDbContext> dbs,
    AiKernels kernels,
    IOptions<AiOptions> options,
    IIncidentNotifier notifier,
    IncidentHubMetrics metrics,
    TimeProvider clock,
    ILoggerFactory loggers,
    ILogger<AiSession> logger)
{
    public static string ActorFor(AiAgent agent) => $"ai-{agent.ToString().ToLowerInvariant()}-agent";

    public async Task<AiOutcome<T>> AskAsync<T>(Guid? incidentId, AiAgent agent, string system, string user, IList<AITool> tools, CancellationToken ct)
        where T : class
    {
        var o = options.Value;
        if (o.ModelFor(agent) is not { } model)
        {
            return new(null, AiFailure.Off, null);
        }

        var budget = new Budget(incidentId is null ? long.MaxValue : o.TokenBudgetPerIncident, incidentId is null ? 0 : await UsedAsync(incidentId.Value, ct));
        if (budget.Spent)
        {
            return await FailAsync<T>(incidentId, agent, AiFailure.Budget,
                $"token budget spent ({budget.Used} of {budget.Limit} tokens used on this incident); no call made, the deterministic answer stands.", ct);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(o.TimeoutSeconds), clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var kernel = kernels.Create(model);
            IChatClient metered = new MeteredChatClient(kernel.GetRequiredService<IChatClient>(), (input, output) => RecordAsync(incidentId, agent, model, input, output, budget), budget);
            IChatClient chat = tools.Count == 0 ? metered : new FunctionInvokingChatClient(metered, loggers)
            {
                MaximumIterationsPerRequest = o.MaxToolCalls + 1,
                AllowConcurrentInvocation = false,
                IncludeDetailedErrors = false,
            };
            var chatOptions = new ChatOptions { MaxOutputTokens = o.MaxOutputTokens, Temperature = 0, Tools = tools.Count == 0 ? null : tools, ModelId = model };
            List<ChatMessage> messages = [new(ChatRole.System, system), new(ChatRole.User, user)];
            for (var attempt = 1; ; attempt++)
            {
                var response = await chat.GetResponseAsync(messages, chatOptions, linked.Token);
                var parsed = AiJson.Parse<T>(response.Text);
                if (parsed.Ok)
                {
                    return new(parsed.Value, AiFailure.None, null);
                }

                if (attempt == 2)
                {
                    return await FailAsync<T>(incidentId, agent, AiFailure.Malformed,
                        $"answer dropped: malformed twice ({parsed.Error}); the deterministic answer stands.", ct);
                }

                await SayAsync(incidentId, agent, $"AI {Name(agent)}: answer malformed ({parsed.Error}); asking once more.", ct);
                messages.AddRange(response.Messages);

                // Names the error so a model can fix it; asks for nothing but the object, which is what the parser reads.
                messages.Add(new(ChatRole.User, $"That answer could not be used: {parsed.Error}. Reply again with only the JSON object described in the instructions, nothing else."));
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return await FailAsync<T>(incidentId, agent, AiFailure.Timeout,
                $"no answer within {o.TimeoutSeconds:0.#} s; the deterministic answer stands.", ct);
        }
        catch (AiBudgetExhaustedException e)
        {
            return await FailAsync<T>(incidentId, agent, AiFailure.Budget, $"{e.Message} The deterministic answer stands.", ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The message of a provider error names the status and the provider's reason, never the key.
            logger.LogWarning("AI {Agent} call failed after {Elapsed} ms: {Error}: {Message}", agent, Stopwatch.GetElapsedTime(started).TotalMilliseconds, e.GetType().Name, Short(e.Message, 300));
            return await FailAsync<T>(incidentId, agent, AiFailure.Error,
                $"the model call failed ({e.GetType().Name}: {Short(e.Message, 200)}); the deterministic answer stands.", ct);
        }
    }

    /// <summary>Writes one line on the incident's timeline (actor ai-...-agent) and tells open pages.</summary>
    public async Task SayAsync(Guid? incidentId, AiAgent agent, string text, CancellationToken ct, Dictionary<string, string>? details = null)
    {
        if (incidentId is not { } id)
        {
            return;
        }

        await using (var db = await dbs.CreateDbContextAsync(ct))
        {
            db.Timeline.Add(TimelineEntry.Create(id, clock.GetUtcNow(), ActorFor(agent), TimelineKind.Investigation, Short(text, 1900), details));
            await db.SaveChangesAsync(ct);
        }

        await notifier.PublishAsync([id], ct);
    }

    public async Task<long> UsedAsync(Guid incidentId, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Set<AiUsage>().Where(u => u.IncidentId == incidentId).SumAsync(u => u.InputTokens + u.OutputTokens, ct);
    }

    private async Task RecordAsync(Guid? incidentId, AiAgent agent, string model, long input, long output, Budget budget)
    {
        budget.Add(input + output);
        metrics.AiTokensUsed(input, output);
        await using var db = await dbs.CreateDbContextAsync();
        db.Set<AiUsage>().Add(AiUsage.Create(incidentId, clock.GetUtcNow(), agent, model, input, output, options.Value.Cost(model, input, output)));
        await db.SaveChangesAsync();
    }

    private async Task<AiOutcome<T>> FailAsync<T>(Guid? incidentId, AiAgent agent, AiFailure failure, string text, CancellationToken ct)
        where T : class
    {
        await SayAsync(incidentId, agent, $"AI {Name(agent)}: {text}", ct, new() { ["ai.outcome"] = failure.ToString().ToLowerInvariant() });
        return new(null, failure, text);
    }

    public static string Name(AiAgent agent) => $"{agent.ToString().ToLowerInvariant()} agent";

    private static string Short(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    /// <summary>Tokens spent on the incident: stored before this conversation plus each call in it.</summary>
    internal sealed class Budget(long limit, long used)
    {
        private long _used = used;

        public long Limit { get; } = limit;
        public long Used => Interlocked.Read(ref _used);
        public bool Spent => Used >= Limit;

        public void Add(long tokens) => Interlocked.Add(ref _used, tokens);
    }

    /// <summary>Below the tool loop: every single call to the provider is checked against the budget and recorded.</summary>
    private sealed class MeteredChatClient(IChatClient inner, Func<long, long, Task> record, Budget budget) : DelegatingChatClient(inner)
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (budget.Spent)
            {
                throw new AiBudgetExhaustedException($"token budget spent mid-conversation ({budget.Used} of {budget.Limit} tokens used on this incident); no further call made.");
            }

            var response = await base.GetResponseAsync(messages, options, cancellationToken);
            await record(response.Usage?.InputTokenCount ?? 0, response.Usage?.OutputTokenCount ?? 0);
            return response;
        }

        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The agents do not stream: each answer is parsed whole.");
    }
}
