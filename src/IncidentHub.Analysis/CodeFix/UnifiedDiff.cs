using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.CodeFix;

/// <summary>One hunk of a unified diff: its ranges and its lines, each starting with ' ', '-', '+' or '\'.</summary>
public sealed record DiffHunk(int OldStart, int OldCount, int NewStart, int NewCount, string Section, IReadOnlyList<string> Lines)
{
    /// <summary>True when the old side of the hunk (the lines it removes or keeps) includes line <paramref name="line"/>.</summary>
    public bool CoversOld(int line) => line >= OldStart && line < OldStart + Math.Max(OldCount, 1);

    public string Header() =>
        $"@@ -{Range(OldStart, OldCount)} +{Range(NewStart, NewCount)} @@{(Section.Length > 0 ? " " + Section : "")}";

    private static string Range(int start, int count) =>
        count == 1 ? start.ToString(CultureInfo.InvariantCulture) : $"{start.ToString(CultureInfo.InvariantCulture)},{count.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>The changes to one file: the git header lines (diff --git, index, mode, ---/+++) and its hunks.</summary>
public sealed record FileDiff(string OldPath, string NewPath, IReadOnlyList<string> Header, IReadOnlyList<DiffHunk> Hunks, bool Binary)
{
    /// <summary>The path the change is about: the new one unless the file is deleted.</summary>
    public string Path => NewPath == "/dev/null" ? OldPath : NewPath;
}

/// <summary>
/// Reads and writes git's unified diffs (git show / git diff output), so a patch can be cut down to the hunks
/// that matter. The result is always text for <c>git apply</c>, which decides whether it fits; nothing here
/// edits a file.
/// </summary>
public static partial class UnifiedDiff
{
    public static IReadOnlyList<FileDiff> Parse(string diff)
    {
        var files = new List<FileDiff>();
        var lines = diff.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var i = 0;
        while (i < lines.Length)
        {
            if (!lines[i].StartsWith("diff --git ", StringComparison.Ordinal))
            {
                i++;
                continue;
            }

            var header = new List<string> { lines[i] };
            var (oldPath, newPath) = PathsFromDiffLine(lines[i]);
            var binary = false;
            i++;
            while (i < lines.Length && !lines[i].StartsWith("@@", StringComparison.Ordinal) && !lines[i].StartsWith("diff --git ", StringComparison.Ordinal))
            {
                var line = lines[i];
                if (line.StartsWith("--- ", StringComparison.Ordinal))
                {
                    oldPath = StripPrefix(line[4..], "a/");
                }
                else if (line.StartsWith("+++ ", StringComparison.Ordinal))
                {
                    newPath = StripPrefix(line[4..], "b/");
                }
                else if (line.StartsWith("Binary files ", StringComparison.Ordinal) || line.StartsWith("GIT binary patch", StringComparison.Ordinal))
                {
                    binary = true;
                }

                if (line.Length > 0)
                {
                    header.Add(line);
                }

                i++;
            }

            var hunks = new List<DiffHunk>();
            while (i < lines.Length && lines[i].StartsWith("@@", StringComparison.Ordinal))
            {
                var match = HunkHeader().Match(lines[i]);
                if (!match.Success)
                {
                    throw new FormatException($"Not a hunk header: {lines[i]}");
                }

                var oldCount = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 1;
                var newCount = match.Groups[4].Success ? int.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture) : 1;
                var body = new List<string>();
                i++;
                int seenOld = 0, seenNew = 0;
                while (i < lines.Length && (seenOld < oldCount || seenNew < newCount || (lines[i].StartsWith('\\'))))
                {
                    var line = lines[i];
                    if (line.StartsWith('\\'))
                    {
                        body.Add(line);
                        i++;
                        continue;
                    }

                    // An empty line inside a hunk is a context line whose trailing space was lost.
                    var kind = line.Length == 0 ? ' ' : line[0];
                    if (kind is not (' ' or '-' or '+'))
                    {
                        break;
                    }

                    body.Add(line.Length == 0 ? " " : line);
                    seenOld += kind is ' ' or '-' ? 1 : 0;
                    seenNew += kind is ' ' or '+' ? 1 : 0;
                    i++;
                }

                hunks.Add(new DiffHunk(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), oldCount,
                    int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture), newCount, match.Groups[5].Value.Trim(), body));
            }

