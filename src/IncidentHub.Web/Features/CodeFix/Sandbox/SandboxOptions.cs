using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Features.CodeFix.Sandbox;

/// <summary>
/// Limits for running a service repository's own test command on a throwaway worktree (see <see cref="TestSandbox"/>).
/// The CPU, memory, process and file limits are per process (setrlimit); the wall-clock limit covers the whole run.
/// </summary>
public sealed class SandboxOptions
{
    public const string SectionName = "CodeFix:Sandbox";

    /// <summary>Off: every run is refused (Ran = false); a test command never runs outside the sandbox.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The unprivileged user and group the command runs as (65534 = nobody/nogroup).</summary>
    [Range(1, int.MaxValue)]
    public int UserId { get; set; } = 65534;

    [Range(1, int.MaxValue)]
    public int GroupId { get; set; } = 65534;

    /// <summary>The whole run, after which every process of it is killed.</summary>
    [Range(1, 24 * 3600)]
    public int WallClockSeconds { get; set; } = 300;

    /// <summary>CPU time per process (RLIMIT_CPU): a busy loop is stopped even while the wall clock has time left.</summary>
    [Range(1, 24 * 3600)]
    public int CpuSeconds { get; set; } = 240;

    /// <summary>Address space per process (RLIMIT_AS). A JVM, node and python test run fit in 4 GiB.</summary>
    [Range(64L * 1024 * 1024, long.MaxValue)]
    public long MemoryBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Processes and threads of the sandbox user (RLIMIT_NPROC): stops a fork bomb.</summary>
    [Range(8, 100_000)]
    public int MaxProcesses { get; set; } = 256;

    /// <summary>Largest file a process may write (RLIMIT_FSIZE).</summary>
    [Range(1024, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>How much of the end of the output the run keeps for people to read.</summary>
    [Range(100, 1_000_000)]
    public int OutputTailChars { get; set; } = 4000;
}
