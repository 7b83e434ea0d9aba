using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IncidentHub.Tests.Shared;

/// <summary>
/// A real operating-system process for the tests (Prometheus, Alertmanager, IncidentHub itself, git,
/// promtool...): output captured for failure messages, readiness polled from the real signal, and the
/// whole process tree killed on dispose. The one place tests start processes and pick free ports.
/// </summary>
public sealed class RealProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly StringBuilder _output = new();

    private RealProcess(Process process, string name)
    {
        _process = process;
        _name = name;
    }

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on (the kernel picks it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts a long-running process and returns once <paramref name="readyUrl"/> answers 200. When the
    /// process exits first or the deadline passes, it is killed and the exception carries everything it wrote.
    /// </summary>
    public static async Task<RealProcess> StartAsync(string file, IEnumerable<string> args, Uri readyUrl, TimeSpan timeout,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = Start(file, args, workingDirectory, environment);
        try
        {
            await process.WaitForHttpOkAsync(readyUrl, timeout);
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a long-running process that is ready once it accepts TCP connections on 127.0.0.1:<paramref name="port"/> (an SMTP server).</summary>
    public static async Task<RealProcess> StartListeningAsync(string file, IEnumerable<string> args, int port, TimeSpan timeout,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = Start(file, args, workingDirectory, environment);
        try
        {
            await process.WaitUntilAsync(async () =>
            {
                using var client = new TcpClient();
                try
                {
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            }, timeout, $"accept connections on port {port}");
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a long-running process without waiting for it to be ready (the test waits for what it expects).</summary>
    public static RealProcess Launch(string file, IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null) =>
        Start(file, args, workingDirectory, environment);

    /// <summary>Whether the process has exited (a crash at start, for instance).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Polls <paramref name="ready"/> until it holds; fails with the process's output when it exits first or the deadline passes.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> ready, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await ready())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                var why = _process.HasExited ? $"exited with {_process.ExitCode}" : $"did not {what} within {timeout.TotalSeconds:0} s";
                await KillAsync(); // so that the output below is complete
                throw new InvalidOperationException($"{_name} {why}. Its output:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>Waits until <paramref name="url"/> answers 200 (see <see cref="WaitUntilAsync"/>).</summary>
    public async Task WaitForOkAsync(Uri url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await WaitUntilAsync(async () =>
        {
            try
            {
                using var response = await http.GetAsync(url);
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false; // Not listening yet.
            }
        }, timeout, $"answer 200 on {url}");
    }

    private static RealProcess Start(string file, IEnumerable<string> args, string? workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        var list = args.ToList();
        var process = new Process { StartInfo = StartInfo(file, list, workingDirectory, environment, redirectInput: false) };
        var real = new RealProcess(process, Describe(file, list));
        process.OutputDataReceived += (_, e) => real.Append(e.Data);
        process.ErrorDataReceived += (_, e) => real.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {real._name}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return real;
    }

    /// <summary>Polls the real readiness signal (an HTTP 200), not a sleep.</summary>
    private async Task WaitForHttpOkAsync(Uri url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                var why = _process.HasExited ? $"exited with {_process.ExitCode}" : $"did not answer 200 on {url} within {timeout.TotalSeconds:0} s";
                await KillAsync(); // so that the output below is complete
                throw new InvalidOperationException($"{_name} {why}. Its output:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL to the process and its children: no shutdown hooks, whatever was in memory is gone.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    /// <summary>Runs a command to completion; returns its stdout, throws with its output on a non-zero exit.</summary>
    public static string Run(string file, IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, string? input = null) =>
        RunAsync(file, args, workingDirectory, environment, input).GetAwaiter().GetResult();

    /// <inheritdoc cref="Run"/>
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, string? input = null)
    {
        var list = args.ToList();
        using var process = Process.Start(StartInfo(file, list, workingDirectory, environment, redirectInput: input is not null))
            ?? throw new InvalidOperationException($"Could not start {Describe(file, list)}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input).ConfigureAwait(false);
            process.StandardInput.Close();
        }

        await process.WaitForExitAsync().ConfigureAwait(false);
        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"{Describe(file, list)} exited with {process.ExitCode}:\n{errors}{output}");
    }

    private static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, string? workingDirectory, IReadOnlyDictionary<string, string>? environment, bool redirectInput)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private static string Describe(string file, IEnumerable<string> args) => $"{file} {string.Join(' ', args)}".TrimEnd();

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
