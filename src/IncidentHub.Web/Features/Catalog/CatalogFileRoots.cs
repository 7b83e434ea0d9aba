using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Catalog;

public sealed class CatalogOptions
{
    public const string SectionName = "Catalog";

    /// <summary>
    /// Directories log and metric files of catalog entries may be under (relative paths are from the working
    /// directory). The bundle data directory (Bundles:DataDirectory) is added by the Bundles feature.
    /// </summary>
    public List<string> AllowedFileRoots { get; set; } = [Path.Combine("seed-data", "bundles")];
}

/// <summary>
/// The one check of a catalog file path (a log file or glob, an OpenMetrics file) against
/// <see cref="CatalogOptions.AllowedFileRoots"/>, on real paths: a symbolic link inside a root that
/// leads out of it (to /etc/shadow) is outside. Applied when an entry is saved and again when the file is read.
/// </summary>
public sealed class CatalogFileRoots(IOptions<CatalogOptions> options)
{
    private const int MaxLinks = 40;

    public IReadOnlyList<string> Roots => [.. options.Value.AllowedFileRoots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => RealPath(r))];

    /// <summary>Why the path (a glob is allowed in its last part) may not be used, naming the field; null when it may.</summary>
    public string? Refusal(string? path, string field)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        if (path.Any(char.IsControl))
        {
            return $"{field}: the path has control characters.";
        }

        // The fixed part of a glob: the directories before the first part with a wildcard.
        var full = Path.GetFullPath(path);
        var parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var fixedParts = parts.TakeWhile(p => p.IndexOfAny(['*', '?', '[']) < 0).ToArray();
        var target = "/" + string.Join('/', fixedParts);
        return IsUnderRoot(RealPath(target)) ? null : Outside(field, path);
    }

    /// <summary>At read time, for each file a pattern matched: its real path must be under a root.</summary>
    public void ThrowIfOutside(string file, string field)
    {
        if (!IsUnderRoot(RealPath(file)))
        {
            throw new UnauthorizedAccessException(Outside(field, file) + " Not read.");
        }
    }

    private bool IsUnderRoot(string real) =>
        Roots.Any(root => real == root || real.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal));

    private string Outside(string field, string path) =>
        $"{field}: '{path}' is not under an allowed directory ({CatalogOptions.SectionName}:AllowedFileRoots: {string.Join(", ", Roots)}); symbolic links are followed to where they lead.";

    /// <summary>The path with every symbolic link resolved (parts that do not exist yet are kept as written).</summary>
    public static string RealPath(string path) => RealPath(Path.GetFullPath(path), 0);

    private static string RealPath(string full, int depth)
    {
        if (depth > MaxLinks)
        {
            throw new IOException($"Too many levels of symbolic links in {full}.");
        }

        var current = "/";
        var parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            var info = new FileInfo(next);
            if (info.LinkTarget is { } link)
            {
                var resolved = Path.GetFullPath(link, current);
                next = RealPath(resolved, depth + 1);
            }

            current = next;
        }

        return current;
    }
}
