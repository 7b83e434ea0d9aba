using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace IncidentHub.Web.Features.CodeFix.GitHub;

/// <summary>
/// GitHub webhook deliveries: stored before they are applied, applied once, applied again by a sweep when the process
/// stopped or applying failed (docs/decisions/037). Applying is idempotent: a pull request's state is recorded only when
/// it changes.
/// </summary>
public sealed class GitHubDeliveries(AppDbContext db, CodeFixService codeFixes, TimeProvider clock, ILogger<GitHubDeliveries> logger)
{
    public const string RecurringId = "github-deliveries";

    /// <summary>A delivery still Received after this long was left by a process that stopped; the sweep applies it.</summary>
    public static readonly TimeSpan LeftAfter = TimeSpan.FromMinutes(1);

    /// <summary>Applied deliveries are kept this long, for the record.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    /// <summary>Stores a verified delivery; a redelivery (same X-GitHub-Delivery) returns the stored one and Duplicate.</summary>
    public async Task<(GitHubDelivery Delivery, bool Duplicate)> StoreAsync(string? deliveryId, string @event, byte[] body, CancellationToken ct)
    {
        var delivery = GitHubDelivery.Receive(deliveryId, @event, body, clock.GetUtcNow());
        db.GitHubDeliveries.Add(delivery);
        try
        {
            await db.SaveChangesAsync(ct);
            return (delivery, false);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && delivery.DeliveryId is not null)
        {
            db.ChangeTracker.Clear();
            return (await db.GitHubDeliveries.SingleAsync(d => d.DeliveryId == delivery.DeliveryId, ct), true);
        }
    }

    /// <summary>Applies a stored delivery unless it was applied already; a failure is recorded on it, not thrown.</summary>
    public async Task<GitHubDelivery> ApplyAsync(long id, CancellationToken ct)
    {
        var delivery = await db.GitHubDeliveries.SingleAsync(d => d.Id == id, ct);
        if (delivery.Done)
        {
            return delivery;
        }

        try
        {
            if (delivery.Event != "pull_request" || GitHubWebhook.ParsePullRequest(delivery.Body) is not { } pr)
            {
                delivery.Applied(GitHubDeliveryStatus.Ignored, false, $"not a pull_request event ({delivery.Event})", clock.GetUtcNow());
            }
            else
            {
                var state = pr.Action switch
                {
                    "closed" => pr.Merged ? "merged" : "closed",
                    "reopened" or "ready_for_review" => "open",
                    "converted_to_draft" => "draft",
                    _ => null,
                };
                var recorded = state is not null && await codeFixes.RecordPullRequestStateAsync(pr.Url, state, pr.Sender, ct);
                delivery.Applied(GitHubDeliveryStatus.Processed, recorded,
                    recorded ? $"{pr.Url} recorded as {state}" : $"{pr.Action} on {pr.Url}: no change to a pull request IncidentHub opened", clock.GetUtcNow());
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("GitHub delivery {Id} could not be applied (attempt {Attempt}): {Reason}", delivery.Id, delivery.Attempts + 1, ex.Message);
            db.ChangeTracker.Clear();
            delivery = await db.GitHubDeliveries.SingleAsync(d => d.Id == id, ct);
            delivery.Failed(ex.Message, clock.GetUtcNow());
        }

        await db.SaveChangesAsync(ct);
        return delivery;
    }

    /// <summary>Every minute: applies deliveries left Received by a stopped process or failed earlier; forgets old applied ones.</summary>
    public async Task SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var left = now - LeftAfter;
        var pending = await db.GitHubDeliveries.AsNoTracking()
            .Where(d => (d.Status == GitHubDeliveryStatus.Received && d.ReceivedAt < left) || (d.Status == GitHubDeliveryStatus.Failed && d.Attempts < GitHubDelivery.MaxAttempts))
            .OrderBy(d => d.Id).Select(d => d.Id).Take(100).ToListAsync(ct);
        foreach (var id in pending)
        {
            db.ChangeTracker.Clear();
            await ApplyAsync(id, ct);
        }

        var forgotten = now - Retention;
        await db.GitHubDeliveries
            .Where(d => (d.Status == GitHubDeliveryStatus.Processed || d.Status == GitHubDeliveryStatus.Ignored) && d.ReceivedAt < forgotten)
            .ExecuteDeleteAsync(ct);
    }
}
