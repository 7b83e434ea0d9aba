using System.Globalization;

namespace IncidentHub.Benchmarks;

/// <summary>
/// CPU time (utime + stime from /proc/PID/stat) of a Chromium's renderer processes: what the pages really cost, where
/// the DevTools task time of 50 pages on 2 cores is mostly time spent waiting for a core.
/// </summary>
public static class RendererCpu
{
    private static readonly double MsPerTick = 1000.0 / 100; // USER_HZ is 100 on Linux

    public static int? FindBrowser(string marker)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && CommandLine(pid).Contains(marker, StringComparison.Ordinal))
            {
                return pid;
            }
        }

        return null;
    }

    /// <summary>The summed CPU ms of every renderer process under the browser, and how many there are.</summary>
    public static (double CpuMs, int Renderers) Read(int browserPid)
    {
        var parents = new Dictionary<int, int>();
        var ticks = new Dictionary<int, long>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                // comm may hold spaces and parentheses: the fields start after the last ')'.
                var stat = File.ReadAllText($"{dir}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                ticks[pid] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The process ended while we read.
            }
        }

        double cpu = 0;
        var renderers = 0;
        foreach (var (pid, _) in parents)
        {
            if (Descends(pid, browserPid, parents) && CommandLine(pid).Contains("--type=renderer", StringComparison.Ordinal))
            {
                cpu += ticks[pid] * MsPerTick;
                renderers++;
            }
        }

        return (cpu, renderers);
    }

    private static bool Descends(int pid, int ancestor, Dictionary<int, int> parents)
    {
        for (var p = pid; p > 1 && parents.TryGetValue(p, out var parent); p = parent)
        {
            if (parent == ancestor)
            {
                return true;
            }
        }

        return false;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
