using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using IncidentHub.Web.Features.CodeFix.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.CodeFix;

/// <summary>
/// Real processes in the real sandbox: each test makes a throwaway directory with a worktree in it, runs a command
/// through <see cref="TestSandbox"/> and checks what the command could and could not do. The tests run as root here,
/// as the service does in production.
/// </summary>
public sealed class TestSandboxTests : IDisposable
{
    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("ih-sandbox-test-");

    public TestSandboxTests() => Directory.CreateDirectory(Work);

    private string Work => Path.Combine(scratch.FullName, "worktree");

    public void Dispose() => scratch.Delete(recursive: true);

    [Fact]
    public async Task RunAsync_PythonUnittestSuite_ReportsCountsAndTheFailingTest()
    {
        Write("tests/test_calc.py", """
            import unittest

            class CalcTests(unittest.TestCase):
                def test_add(self):
                    self.assertEqual(1 + 1, 2)

                def test_sub(self):
                    self.assertEqual(3 - 1, 2)

                def test_wrong(self):
                    self.assertEqual(2 + 2, 5)
            """);

        var run = await Sandbox().RunAsync(Work, "python3 -m unittest discover -s tests", CancellationToken.None);

        Assert.True(run.Ran, run.Error);
        Assert.Equal((1, 2, 1), (run.ExitCode ?? -1, run.Passed, run.Failed));
        Assert.Equal(["test_calc.CalcTests.test_wrong"], run.FailingTests);
        Assert.Contains("AssertionError: 4 != 5", run.OutputTail);
        Assert.Null(run.StoppedBy);
    }

    [Fact]
    public async Task RunAsync_NodeTestSuite_ReportsCountsAndTheFailingTest()
    {
        Write("test/math.test.js", """
            const test = require('node:test');
            const assert = require('node:assert');
            test('adds', () => assert.strictEqual(1 + 1, 2));
            test('multiplies', () => assert.strictEqual(2 * 3, 6));
            test('divides wrongly', () => assert.strictEqual(1 / 2, 1));
            """);

        var run = await Sandbox().RunAsync(Work, "node --test test/", CancellationToken.None);

        Assert.True(run.Ran, run.Error);
        Assert.Equal((2, 1), (run.Passed, run.Failed));
        Assert.Equal(["divides wrongly"], run.FailingTests);
        Assert.NotEqual(0, run.ExitCode);
    }

    [Fact]
    public async Task RunAsync_RunsAsTheUnprivilegedUser_WhoOwnsTheWorktree()
    {
        var run = await Sandbox().RunAsync(Work, "id -u; id -g; id -G; echo made > made-here.txt && echo wrote", CancellationToken.None);

        Assert.True(run.Ran, run.Error);
        Assert.Equal(["65534", "65534", "65534", "wrote"], Lines(run.OutputTail));
        Assert.Equal("made\n", File.ReadAllText(Path.Combine(Work, "made-here.txt")));
    }

    [Fact]
    public async Task RunAsync_HasNoNetwork_ThoughTheSameConnectionWorksOutsideIt()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var connect = $"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5); print('connected')";

