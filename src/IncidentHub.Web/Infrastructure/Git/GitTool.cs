using System.Diagnostics;
using System.Text;

namespace IncidentHub.Web.Infrastructure.Git;

/// <summary>
/// Runs the git CLI (our tool, never code from a bundle or a repository) with an argument list (no
/// shell), no prompts, no pager, no system config, UTF-8 paths unquoted, and a timeout after which
/// the process tree is killed. Used by bundle import and by the investigation's git connector.
/// </summary>
public static class GitTool
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public bool Ok => ExitCode == 0;
    }

    public static async Task<Result> RunAsync(string workingDirectory, TimeSpan timeout, CancellationToken ct, params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("core.quotepath=off");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_ASKPASS"] = "/bin/false";
        start.Environment["GIT_PAGER"] = "cat";
        start.Environment["LC_ALL"] = "C";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("git could not be started.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            ct.ThrowIfCancellationRequested();
            return new Result(-1, "", $"git {args.FirstOrDefault()} took longer than {timeout.TotalSeconds:0} s and was stopped.");
        }

        return new Result(process.ExitCode, await output, await error);
    }
}
