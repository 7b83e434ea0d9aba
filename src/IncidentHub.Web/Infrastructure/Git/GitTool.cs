using System.Diagnostics;
using System.Text;

namespace IncidentHub.Web.Infrastructure.Git;

/// <summary>
/// Runs the git CLI (our tool, never code from a bundle or a repository) with an argument list (no
/// shell), no prompts, no pager, and a timeout after which the process tree is killed. Used by bundle
/// import, the investigation's git connector and code fixes.
/// A repository is input from outside: its own <c>.git/config</c> (or a file it includes) can name
/// commands git would run (core.fsmonitor, diff textconv and external drivers, clean/smudge filters,
/// hooks, pagers). None of them runs: system and global config are ignored, the inherited GIT_*
/// environment is dropped, protected settings are fixed on the command line, and every command-naming
/// key the repository's config sets is overridden with a harmless value (read first with
/// <c>git config --list --name-only</c>, which runs nothing). Only the file and https protocols are allowed.
/// </summary>
public static class GitTool
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public bool Ok => ExitCode == 0;
    }

    /// <summary>Transports git may use: local paths and bundles, and https (GitHub clones); never ext::, ssh, git:// or http.</summary>
    public static readonly string[] AllowedProtocols = ["file", "https"];

    /// <summary>Settings that hold for every command, before anything the repository says.</summary>
    private static readonly string[] Fixed =
    [
        "core.quotepath=off",
        "core.fsmonitor=false",
        "core.hooksPath=/dev/null",
        "core.pager=cat",
        "core.askPass=/bin/false",
        "core.sshCommand=/bin/false",
        "core.attributesFile=/dev/null",
        "safe.bareRepository=explicit",
        "credential.helper=",
        "diff.external=",
        "protocol.allow=never",
        .. AllowedProtocols.Select(p => $"protocol.{p}.allow=always"),
    ];

    /// <summary>The last part of a config key that names a command, and what it becomes.</summary>
    private static readonly Dictionary<string, string> CommandKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["textconv"] = "cat", // an empty textconv fails the diff; cat shows the file as it is
        ["command"] = "",
        ["clean"] = "",
        ["smudge"] = "",
        ["process"] = "",
        ["driver"] = "",
        ["required"] = "false", // a filter whose commands are now empty must not fail the checkout
        ["fsmonitor"] = "false",
        ["hookspath"] = "/dev/null",
        ["pager"] = "cat",
        ["editor"] = "/bin/false",
        ["askpass"] = "/bin/false",
        ["sshcommand"] = "/bin/false",
        ["helper"] = "",
        ["program"] = "/bin/false",
        ["external"] = "",
        ["packobjectshook"] = "",
        ["alternaterefscommand"] = "",
        ["gitproxy"] = "",
        ["proxy"] = "",
    };

    /// <summary>Commands that can diff contents: told not to use textconv or external diff drivers at all.</summary>
    private static readonly HashSet<string> DiffCommands = new(StringComparer.Ordinal) { "diff", "show", "log" };

    public static async Task<Result> RunAsync(string workingDirectory, TimeSpan timeout, CancellationToken ct, params string[] args)
    {
        // Leading global options (-c k=v, --git-dir=...) stay in front; the repository's overrides come before them.
        var gitDir = args.FirstOrDefault(a => a.StartsWith("--git-dir=", StringComparison.Ordinal));
        var listed = await RunProcessAsync(workingDirectory, timeout, ct, [.. Fixed.SelectMany(c => new[] { "-c", c }), .. gitDir is null ? [] : new[] { gitDir }, "config", "--list", "--name-only", "--includes"]);
        var overrides = new List<string>();
        foreach (var key in listed.Ok ? listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries) : [])
        {
            if (CommandKeys.TryGetValue(key[(key.LastIndexOf('.') + 1)..], out var value))
            {
                if (key.Contains('=', StringComparison.Ordinal))
                {
                    return new Result(-1, "", $"The repository's config has a key '{key}' that cannot be overridden safely; git was not run.");
                }

                overrides.Add($"{key}={value}");
            }
        }

        var command = new List<string>();
        foreach (var setting in Fixed.Concat(overrides))
        {
            command.Add("-c");
            command.Add(setting);
        }

        var i = 0;
        for (; i < args.Length && (args[i] == "-c" || args[i].StartsWith("--git-dir=", StringComparison.Ordinal)); i++)
        {
            command.Add(args[i]);
            if (args[i] == "-c" && i + 1 < args.Length)
            {
                command.Add(args[++i]);
            }
        }

        if (i < args.Length)
        {
            command.Add(args[i]);
            if (DiffCommands.Contains(args[i]))
            {
                command.Add("--no-textconv");
                command.Add("--no-ext-diff");
            }
            else if (args[i] == "blame")
            {
                command.Add("--no-textconv");
            }

            command.AddRange(args[(i + 1)..]);
        }

        return await RunProcessAsync(workingDirectory, timeout, ct, command);
    }

    private static async Task<Result> RunProcessAsync(string workingDirectory, TimeSpan timeout, CancellationToken ct, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Nothing of the caller's git environment (GIT_DIR, GIT_SSH_COMMAND, GIT_EXTERNAL_DIFF, GIT_CONFIG_PARAMETERS ...).
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("GIT_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["GIT_ATTR_NOSYSTEM"] = "1";
        start.Environment["GIT_ALLOW_PROTOCOL"] = string.Join(':', AllowedProtocols);
        start.Environment["GIT_NO_REPLACE_OBJECTS"] = "1";
        start.Environment["GIT_ASKPASS"] = "/bin/false";
        start.Environment.Remove("SSH_ASKPASS");
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
            var name = args.SkipWhile(a => a == "-c" || a.Contains('=', StringComparison.Ordinal)).FirstOrDefault();
            return new Result(-1, "", $"git {name} took longer than {timeout.TotalSeconds:0} s and was stopped.");
        }

        return new Result(process.ExitCode, await output, await error);
    }
}
