using System.Text;
using IncidentHub.Web.Infrastructure.Errors;

namespace IncidentHub.Web.Infrastructure.Security;

/// <summary>A read from outside went past its configured bound; the message names what, the bound and the setting.</summary>
public sealed class ReadLimitExceededException(string what, long limit, string setting)
    : InvalidInputException($"{what} is larger than {limit} bytes, the limit ({setting}); reading stopped there.", "Too large")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// A read-only view of a stream that throws <see cref="ReadLimitExceededException"/> once more than
/// <c>limit</c> bytes have been read, so a file like /dev/zero or an endless HTTP body ends with a clear
/// error instead of the process's memory.
/// </summary>
public sealed class BoundedStream(Stream inner, long limit, string what, string setting, bool leaveOpen = false) : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int read)
    {
        BytesRead += read;
        if (BytesRead > limit)
        {
            throw new ReadLimitExceededException(what, limit, setting);
        }

        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!leaveOpen)
        {
            await inner.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

/// <summary>Lines of a text stream where one line never holds more than a bound (the rest of a longer line is dropped).</summary>
public static class BoundedLines
{
    public static async IAsyncEnumerable<string> ReadAsync(TextReader reader, int maxLineChars,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        var buffer = new char[1 << 15];
        var line = new StringBuilder();
        var pendingCr = false;
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), ct)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                var c = buffer[i];
                if (c == '\n' || pendingCr)
                {
                    if (pendingCr && c != '\n')
                    {
                        // a lone '\r' ended the previous line
                        yield return line.ToString();
                        line.Clear();
                        pendingCr = false;
                    }
                    else if (c == '\n')
                    {
                        pendingCr = false;
                        yield return line.ToString();
                        line.Clear();
                        continue;
                    }
                }

                if (c == '\r')
                {
                    pendingCr = true;
                    continue;
                }

                if (line.Length < maxLineChars)
                {
                    line.Append(c);
                }
            }
        }

        if (line.Length > 0 || pendingCr)
        {
            yield return line.ToString();
        }
    }
}
