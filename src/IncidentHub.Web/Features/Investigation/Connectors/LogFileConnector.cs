using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Investigation.Connectors;

/// <summary>What a log read returned: the lines in the window, and whether the cap cut it short.</summary>
public sealed record LogRead(IReadOnlyList<LogLine> Lines, IReadOnlyList<string> Files, bool Capped);

/// <summary>
/// Log files on disk: a path or glob (<c>*</c>, <c>?</c> in the file name), plus its rotated
/// siblings (<c>x.log.1</c>, <c>x.log.2.gz</c>, <c>x.log.gz</c>). Keeps only lines inside the window;
/// a line without a timestamp (a stack trace's continuation) takes the previous line's time.
/// Every matched file must really be under Catalog:AllowedFileRoots (links followed), and is read up to
/// Investigation:MaxFileBytes with lines cut at Investigation:MaxLineChars.
/// </summary>
public sealed class LogFileConnector(CatalogFileRoots roots, IOptions<InvestigationOptions> options)
{
    public async Task<LogRead> ReadAsync(string pattern, DateTimeOffset from, DateTimeOffset to, int cap, CancellationToken ct)
    {
        var files = Expand(pattern);
        if (files.Count == 0)
        {
            throw new FileNotFoundException($"No log files match {pattern}.");
        }

        foreach (var file in files)
        {
            roots.ThrowIfOutside(file, "log file");
        }

        var lines = new List<LogLine>();
        var capped = false;
        foreach (var file in files)
        {
            capped = await ReadFileAsync(file, from, to, cap, lines, ct);
            if (capped)
            {
                break;
            }
        }

        // Rotated files hold older lines; present everything in time order (stable within a file).
        var ordered = lines.Select((l, i) => (l, i)).OrderBy(x => x.l.At).ThenBy(x => x.i).Select(x => x.l).ToList();
        return new LogRead(ordered, files, capped);
    }

    /// <summary>The files a pattern names, with rotated siblings, oldest rotation first.</summary>
    public static IReadOnlyList<string> Expand(string pattern)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var full = Path.GetFullPath(pattern);
        var dir = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var glob = new Regex("^" + Regex.Escape(name).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal)
            + @"(?:\.(\d+))?(?:\.gz)?$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return Directory.EnumerateFiles(dir)
            .Select(f => (File: f, Match: glob.Match(Path.GetFileName(f))))
            .Where(x => x.Match.Success)
            .OrderByDescending(x => x.Match.Groups[1].Success ? int.Parse(x.Match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0)
            .ThenBy(x => x.File.EndsWith(".gz", StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(x => x.File, StringComparer.Ordinal)
            .Select(x => x.File)
            .ToList();
    }

    private async Task<bool> ReadFileAsync(string file, DateTimeOffset from, DateTimeOffset to, int cap, List<LogLine> into, CancellationToken ct)
    {
        var limits = options.Value;
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
        await using Stream content = file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
        await using var bounded = new BoundedStream(content, limits.MaxFileBytes, $"The log file {file}", $"{InvestigationOptions.SectionName}:MaxFileBytes", leaveOpen: true);
        using var reader = new StreamReader(bounded, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        var year = from.UtcDateTime.Year;
        DateTimeOffset? current = null;
        long number = 0;
        await foreach (var text in BoundedLines.ReadAsync(reader, limits.MaxLineChars, ct))
        {
            number++;
            if (text.Length == 0)
            {
                continue;
            }

            var at = LogTimestamps.Parse(text, year);
            if (at is not null)
            {
                current = at;
            }
            else if (current is null)
            {
                continue; // before the first timestamped line we cannot place it in time
            }

            if (current < from || current > to)
            {
                continue;
            }

            if (into.Count >= cap)
            {
                return true;
            }

            into.Add(new LogLine(file, number, current, text.Length > 8000 ? text[..8000] : text));
        }

        return false;
    }
}
