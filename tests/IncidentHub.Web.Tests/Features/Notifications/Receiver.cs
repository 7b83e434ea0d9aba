using System.Collections.Concurrent;
using IncidentHub.Web.Tests.Features.Investigation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IncidentHub.Web.Tests.Features.Notifications;

/// <summary>One request as a receiver (Slack, Teams, PagerDuty, a webhook) got it.</summary>
public sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, string Body, int AnsweredWith);

/// <summary>
/// A loopback stand-in for a chat or paging service: records every POST and answers with the next queued status
/// (then 200, or 202 when <see cref="Accepted"/>), and a body of its own (Slack's chat.postMessage answer).
/// </summary>
public sealed class Receiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<int> _statuses = new();
    private LoopbackServer _server = default!;

    public ConcurrentQueue<Received> Requests { get; } = new();

    public int Accepted { get; init; } = 200;

    public Func<Received, string>? Answer { get; init; }

    public Uri Url(string path = "hook") => new(_server.Address, path);

    /// <summary>The next requests are answered with these statuses, in order.</summary>
    public void Then(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _statuses.Enqueue(status);
        }
    }

    public IReadOnlyList<Received> Delivered => Requests.Where(r => r.AnsweredWith is >= 200 and < 300).ToList();

    public static async Task<Receiver> StartAsync(int accepted = 200, Func<Received, string>? answer = null)
    {
        var receiver = new Receiver { Accepted = accepted, Answer = answer };
        receiver._server = await LoopbackServer.StartAsync(app => app.MapPost("/{**path}", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var status = receiver._statuses.TryDequeue(out var queued) ? queued : receiver.Accepted;
            var received = new Received(http.Request.Path.Value ?? "", http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body, status);
            receiver.Requests.Enqueue(received);
            http.Response.StatusCode = status;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(receiver.Answer?.Invoke(received) ?? "{\"status\":\"success\"}");
        }));
        return receiver;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
