using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using IncidentHub.Analysis.CodeFix;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.CodeFix.Sandbox;

/// <summary>
/// One run of a test command. <paramref name="Ran"/> is false, with <paramref name="Error"/> saying why, when the
/// command could not run in the sandbox at all (it is then never run another way). <paramref name="StoppedBy"/> names
/// the limit that ended the run early ("wall-clock limit (300 s)", "CPU-time limit (240 s)"); then
/// <paramref name="ExitCode"/> is null for the wall clock. Passed/Failed come from <see cref="TestOutputParser"/>.
/// </summary>
public sealed record TestRun(bool Ran, int? ExitCode, int Passed, int Failed, IReadOnlyList<string> FailingTests, string OutputTail,
    TimeSpan Elapsed, string? StoppedBy, string? Error)
{
    public static TestRun NotRun(string error) => new(false, null, 0, 0, [], "", TimeSpan.Zero, null, error);
}

/// <summary>
/// Runs a service repository's own test command (<c>python3 -m pytest -q tests/</c>, <c>node --test test/</c>) on a
/// throwaway worktree, inside: a new network namespace with no interfaces up (no network at all), a new PID namespace
/// (when its first process dies the kernel kills every other one, so nothing outlives the run), an unprivileged
/// uid/gid with no supplementary groups and no-new-privs, per-process rlimits (CPU time, address space, processes,
/// file size, no core files) and an empty environment (PATH, HOME, TMPDIR, LANG only: no secret of ours can leak).
/// As root it uses unshare + setpriv; otherwise an unprivileged user namespace (unshare -r) when the kernel allows it.
/// When neither works the run is refused: a test command is never run unsandboxed.
/// The caller owns the working directory: a throwaway worktree whose parent directory is throwaway too (the run's
/// HOME is made there, and the parent is made searchable for the sandbox user).
/// </summary>
public sealed class TestSandbox(IOptions<SandboxOptions> options, ILogger<TestSandbox> logger)
{
    private const int SigXcpu = 24;
    private const int SigXfsz = 25;

    // The parser reads this much of the end of the output: failing test names come before the summary.
    private const int ParsedTailChars = 1_000_000;

    private readonly Lazy<Task<Setup>> setup = new(() => ProbeAsync(logger));

