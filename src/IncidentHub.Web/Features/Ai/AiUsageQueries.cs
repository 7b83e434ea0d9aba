using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Ai;

public sealed record AiUsageRow(AiAgent Agent, string Model, int Calls, long InputTokens, long OutputTokens, decimal Cost);

public sealed record AiUsageTotals(IReadOnlyList<AiUsageRow> Rows, long Budget)
{
    public long Tokens => Rows.Sum(r => r.InputTokens + r.OutputTokens);
    public decimal Cost => Rows.Sum(r => r.Cost);
}

public sealed record AiAgentModel(AiAgent Agent, string? Model);

public sealed record AiStatus(bool Configured, string Provider, string? Endpoint, IReadOnlyList<AiAgentModel> Models, double TimeoutSeconds, long TokenBudgetPerIncident, AiUsageTotals Usage);

public sealed record AiConnectionTest(bool Ok, string Model, long ElapsedMs, string Detail);

/// <summary>Usage per incident and overall, the provider's state (never the key), and the admin's connection test.</summary>
public sealed class AiUsageQueries(IDbContextFactory<AppDbContext> dbs, IOptions<AiOptions> options, AiKernels kernels)
{
    public async Task<AiUsageTotals> ForIncidentAsync(Guid incidentId, CancellationToken ct = default) =>
        new(await RowsAsync(u => u.IncidentId == incidentId, ct), options.Value.TokenBudgetPerIncident);

    public async Task<AiStatus> StatusAsync(CancellationToken ct = default)
    {
        var o = options.Value;
        return new(o.Enabled, o.Provider.ToString(), o.Endpoint?.GetLeftPart(UriPartial.Path),
            Enum.GetValues<AiAgent>().Select(a => new AiAgentModel(a, o.ModelFor(a))).ToList(), o.TimeoutSeconds, o.TokenBudgetPerIncident,
            new(await RowsAsync(_ => true, ct), o.TokenBudgetPerIncident));
    }

    /// <summary>One tiny call with the first configured model; the answer's text is not kept, only whether it came.</summary>
    public async Task<AiConnectionTest> TestConnectionAsync(CancellationToken ct)
    {
        var o = options.Value;
        var model = Enum.GetValues<AiAgent>().Select(o.ModelFor).FirstOrDefault(m => m is not null);
        if (model is null)
        {
            return new(false, "", 0, "No provider is configured (Ai:Provider=None).");
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(o.TimeoutSeconds));
            var chat = kernels.Create(model).GetRequiredService<IChatClient>();
            var response = await chat.GetResponseAsync([new(ChatRole.User, "Reply with the word ok.")], new ChatOptions { MaxOutputTokens = 16, ModelId = model }, timeout.Token);
            var elapsed = (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return new(true, model, elapsed, $"{o.Provider} answered in {elapsed} ms ({response.Usage?.TotalTokenCount ?? 0} tokens).");
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var elapsed = (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var message = e.Message.Length > 300 ? e.Message[..300] : e.Message;
            return new(false, model, elapsed, e is OperationCanceledException ? $"No answer within {o.TimeoutSeconds:0.#} s." : $"{e.GetType().Name}: {message}");
        }
    }

    private async Task<IReadOnlyList<AiUsageRow>> RowsAsync(System.Linq.Expressions.Expression<Func<AiUsage, bool>> filter, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Set<AiUsage>().AsNoTracking().Where(filter)
            .GroupBy(u => new { u.Agent, u.Model })
            .Select(g => new AiUsageRow(g.Key.Agent, g.Key.Model, g.Count(), g.Sum(u => u.InputTokens), g.Sum(u => u.OutputTokens), g.Sum(u => u.Cost)))
            .ToListAsync(ct);
    }
}
