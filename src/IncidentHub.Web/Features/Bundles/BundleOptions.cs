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

    /// <summary>How long one git command (verify, clone) may take.</summary>
    public TimeSpan GitTimeout { get; set; } = TimeSpan.FromSeconds(120);

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);
}
