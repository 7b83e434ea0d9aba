using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IncidentHub.Web.Tests.Features.Investigation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IncidentHub.Web.Tests.Features.Remediation;

/// <summary>
/// A runbook receiver as a user would write one from the README, on loopback: it checks
/// <c>X-IncidentHub-Signature</c> (HMAC-SHA256 of "&lt;t&gt;.&lt;body&gt;" with its own copy of the secret, the
/// timestamp within 5 minutes) and that <c>Idempotency-Key</c> is the body's action id, then answers with the
/// next scripted status (200 when the script is used up). <see cref="Hang"/> in the script means: never answer
/// (until the caller gives up); <see cref="Hold"/>: answer 200 once <see cref="Release"/> is called.
/// Like a correct receiver it does the work once per key: a 2xx, a hang or a hold executes (the work is done even
/// when the answer never arrives); a 4xx or 5xx does not; a key already executed is answered 200 from what it did,
/// without executing again (<see cref="Received.Replayed"/>).
/// </summary>
public sealed class RunbookReceiver : IAsyncDisposable
{
    public const int Hang = -1;
    public const int Hold = -2;
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly string _secret;
    private readonly ConcurrentQueue<int> _script;
    private readonly ConcurrentDictionary<string, string> _done = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Received> _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LoopbackServer? _server;

    private RunbookReceiver(string secret, IEnumerable<int> script)
    {
        _secret = secret;
        _script = new ConcurrentQueue<int>(script);
    }

    /// <summary>Every request, in arrival order.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The requests whose work was done: at most one per Idempotency-Key.</summary>
    public ConcurrentQueue<Received> Executed { get; } = new();

    /// <summary>Completes when a request reaches a <see cref="Hold"/> (or a <see cref="Hang"/>): the work is under way, the answer not sent.</summary>
    public Task<Received> Holding => _holding.Task;

    /// <summary>Lets every held request answer 200.</summary>
    public void Release() => _released.TrySetResult();

    public Uri Url => new(_server!.Address, "runbook");

    public static async Task<RunbookReceiver> StartAsync(string secret, params int[] script)
    {
        var receiver = new RunbookReceiver(secret, script);
        receiver._server = await LoopbackServer.StartAsync(app => app.MapPost("/runbook", receiver.HandleAsync));
        return receiver;
    }

    private async Task<IResult> HandleAsync(HttpRequest request, CancellationToken aborted)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(aborted);
        var signature = request.Headers["X-IncidentHub-Signature"].ToString();
        var key = request.Headers["Idempotency-Key"].ToString();
        var verdict = Check(signature, key, body);
        if (verdict is not null)
        {
            Requests.Enqueue(new Received(body, key, signature, verdict));
            return Results.Text(verdict, statusCode: verdict.StartsWith("signature", StringComparison.Ordinal) ? 401 : 400);
        }

        if (_done.TryGetValue(key, out var earlier))
        {
            // Done before under this key (its answer may never have reached the caller): say so, do nothing.
            Requests.Enqueue(new Received(body, key, signature, null, Replayed: true));
            return Results.Text(earlier, "application/json", statusCode: 200);
        }

        var status = _script.TryDequeue(out var next) ? next : 200;
        var received = new Received(body, key, signature, null);
        Requests.Enqueue(received);
        if (status is >= 300)
        {
            return Results.Text($"{{\"status\":{status},\"done\":\"no\"}}", "application/json", statusCode: status);
        }

        var answer = $"{{\"status\":200,\"done\":\"yes\",\"key\":\"{key}\"}}";
        if (!_done.TryAdd(key, answer))
        {
            // The same key at the same moment: the other request does the work.
            return Results.Text(answer, "application/json", statusCode: 200);
        }

        Executed.Enqueue(received);
        if (status == Hang)
        {
            // Never answers: waits until the caller gives up and aborts the request.
            _holding.TrySetResult(received);
            var abandoned = new TaskCompletionSource();
            await using var registration = aborted.Register(() => abandoned.TrySetResult());
            await abandoned.Task;
            return Results.Empty;
        }

        if (status == Hold)
        {
            _holding.TrySetResult(received);
            await _released.Task.WaitAsync(aborted);
        }

        return Results.Text(answer, "application/json", statusCode: 200);
    }

    /// <summary>Why the request is refused, or null.</summary>
    private string? Check(string signature, string key, string body)
    {
        var parts = signature.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1) || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return "signature header missing or malformed";
        }

        if ((DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return "signature timestamp outside 5 minutes";
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(_secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
        if (!CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(v1.Length == 64 ? v1 : new string('0', 64))))
        {
            return "signature does not match";
        }

        // The key is the action id; the call that rolls the action back has its own key, the id and ":rollback".
        using var json = JsonDocument.Parse(body);
        var id = json.RootElement.GetProperty("actionId").GetString();
        var rollback = json.RootElement.GetProperty("arguments").TryGetProperty("rollback", out var r) && r.GetString() == "true";
        return Guid.TryParse(id, out _) && key == (rollback ? $"{id}:rollback" : id)
            ? null
            : "Idempotency-Key is not the action id (or, for a rollback, the action id and :rollback)";
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public sealed record Received(string Body, string IdempotencyKey, string Signature, string? Refusal, bool Replayed = false);
}
