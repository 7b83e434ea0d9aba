using System.Text;

namespace IncidentHub.Web.Features.Remediation.Executors;

/// <summary>The start of a response body, for the record: at most <see cref="MaxChars"/> characters, never the whole of a large body.</summary>
public static class ResponseExcerpt
{
    public const int MaxChars = 2048;

    public static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[MaxChars + 1];
        var read = 0;
        while (read < buffer.Length && await reader.ReadAsync(buffer.AsMemory(read), ct) is var n && n > 0)
        {
            read += n;
        }

        return read > MaxChars ? new string(buffer, 0, MaxChars) + "…" : new string(buffer, 0, read);
    }
}