        // Outside the sandbox the same python line reaches the listener, so the check below can fail.
        var outside = Process.Start(new ProcessStartInfo("/usr/bin/python3") { ArgumentList = { "-c", connect }, RedirectStandardOutput = true })!;
        using (var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30)))
        {
            Assert.Equal("connected", (await outside.StandardOutput.ReadToEndAsync()).Trim());
            await outside.WaitForExitAsync();
        }

        var run = await Sandbox().RunAsync(Work, $"python3 -c \"{connect}\"", CancellationToken.None);

        Assert.True(run.Ran, run.Error);
        Assert.NotEqual(0, run.ExitCode);
        Assert.DoesNotContain("connected", run.OutputTail.Replace("create_connection", "", StringComparison.Ordinal));
        Assert.Contains("Network is unreachable", run.OutputTail);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task RunAsync_BusyLoop_IsStoppedAtTheCpuLimit()
    {
        var run = await Sandbox(o => { o.CpuSeconds = 1; o.WallClockSeconds = 120; }).RunAsync(Work, "while :; do :; done", CancellationToken.None);

        Assert.True(run.Ran, run.Error);
        Assert.Equal("CPU-time limit (1 s)", run.StoppedBy);
        Assert.InRange(run.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(60));
        Assert.True(run.Failed > 0);
    }

    [Fact]
    public async Task RunAsync_SleepingForever_IsStoppedAtTheWallClock_WithEveryProcessOfIt()
    {
        // A background child and a detached grandchild as well: the whole tree must go.
        var marker = Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
        var command = $"sleep {marker}1 & setsid sleep {marker}2 & sleep {marker}3";

        var run = await Sandbox(o => o.WallClockSeconds = 2).RunAsync(Work, command, CancellationToken.None);

        Assert.True(run.Ran, run.Error);
        Assert.Equal("wall-clock limit (2 s)", run.StoppedBy);
        Assert.Null(run.ExitCode);
        Assert.InRange(run.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30));
        Assert.Empty(ProcessesMentioning(marker));
    }

    [Fact]
    public async Task RunAsync_AllocatingBeyondTheMemoryLimit_Fails()
    {
        var command = "python3 -c \"b = bytearray(16 * 1024 * 1024); print('small allocation ok')\"; "
            + "python3 -c \"b = bytearray(512 * 1024 * 1024); print('large allocation ok')\"";

        var run = await Sandbox(o => o.MemoryBytes = 256L * 1024 * 1024).RunAsync(Work, command, CancellationToken.None);

        Assert.True(run.Ran, run.Error);
        Assert.Contains("small allocation ok", run.OutputTail);
        Assert.DoesNotContain("large allocation ok", run.OutputTail);
        // As root the run has its own memory cgroup and the kernel kills the allocation; without one, the address-space limit refuses it.
        Assert.True(run.StoppedBy == "memory limit (268435456 bytes)" || run.OutputTail.Contains("MemoryError", StringComparison.Ordinal), run.StoppedBy + run.OutputTail);
    }

    [Fact]
    public async Task RunAsync_DoesNotPassOurEnvironment()
    {
        const string name = "IH_SANDBOX_TEST_TOKEN";
        var secret = "tok-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, secret);
        try
        {
            Assert.Equal(secret, Environment.GetEnvironmentVariable(name));

            var run = await Sandbox().RunAsync(Work, "env | sort", CancellationToken.None);

            Assert.True(run.Ran, run.Error);
            Assert.DoesNotContain(name, run.OutputTail);
            Assert.DoesNotContain(secret, run.OutputTail);
            var variables = Lines(run.OutputTail).Select(l => l.Split('=')[0]).Where(n => n != "PWD").ToList();
            Assert.Equal(["CI", "HOME", "LANG", "PATH", "TMPDIR"], variables);
            Assert.Contains("PATH=/usr/local/bin:/usr/bin:/bin", run.OutputTail);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public async Task RunAsync_SymlinkInTheWorktree_DoesNotGiveItsTargetAway()
    {
        var outside = Path.Combine(scratch.FullName, "outside.txt");
        File.WriteAllText(outside, "root's\n");
        File.CreateSymbolicLink(Path.Combine(Work, "link.txt"), outside);

        var run = await Sandbox().RunAsync(Work, "echo overwritten > link.txt; cat link.txt", CancellationToken.None);

        Assert.True(run.Ran, run.Error);
        Assert.Equal("root's\n", File.ReadAllText(outside));
        Assert.Contains("Permission denied", run.OutputTail);
    }

    [Fact]
    public async Task RunAsync_WhenDisabled_RefusesAndRunsNothing()
    {
        var run = await Sandbox(o => o.Enabled = false).RunAsync(Work, "touch ran.txt", CancellationToken.None);

        Assert.False(run.Ran);
        Assert.Contains("disabled", run.Error);
        Assert.False(File.Exists(Path.Combine(Work, "ran.txt")));
    }

    [Fact]
    public async Task RunAsync_WithoutACommand_Refuses()
    {
        var run = await Sandbox().RunAsync(Work, "  ", CancellationToken.None);

        Assert.False(run.Ran);
        Assert.Equal("The service has no test command.", run.Error);
    }

    [Fact]
    public async Task RunAsync_LongOutput_KeepsItsTail()
    {
        var run = await Sandbox(o => o.OutputTailChars = 200).RunAsync(Work, "seq 1 100000; echo '3 passed, 0 failed'", CancellationToken.None);

        Assert.True(run.Ran, run.Error);
        Assert.Equal(200, run.OutputTail.Length);
        Assert.EndsWith("99999\n100000\n3 passed, 0 failed\n", run.OutputTail);
        Assert.Equal((3, 0), (run.Passed, run.Failed));
    }

    private static TestSandbox Sandbox(Action<SandboxOptions>? configure = null)
    {
        var options = new SandboxOptions();
        configure?.Invoke(options);
        return new TestSandbox(Options.Create(options), NullLogger<TestSandbox>.Instance);
    }

    private void Write(string path, string content)
    {
        var full = Path.Combine(Work, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content + "\n");
    }

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static List<string> ProcessesMentioning(string marker) =>
    [
        .. Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Select(d => { try { return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' '); } catch (IOException) { return ""; } })
            .Where(c => c.Contains(marker, StringComparison.Ordinal)),
    ];
}