    public async Task<TestRun> RunAsync(string workingDirectory, string command, CancellationToken ct)
    {
        var o = options.Value;
        if (!OperatingSystem.IsLinux())
        {
            return TestRun.NotRun("The test sandbox needs Linux namespaces; the tests were not run.");
        }

        if (!o.Enabled)
        {
            return TestRun.NotRun($"The test sandbox is disabled ({SandboxOptions.SectionName}:Enabled = false); the tests were not run.");
        }

        if (string.IsNullOrWhiteSpace(command) || command.Contains('\0', StringComparison.Ordinal))
        {
            return TestRun.NotRun("The service has no test command.");
        }

        var work = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workingDirectory));
        if (!Directory.Exists(work) || Path.GetDirectoryName(work) is not { Length: > 1 } parent)
        {
            return TestRun.NotRun($"The working directory {work} does not exist or has no parent directory of its own.");
        }

        var s = await setup.Value;
        if (s.Error is not null)
        {
            return TestRun.NotRun(s.Error);
        }

        var home = Path.Combine(parent, ".sandbox-home-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(home, "tmp"));
        try
        {
            if (s.Root && await GiveToSandboxUserAsync(s, o, parent, work, home, ct) is { } error)
            {
                return TestRun.NotRun(error);
            }

            return await RunSandboxedAsync(s, o, work, home, command, ct);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private async Task<TestRun> RunSandboxedAsync(Setup s, SandboxOptions o, string work, string home, string command, CancellationToken ct)
    {
        // Memory: a cgroup for the whole run when we can make one (the process joins it before anything else runs, so every
        // child is in it, and the kernel's OOM killer enforces it); an address-space rlimit only when we cannot, because
        // runtimes that reserve big virtual ranges (the JVM, Go) fail under one long before they use the memory.
        var cgroup = s.Root ? MemoryCgroup.TryCreate(o.MemoryBytes, logger) : null;
        var start = new ProcessStartInfo(cgroup is null ? s.Timeout : "/bin/sh")
        {
            WorkingDirectory = work,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        CleanEnvironment(start, home);

        if (cgroup is not null)
        {
            Add(start, "-c", "echo $$ > \"$0\" && exec \"$@\"", cgroup.ProcsFile, s.Timeout);
        }

        // Backstop for our own death: timeout kills the run a little after the wall clock we enforce below.
        Add(start, "--signal=KILL", $"{o.WallClockSeconds + 30}s", s.Unshare);
        if (!s.Root)
        {
            Add(start, "--user", "--map-root-user");
        }

        Add(start, "--net", "--pid", "--fork", "--kill-child=SIGKILL", "--");
        if (s.Root)
        {
            Add(start, s.Setpriv, $"--reuid={o.UserId}", $"--regid={o.GroupId}", "--clear-groups", "--no-new-privs", "--");
        }

        // CPU: SIGXCPU at the soft limit (a recognisable exit status), SIGKILL a second later for a process that ignores it.
        Add(start, s.Prlimit, $"--cpu={o.CpuSeconds}:{o.CpuSeconds + 1}");
        if (cgroup is null)
        {
            Add(start, $"--as={o.MemoryBytes}");
        }

        Add(start, $"--nproc={o.MaxProcesses}", $"--fsize={o.MaxFileBytes}", "--core=0", "--");
        // The outer shell merges stderr into stdout so the output keeps its order, and turns the death of the inner
        // shell by a signal (SIGXCPU) into an exit status: unshare does not pass a signal on reliably.
        Add(start, "/bin/sh", "-c", "\"$@\" 2>&1; exit $?", "sh", "/bin/sh", "-c", command);

        var output = new TailBuffer(Math.Max(ParsedTailChars, o.OutputTailChars));
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The sandbox process could not be started.");
        process.StandardInput.Close();
        var readers = new[] { PumpAsync(process.StandardOutput, output), PumpAsync(process.StandardError, output) };

        string? stoppedBy = null;
        using (var wall = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            wall.CancelAfter(TimeSpan.FromSeconds(o.WallClockSeconds));
            try
            {
                await process.WaitForExitAsync(wall.Token);
            }
            catch (OperationCanceledException)
            {
                stoppedBy = ct.IsCancellationRequested ? "cancelled" : $"wall-clock limit ({o.WallClockSeconds} s)";
                Kill(process);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        clock.Stop();
        try
        {
            // The PID namespace is gone with its first process, so the pipes close; this only guards the impossible.
            await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("The sandboxed test run's output was still open 5 s after it ended in {Directory}", work);
        }

        ct.ThrowIfCancellationRequested();
        int? exitCode = stoppedBy is null ? process.ExitCode : null;
        if (cgroup is not null)
        {
            if (cgroup.OomKills() > 0)
            {
                stoppedBy ??= $"memory limit ({o.MemoryBytes} bytes)";
            }

            cgroup.Remove();
        }

        stoppedBy ??= process.ExitCode switch
        {
            128 + SigXcpu => $"CPU-time limit ({o.CpuSeconds} s)",
            128 + SigXfsz => $"file-size limit ({o.MaxFileBytes} bytes)",
            _ => null,
        };

        var text = output.ToString();
        var counts = TestOutputParser.Parse(text, exitCode ?? 1);
        var tail = text.Length > o.OutputTailChars ? text[^o.OutputTailChars..] : text;
        logger.LogInformation("Sandboxed test run in {Directory}: exit {Exit}, {Passed} passed, {Failed} failed, {Elapsed} ms{Stopped}",
            work, exitCode, counts.Passed, counts.Failed, clock.ElapsedMilliseconds, stoppedBy is null ? "" : ", stopped by the " + stoppedBy);
        return new TestRun(true, exitCode, counts.Passed, counts.Failed, counts.FailingTests, tail, clock.Elapsed, stoppedBy, null);
    }

    /// <summary>
    /// The worktree and HOME become the sandbox user's (symlinks are changed, never followed), and the parent is made
    /// searchable so HOME can be reached by its path. Every directory above must already be searchable by others.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static async Task<string?> GiveToSandboxUserAsync(Setup s, SandboxOptions o, string parent, string work, string home, CancellationToken ct)
    {
        File.SetUnixFileMode(parent, File.GetUnixFileMode(parent) | UnixFileMode.OtherExecute);
        for (var dir = Path.GetDirectoryName(parent); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (!File.GetUnixFileMode(dir).HasFlag(UnixFileMode.OtherExecute))
            {
                return $"The sandbox user cannot reach {work}: {dir} is not searchable by others (chmod o+x it, or make the worktrees elsewhere).";
            }
        }

        var chown = await RunToolAsync(s.Chown, ["-R", "-P", "-h", $"{o.UserId}:{o.GroupId}", "--", work, home], TimeSpan.FromSeconds(120), ct);
        return chown.ExitCode == 0 ? null : $"The worktree could not be given to the sandbox user (chown exit {chown.ExitCode}): {chown.Output.Trim()}";
    }

    private static void CleanEnvironment(ProcessStartInfo start, string home)
    {
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["HOME"] = home;
        start.Environment["TMPDIR"] = Path.Combine(home, "tmp");
        start.Environment["LANG"] = "C.UTF-8";
        start.Environment["CI"] = "true"; // runners print plain, non-interactive output
    }

    private static void Add(ProcessStartInfo start, params string[] args)
    {
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
    }

    /// <summary>
    /// Kills the PID namespace's first process (timeout -> unshare -> init) and leaves unshare and timeout alive to wait for it:
    /// the kernel finishes init's exit only after every other process of the namespace is gone, so when the top process
    /// exits, nothing of the run is left. Killing the whole tree from outside instead lets unshare die first, and then the
    /// namespace's last processes can outlive the wait.
    /// </summary>
    private static void Kill(Process process)
    {
        try
        {
            var init = Children(process.Id).SelectMany(Children).ToList();
            if (init.Count > 0)
            {
                foreach (var pid in init)
                {
                    using var target = Process.GetProcessById(pid);
                    target.Kill();
                }

                return;
            }

            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or Win32Exception)
        {
            // it ended on its own in the meantime; the PID namespace takes the rest with it
        }
    }

    private static IEnumerable<int> Children(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/task/{pid}/children")
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture))
                .ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static async Task PumpAsync(StreamReader reader, TailBuffer output)
    {
        var buffer = new char[8192];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            output.Append(buffer.AsSpan(0, n));
        }
    }

    private static async Task<Setup> ProbeAsync(ILogger logger)
    {
        string[] names = ["timeout", "unshare", "setpriv", "prlimit", "chown", "sh"];
        var found = names.ToDictionary(n => n, n => new[] { "/usr/bin", "/bin", "/usr/sbin", "/sbin" }.Select(d => Path.Combine(d, n)).FirstOrDefault(File.Exists));
        if (found.Where(f => f.Value is null).Select(f => f.Key).ToList() is { Count: > 0 } missing)
        {
            return Setup.Unavailable($"The test sandbox needs {string.Join(", ", missing)} (util-linux, coreutils), which this machine lacks; the tests were not run.");
        }

        var root = Environment.IsPrivilegedProcess;
        string[] probe = root
            ? ["--net", "--pid", "--fork", "--kill-child", "--", found["sh"]!, "-c", "exit 0"]
            : ["--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child", "--", found["sh"]!, "-c", "exit 0"];
        var result = await RunToolAsync(found["unshare"]!, probe, TimeSpan.FromSeconds(20), CancellationToken.None);
        if (result.ExitCode != 0)
        {
            var why = root
                ? "unshare could not create network and PID namespaces"
                : "this service does not run as root and the kernel does not allow unprivileged user namespaces (unshare -r -n)";
            logger.LogWarning("Test sandbox unavailable: {Why}: {Output}", why, result.Output.Trim());
            return Setup.Unavailable($"The test sandbox is unavailable: {why} ({result.Output.Trim()}); the tests were not run.");
        }

        logger.LogInformation("Test sandbox ready ({Mode})", root ? "root: namespaces + setpriv" : "unprivileged user namespace");
        return new Setup(null, root, found["timeout"]!, found["unshare"]!, found["setpriv"]!, found["prlimit"]!, found["chown"]!);
    }

    private static async Task<(int ExitCode, string Output)> RunToolAsync(string tool, IEnumerable<string> args, TimeSpan limit, CancellationToken ct)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
            ct.ThrowIfCancellationRequested();
            return (-1, $"{Path.GetFileName(tool)} took longer than {limit.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }

        var text = await stderr + await stdout;
        return (process.ExitCode, text.Length > 2000 ? text[..2000] : text);
    }

    private sealed record Setup(string? Error, bool Root, string Timeout, string Unshare, string Setpriv, string Prlimit, string Chown)
    {
        public static Setup Unavailable(string error) => new(error, false, "", "", "", "", "");
    }

    /// <summary>The last <c>capacity</c> characters of what both pipes wrote, in arrival order.</summary>
    private sealed class TailBuffer(int capacity)
    {
        private readonly StringBuilder text = new();
        private readonly Lock gate = new();

        public void Append(ReadOnlySpan<char> chunk)
        {
            lock (gate)
            {
                text.Append(chunk);
                if (text.Length > 2 * capacity)
                {
                    text.Remove(0, text.Length - capacity);
                }
            }
        }

        public override string ToString()
        {
            lock (gate)
            {
                return text.Length > capacity ? text.ToString(text.Length - capacity, capacity) : text.ToString();
            }
        }
    }
}

/// <summary>A cgroup (v1 memory controller, or v2) holding one sandboxed run, with its memory and swap limit.</summary>
internal sealed class MemoryCgroup
{
    private const string V1Root = "/sys/fs/cgroup/memory";
    private const string V2Root = "/sys/fs/cgroup";

    private readonly string _dir;
    private readonly bool _v2;

    private MemoryCgroup(string dir, bool v2)
    {
        _dir = dir;
        _v2 = v2;
    }

    public string ProcsFile => Path.Combine(_dir, "cgroup.procs");

    public static MemoryCgroup? TryCreate(long bytes, ILogger logger)
    {
        var v2 = File.Exists(Path.Combine(V2Root, "cgroup.controllers")) && File.ReadAllText(Path.Combine(V2Root, "cgroup.controllers")).Contains("memory", StringComparison.Ordinal);
        var root = v2 ? V2Root : V1Root;
        if (!v2 && !File.Exists(Path.Combine(V1Root, "memory.limit_in_bytes")))
        {
            return null;
        }

        var dir = Path.Combine(root, "incidenthub-sandbox-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            Directory.CreateDirectory(dir);
            var group = new MemoryCgroup(dir, v2);
            var limit = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (v2)
            {
                File.WriteAllText(Path.Combine(dir, "memory.max"), limit);
                TryWrite(Path.Combine(dir, "memory.swap.max"), "0");
            }
            else
            {
                File.WriteAllText(Path.Combine(dir, "memory.limit_in_bytes"), limit);
                TryWrite(Path.Combine(dir, "memory.memsw.limit_in_bytes"), limit);
            }

            return group;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogInformation("No memory cgroup for the sandbox ({Reason}); an address-space limit is used instead", ex.Message);
            try
            {
                Directory.Delete(dir);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // nothing was made
            }

            return null;
        }
    }

    /// <summary>How many processes of the run the kernel killed for going over the limit.</summary>
    public long OomKills()
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(_dir, _v2 ? "memory.events" : "memory.oom_control"));
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("oom_kill ", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[9..], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Removes the (by now empty) cgroup.</summary>
    public void Remove()
    {
        try
        {
            Directory.Delete(_dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a cgroup with a process left cannot go; the PID namespace's end makes that impossible
        }
    }

    private static void TryWrite(string file, string value)
    {
        try
        {
            File.WriteAllText(file, value);
        }
        catch (IOException)
        {
            // no swap accounting on this kernel
        }
    }
}
