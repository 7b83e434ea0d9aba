using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Features.Reports;

/// <summary>
/// A program standing where Chromium should be that never becomes ready: a shell script that starts a child (sleep)
/// and waits on it. The child's pid is written to <see cref="PidFile"/>, so a test can check the whole process tree
/// was killed, not only the script.
/// </summary>
public sealed class HungChromium : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ih-hung-chromium-").FullName;

    public HungChromium()
    {
        Path = System.IO.Path.Combine(_directory, "chromium");
        PidFile = Path + ".pid";
        File.WriteAllText(Path, $"#!/bin/sh\nsleep 600 &\necho $! > '{PidFile}.tmp' && mv '{PidFile}.tmp' '{PidFile}'\nwait\n");
        RealProcess.Run("chmod", ["+x", Path]);
    }

    public string Path { get; }

    public string PidFile { get; }

    /// <summary>The hung child's pid once the script has started it.</summary>
    public int? ChildPid => File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid) ? pid : null;

    /// <summary>Whether the child still runs (a zombie, killed but not yet reaped by its killed parent, counts as gone).</summary>
    public bool ChildRuns => ChildPid is { } pid && File.Exists($"/proc/{pid}/stat") && !IsZombie(pid);

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true; // gone while reading
        }
    }

    public void Dispose()
    {
        if (ChildPid is { } pid)
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Already gone (the printer killed it).
            }
            catch (InvalidOperationException)
            {
                // Already gone (the printer killed it).
            }
        }

        Directory.Delete(_directory, recursive: true);
    }
}
