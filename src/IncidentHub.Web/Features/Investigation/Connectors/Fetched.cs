namespace IncidentHub.Web.Features.Investigation.Connectors;

/// <summary>
/// What a connector call gives back: the data, or why the source was unavailable (failure,
/// timeout, refused). An unavailable source is recorded and the investigation goes on.
/// </summary>
public sealed record Fetched<T>(T? Value, string Source, string? Unavailable)
{
    public bool Ok => Unavailable is null;

    public static Fetched<T> Success(string source, T value) => new(value, source, null);

    public static Fetched<T> Fail(string source, string reason) => new(default, source, reason);
}

public static class Connector
{
    /// <summary>
    /// Runs one connector call under the configured timeout; any failure or timeout becomes an
    /// unavailable result (never an exception), except the caller's own cancellation.
    /// </summary>
    public static async Task<Fetched<T>> BoundedAsync<T>(string source, TimeSpan timeout, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            return Fetched<T>.Success(source, await call(cts.Token));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Fetched<T>.Fail(source, $"timed out after {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Fetched<T>.Fail(source, $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}
