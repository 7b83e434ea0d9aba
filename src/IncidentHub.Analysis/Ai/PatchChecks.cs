using IncidentHub.Analysis.CodeFix;
using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Analysis.Ai;

/// <summary>A model's patch that passed the checks by code: still only text, which git apply and the sandboxed tests judge next.</summary>
public sealed record CheckedPatch(string Title, string Patch, IReadOnlyList<string> Files);

public sealed record PatchReview(CheckedPatch? Patch, string? Rejection, IReadOnlyList<string> Refused);

/// <summary>
/// What code checks in a model's patch before it may even be tried on a throwaway worktree: it parses as a git diff, is not too
/// large, changes text files only (no binary, no symbolic link, no mode change, no deletion), and touches only the files of the
/// failing lines or test files, never outside the repository (no absolute path, no "..", nothing under .git). A tier or an
/// approval in the answer is refused and reported.
/// </summary>
public static class PatchChecks
{
    public const int MaxPatchChars = 40_000;
    public const int MaxTitleChars = 120;

    public static PatchReview Review(CodeFixAnswer answer, IReadOnlyCollection<string> failingFiles)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(failingFiles);
        var refused = new List<string>();
        if (!string.IsNullOrWhiteSpace(answer.Tier))
        {
            refused.Add($"claimed tier '{Flat(answer.Tier, 40)}': the tier of a code change comes from the tool registry");
        }

        if (answer.Approve == true)
        {
            refused.Add("asked to approve its patch: only a person with the Responder role approves");
        }

        var rejection = Check(answer.Patch, failingFiles, out var patch, out var files);
        if (rejection is not null)
        {
            return new(null, rejection, refused);
        }

        var title = Flat(answer.Title, MaxTitleChars) is { Length: > 0 } t && InjectionDetector.Check(t) is null ? t : $"change {string.Join(", ", files)}";
        return new(new CheckedPatch($"Model-written patch (ai-patch): {title}", patch!, files), null, refused);
    }

    private static string? Check(string? text, IReadOnlyCollection<string> failingFiles, out string? patch, out IReadOnlyList<string> files)
    {
        patch = null;
        files = [];
        if (string.IsNullOrWhiteSpace(text))
        {
            return "no patch in the answer";
        }

        if (text.Length > MaxPatchChars)
        {
            return $"the patch is longer than {MaxPatchChars} characters";
        }

        var normalised = WithGitHeaders(text.Replace("\r\n", "\n", StringComparison.Ordinal));
        IReadOnlyList<FileDiff> parsed;
        try
        {
            parsed = UnifiedDiff.Parse(normalised);
        }
        catch (FormatException e)
        {
            return $"the patch is not a unified diff ({Flat(e.Message, 120)})";
        }

        if (parsed.Count == 0 || parsed.All(f => f.Hunks.Count == 0))
        {
            return "the patch is not a unified diff (no file with a hunk)";
        }

        foreach (var file in parsed)
        {
            if (file.Binary)
            {
                return $"the patch changes a binary file ({Flat(file.Path, 120)})";
            }

            if (file.NewPath == "/dev/null")
            {
                return $"the patch deletes {Flat(file.OldPath, 120)}";
            }

            if (file.Header.FirstOrDefault(h => !AllowedHeader(h)) is { } header)
            {
                return $"the patch does more than change text ({Flat(header, 80)})";
            }

            foreach (var path in new[] { file.OldPath, file.NewPath }.Where(p => p != "/dev/null"))
            {
                if (Outside(path))
                {
                    return $"the patch names a path outside the repository ({Flat(path, 120)})";
                }

                if (!failingFiles.Contains(path, StringComparer.Ordinal) && !TestConventions.IsTest(path))
                {
                    return $"the patch touches {Flat(path, 120)}, which is neither a file of the failing lines nor a test";
                }
            }
        }

        patch = normalised.EndsWith('\n') ? normalised : normalised + "\n";
        files = UnifiedDiff.Paths(parsed);
        return null;
    }

    private static bool AllowedHeader(string line) =>
        line.StartsWith("diff --git ", StringComparison.Ordinal) || line.StartsWith("index ", StringComparison.Ordinal)
        || line.StartsWith("--- ", StringComparison.Ordinal) || line.StartsWith("+++ ", StringComparison.Ordinal)
        || line is "new file mode 100644";

    private static bool Outside(string path) =>
        path.Length == 0 || path.StartsWith('/') || path.Contains('\\', StringComparison.Ordinal) || path.Contains(':', StringComparison.Ordinal)
        || path.Split('/').Any(part => part is ".." or "." or "" || part.Equals(".git", StringComparison.OrdinalIgnoreCase));

    /// <summary>Models often write ---/+++ without git's "diff --git" line; the parser (and git apply) want it.</summary>
    private static string WithGitHeaders(string text)
    {
        if (text.Contains("diff --git ", StringComparison.Ordinal))
        {
            return text;
        }

        var lines = text.Split('\n').ToList();
        for (var i = 0; i < lines.Count - 1; i++)
        {
            if (lines[i].StartsWith("--- ", StringComparison.Ordinal) && lines[i + 1].StartsWith("+++ ", StringComparison.Ordinal))
            {
                var oldPath = lines[i][4..].Trim();
                var newPath = lines[i + 1][4..].Trim();
                var a = oldPath == "/dev/null" ? "a/" + Strip(newPath) : "a/" + Strip(oldPath);
                var b = newPath == "/dev/null" ? "b/" + Strip(oldPath) : "b/" + Strip(newPath);
                lines.Insert(i, $"diff --git {a} {b}");
                i += 2;
            }
        }

        return string.Join('\n', lines);

        static string Strip(string p) => p.StartsWith("a/", StringComparison.Ordinal) || p.StartsWith("b/", StringComparison.Ordinal) ? p[2..] : p;
    }

    private static string Flat(string? text, int max)
    {
        var flat = string.Join(' ', (text ?? "").Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return flat.Length <= max ? flat : flat[..max] + "…";
    }
}
