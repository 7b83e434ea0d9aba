using System.Formats.Tar;
using System.IO.Compression;
using IncidentHub.Web.Infrastructure.Security;

namespace IncidentHub.Web.Features.Bundles;

/// <summary>
/// Maps the files of a bundle directory onto the upload's parts by their names, and reads a
/// .tar.gz of a bundle directory in memory (entries are never written to disk under their own
/// names; links and anything that is not a regular file are skipped).
/// </summary>
public static class BundleArchive
{
    /// <summary>The part a file belongs to, or null when it is not bundle data (make_repo.sh, truth.json, deploys.json, ...).</summary>
    public static string? FieldFor(string fileName) =>
        fileName.ToLowerInvariant() switch
        {
            "scenario.yaml" or "scenario.yml" => "scenario",
            "alert.json" => "alert",
            "metrics.om" => "metrics",
            "catalog.yaml" or "catalog.yml" => "catalog",
            var n when n.EndsWith(".log", StringComparison.Ordinal) => "logs",
            var n when n.EndsWith(".bundle", StringComparison.Ordinal) => "repository",
            _ => null,
        };

    public static bool IsArchive(string fileName) =>
        fileName.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The bundle files in a .tar.gz and the names of entries that were left out. Bounded: each kept file by
    /// Bundles:MaxFileBytes, the whole decompressed archive by Bundles:MaxArchiveBytes, the entries by Bundles:MaxArchiveEntries.
    /// </summary>
    public static async Task<(List<BundleFile> Files, List<string> Ignored)> ReadTarGzAsync(Stream archive, BundleOptions limits, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var maxFileBytes = limits.MaxFileBytes;
        var files = new List<BundleFile>();
        var ignored = new List<string>();
        await using var gzip = new GZipStream(archive, CompressionMode.Decompress);
        await using var bounded = new BoundedStream(gzip, limits.MaxArchiveBytes, "The archive, decompressed,", $"{BundleOptions.SectionName}:MaxArchiveBytes");
        await using var reader = new TarReader(bounded);
        var entries = 0;
        try
        {
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (++entries > limits.MaxArchiveEntries)
                {
                    throw new BundleRejectedException($"The archive has more than {limits.MaxArchiveEntries} entries, the limit ({BundleOptions.SectionName}:MaxArchiveEntries).");
                }

                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    continue;
                }

                var name = entry.Name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
                var field = FieldFor(name);
                if (field is null)
                {
                    ignored.Add(entry.Name);
                    continue;
                }

                if (entry.Length > maxFileBytes)
                {
                    throw new BundleRejectedException($"'{entry.Name}' in the archive is {entry.Length} bytes; the limit is {maxFileBytes} bytes.");
                }

                using var content = new MemoryStream();
                if (entry.DataStream is not null)
                {
                    await entry.DataStream.CopyToAsync(content, ct);
                }

                files.Add(new BundleFile(field, name, content.ToArray()));
            }
        }
        catch (InvalidDataException ex)
        {
            throw new BundleRejectedException($"The archive is not a readable .tar.gz: {ex.Message}");
        }
        catch (ReadLimitExceededException ex)
        {
            throw new BundleRejectedException(ex.Message);
        }

        return (files, ignored);
    }
}