            files.Add(new FileDiff(oldPath, newPath, header, hunks, binary));
        }

        return files;
    }

    public static string Render(IEnumerable<FileDiff> files)
    {
        var text = new StringBuilder();
        foreach (var file in files.Where(f => f.Hunks.Count > 0 || f.Binary))
        {
            foreach (var line in file.Header)
            {
                text.Append(line).Append('\n');
            }

            foreach (var hunk in file.Hunks)
            {
                text.Append(hunk.Header()).Append('\n');
                foreach (var line in hunk.Lines)
                {
                    text.Append(line).Append('\n');
                }
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Keeps only the hunks whose old side covers one of the given lines (per old path). Hunk positions stay as they
    /// were: git apply finds each hunk by its context, so the next hunks' offsets do not matter.
    /// </summary>
    public static IReadOnlyList<FileDiff> KeepHunksCovering(IReadOnlyList<FileDiff> files, IReadOnlyDictionary<string, IReadOnlySet<int>> linesByOldPath) =>
        files.Select(f => f with
            {
                Hunks = linesByOldPath.TryGetValue(f.OldPath, out var lines) ? f.Hunks.Where(h => lines.Any(h.CoversOld)).ToList() : [],
            })
            .Where(f => f.Hunks.Count > 0)
            .ToList();

    /// <summary>
    /// A patch that changes only line <paramref name="oldLine"/> of one hunk back: the line removed there and the line the
    /// same hunk puts in its place. Every other change of the hunk is left as it is (its removed lines become context, its
    /// added lines are dropped). Null when the hunk does not replace that line.
    /// </summary>
    public static FileDiff? KeepOneLine(FileDiff file, int oldLine)
    {
        var hunk = file.Hunks.FirstOrDefault(h => h.CoversOld(oldLine));
        if (hunk is null)
        {
            return null;
        }

        // Walk the hunk, tracking old line numbers; find the block of '-' lines holding oldLine and its '+' partner.
        var lines = hunk.Lines;
        var old = hunk.OldStart;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i][0] != '-')
            {
                old += lines[i][0] == ' ' ? 1 : 0;
                continue;
            }

            var minus = new List<int>();
            while (i < lines.Count && lines[i][0] == '-')
            {
                minus.Add(i);
                i++;
            }

            var plus = new List<int>();
            while (i < lines.Count && lines[i][0] == '+')
            {
                plus.Add(i);
                i++;
            }

            var index = oldLine - old;
            old += minus.Count;
            i--;
            if (index < 0 || index >= minus.Count)
            {
                continue;
            }

            if (index >= plus.Count)
            {
                return null;
            }

            var keepMinus = minus[index];
            var keepPlus = plus[index];
            var body = new List<string>();
            var previousKept = false;
            for (var j = 0; j < lines.Count; j++)
            {
                var line = lines[j];
                if (line[0] == '\\')
                {
                    // "\ No newline at end of file" belongs to the line before it.
                    if (previousKept)
                    {
                        body.Add(line);
                    }

                    continue;
                }

                previousKept = j == keepMinus || j == keepPlus || line[0] is '-' or ' ';
                if (j == keepMinus || j == keepPlus)
                {
                    body.Add(line);
                }
                else if (line[0] is '-' or ' ')
                {
                    body.Add(" " + line[1..]);
                }
            }

            var oldCount = body.Count(l => l[0] is ' ' or '-');
            var newCount = body.Count(l => l[0] is ' ' or '+');
            return file with { Hunks = [new DiffHunk(hunk.OldStart, oldCount, hunk.OldStart, newCount, hunk.Section, body)] };
        }

        return null;
    }

    /// <summary>Old-side line numbers of the lines a file's hunks replace (a removed line with an added partner): the values changed.</summary>
    public static IReadOnlyList<int> ReplacedOldLines(FileDiff file)
    {
        var result = new List<int>();
        foreach (var hunk in file.Hunks)
        {
            var lines = hunk.Lines.Where(l => l[0] != '\\').ToList();
            var old = hunk.OldStart;
            for (var i = 0; i < lines.Count;)
            {
                if (lines[i][0] != '-')
                {
                    old += lines[i][0] == ' ' ? 1 : 0;
                    i++;
                    continue;
                }

                var minus = 0;
                while (i < lines.Count && lines[i][0] == '-')
                {
                    minus++;
                    i++;
                }

                var plus = 0;
                while (i < lines.Count && lines[i][0] == '+')
                {
                    plus++;
                    i++;
                }

                result.AddRange(Enumerable.Range(old, Math.Min(minus, plus)));
                old += minus;
            }
        }

        return result;
    }

    /// <summary>Every file path the patch touches (old and new names).</summary>
    public static IReadOnlyList<string> Paths(IEnumerable<FileDiff> files) =>
        files.SelectMany(f => new[] { f.OldPath, f.NewPath }).Where(p => p != "/dev/null").Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Lines added and removed, for a one-line summary ("+3 -1 in 2 files").</summary>
    public static (int Added, int Removed) Count(IEnumerable<FileDiff> files)
    {
        var all = files.SelectMany(f => f.Hunks).SelectMany(h => h.Lines).ToList();
        return (all.Count(l => l[0] == '+'), all.Count(l => l[0] == '-'));
    }

    private static (string Old, string New) PathsFromDiffLine(string line)
    {
        var match = DiffGitLine().Match(line);
        return match.Success ? (match.Groups[1].Value, match.Groups[2].Value) : ("", "");
    }

    private static string StripPrefix(string path, string prefix)
    {
        path = path.TrimEnd('\t');
        return path == "/dev/null" ? path : path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..] : path;
    }

    [GeneratedRegex(@"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")]
    private static partial Regex HunkHeader();

    [GeneratedRegex(@"^diff --git a/(.+) b/(.+)$")]
    private static partial Regex DiffGitLine();
}
