using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Features.CodeFix;

/// <summary>Where the code-analysis agent checks out throwaway worktrees, and how much it reads.</summary>
public sealed class CodeFixOptions
{
    public const string SectionName = "CodeFix";

    /// <summary>Throwaway worktrees go here (world-traversable, so the sandbox's unprivileged user can reach them).</summary>
    [Required]
    public string WorkDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "incidenthub-worktrees");

    /// <summary>At most this many failing lines are read and blamed.</summary>
    [Range(1, 100)]
    public int MaxFindings { get; set; } = 10;

    /// <summary>Lines of source shown around each failing line.</summary>
    [Range(0, 50)]
    public int ContextLines { get; set; } = 6;

    /// <summary>The suspect commit's diff is kept up to this many characters.</summary>
    [Range(1000, 1_000_000)]
    public int MaxDiffChars { get; set; } = 40_000;

    /// <summary>A candidate patch larger than this is refused (a revert of a huge commit is not a fix to review in a browser).</summary>
    [Range(1000, 10_000_000)]
    public int MaxPatchChars { get; set; } = 200_000;
}
