using System.Text.Json;
using Microsoft.Playwright;

namespace IncidentHub.Benchmarks;

/// <summary>
/// Where the browsers' time goes (storm.sh): each page's main-thread counters from the DevTools protocol
/// (<c>Performance.getMetrics</c>: task, script, layout and style time, DOM nodes) and the bytes of every SignalR frame
/// the page receives, read at marks so a phase (idle walls, a probe, a storm) is the difference between two marks.
/// </summary>
public sealed class BrowserCost
{
    private readonly List<(IPage Page, ICDPSession Session)> _sessions = [];
    private int? _browserPid;
    private readonly Dictionary<IPage, long[]> _perPage = [];
    private StreamWriter? _dump;
    private IPage? _dumped;

    /// <summary>
    /// Writes what one page receives to <paramref name="path"/>: each frame's size and the readable strings in it (Blazor's
    /// render batches carry their strings as UTF-8), and the bench's marks between them, to see what a change sends.
    /// </summary>
    public void Dump(IPage page, string path)
    {
        _dump = new StreamWriter(path) { AutoFlush = true };
        _dumped = page;
    }

    public void Note(string line)
    {
        lock (_perPage)
        {
            _dump?.WriteLine($"---- {DateTime.UtcNow:HH:mm:ss.fff} {line}");
        }
    }
    private long _frames;
    private long _bytes;

    /// <summary>The Chromium launched with <paramref name="marker"/> among its arguments (a switch Chromium ignores).</summary>
    public static async Task<BrowserCost> AttachAsync(IBrowserContext context, IReadOnlyList<IPage> pages, string? marker = null)
    {
        var cost = new BrowserCost { _browserPid = marker is null ? null : RendererCpu.FindBrowser(marker) };
        foreach (var page in pages)
        {
            var session = await context.NewCDPSessionAsync(page);
            await session.SendAsync("Performance.enable");
            await session.SendAsync("Network.enable");
            var mine = new long[2];
            cost._perPage[page] = mine;
            session.Event("Network.webSocketFrameReceived").OnEvent += (_, e) =>
            {
                if (e is { } frame && frame.TryGetProperty("response", out var response) && response.TryGetProperty("payloadData", out var payload))
                {
                    var length = payload.GetString()?.Length ?? 0;
                    Interlocked.Increment(ref cost._frames);
                    Interlocked.Add(ref cost._bytes, length);
                    Interlocked.Increment(ref mine[0]);
                    Interlocked.Add(ref mine[1], length);
                    if (cost._dump is not null && cost._dumped == page)
                    {
                        cost.Write(payload.GetString() ?? "", frame.TryGetProperty("response", out var r) && r.TryGetProperty("opcode", out var op) ? op.GetDouble() : 0);
                    }
                }
            };
            cost._sessions.Add((page, session));
        }

        return cost;
    }

    private void Write(string payload, double opcode)
    {
        // Opcode 2 is a binary frame (base64 here): the strings of a MessagePack render batch.
        var bytes = opcode == 2 ? Convert.FromBase64String(payload) : System.Text.Encoding.UTF8.GetBytes(payload);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        var strings = System.Text.RegularExpressions.Regex.Matches(text, @"[\p{L}\p{N}\p{P}\p{S} ]{4,}").Select(m => m.Value);
        lock (_perPage)
        {
            _dump!.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} frame {bytes.Length} bytes: {string.Join(" | ", strings)}");
        }
    }

    /// <summary>The SignalR frames and bytes one page received so far.</summary>
    public (long Frames, long Bytes) Received(IPage page) =>
        _perPage.TryGetValue(page, out var mine) ? (Interlocked.Read(ref mine[0]), Interlocked.Read(ref mine[1])) : (0, 0);

    /// <summary>The pages' counters now, summed, with the frames and bytes received so far.</summary>
    public async Task<Mark> MarkAsync()
    {
        double task = 0, script = 0, layout = 0, style = 0, nodes = 0, layouts = 0;
        foreach (var (_, session) in _sessions)
        {
            var result = await session.SendAsync("Performance.getMetrics");
            if (result is not { } json)
            {
                continue;
            }

            foreach (var metric in json.GetProperty("metrics").EnumerateArray())
            {
                var value = metric.GetProperty("value").GetDouble();
                switch (metric.GetProperty("name").GetString())
                {
                    case "TaskDuration": task += value; break;
                    case "ScriptDuration": script += value; break;
                    case "LayoutDuration": layout += value; break;
                    case "RecalcStyleDuration": style += value; break;
                    case "Nodes": nodes += value; break;
                    case "LayoutCount": layouts += value; break;
                }
            }
        }

        var (cpu, renderers) = _browserPid is { } pid ? RendererCpu.Read(pid) : (0, 0);
        return new Mark(DateTime.UtcNow, _sessions.Count, task * 1000, script * 1000, layout * 1000, style * 1000, nodes, layouts,
            Interlocked.Read(ref _frames), Interlocked.Read(ref _bytes), cpu, renderers);
    }

    /// <summary>Per page and per <paramref name="per"/> (a probe, a second): main-thread ms (script, layout, style), layouts, frames, KiB.</summary>
    public static string Describe(Mark from, Mark to, double per, string unit)
    {
        var pages = Math.Max(1, to.Pages);
        double P(double a, double b) => (b - a) / pages / per;
        return $"per page per {unit}: renderer CPU {P(from.RendererCpuMs, to.RendererCpuMs):0.0} ms (utime+stime of {to.Renderers} renderer processes), main thread task time {P(from.TaskMs, to.TaskMs):0.0} ms (script {P(from.ScriptMs, to.ScriptMs):0.0}, layout {P(from.LayoutMs, to.LayoutMs):0.0}, "
            + $"style {P(from.StyleMs, to.StyleMs):0.0}), {P(from.Layouts, to.Layouts):0.0} layouts, {P(from.Frames, to.Frames):0.0} SignalR frames of "
            + $"{(to.Frames - from.Frames == 0 ? 0 : (to.Bytes - from.Bytes) / (double)(to.Frames - from.Frames)):0} bytes (base64 or text) each";
    }

    public sealed record Mark(DateTime At, int Pages, double TaskMs, double ScriptMs, double LayoutMs, double StyleMs, double Nodes, double Layouts, long Frames, long Bytes,
        double RendererCpuMs, int Renderers);
}
