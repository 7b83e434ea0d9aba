using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Features.Bundles;

/// <summary>Where imported bundles are stored and how large their parts may be.</summary>
public sealed class BundleOptions
{
    public const string SectionName = "Bundles";

    /// <summary>Each import gets &lt;DataDirectory&gt;/&lt;bundleId&gt;/; relative paths are from the working directory.</summary>
    [Required]
    public string DataDirectory { get; set; } = Path.Combine(".data", "bundles");

    /// <summary>Largest single file (a log, metrics.om, the git bundle).</summary>
    [Range(1024, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest whole upload.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxRequestBytes { get; set; } = 256L * 1024 * 1024;

    [Range(1, 100)]
    public int MaxLogFiles { get; set; } = 20;

    /// <summary>A .tar.gz is read up to this many bytes after decompression (all entries, kept or not): a gzip bomb ends there.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxArchiveBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>At most this many entries in a .tar.gz (of any kind).</summary>
    [Range(1, 1_000_000)]
    public int MaxArchiveEntries { get; set; } = 1000;

    /// <summary>
    /// The Import bundle page holds the picked files in the server's memory until Import: at most this many bytes
    /// together (a larger bundle goes through <c>ih import</c> and the API, which buffer to disk).
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long MaxPageBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long one git command (verify, clone) may take.</summary>
    public TimeSpan GitTimeout { get; set; } = TimeSpan.FromSeconds(120);

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);
}
