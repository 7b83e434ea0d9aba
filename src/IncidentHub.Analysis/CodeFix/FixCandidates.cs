using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.CodeFix;

/// <summary>How a candidate fix was made; without a model only the first three exist.</summary>
public enum FixKind
{
    /// <summary>Every change of the suspect commit, undone.</summary>
    RevertCommit,

    /// <summary>Only the suspect commit's hunks that touch the failing lines, undone; its other work stays.</summary>
    RevertHunks,

    /// <summary>One configuration key set back to the value it had before the suspect commit.</summary>
    RestoreConfigValue,

    /// <summary>A patch a model wrote for the failing lines (origin "ai-patch"); checked and tested like the others, proposed after them on a tie.</summary>
    AiPatch,
}

/// <summary>A patch proposed as a fix, before anyone checked that it applies or passes the tests.</summary>
public sealed record FixCandidate(FixKind Kind, string Title, string Patch, IReadOnlyList<string> Files, string? ConfigKey = null, string? ConfigValue = null)
{
    public string Hash => FixCandidates.HashOf(Patch);
}

/// <summary>A configuration line the diagnosis names: a file of the repository and its line at the suspect commit.</summary>
public sealed record ConfigLine(string File, int Line);

/// <summary>
/// Turns the suspect commit into candidate patches, without a model: undo the whole commit; undo only its hunks that
/// touch the failing lines (when it also did unrelated work); set the configuration key the diagnosis names back to its
/// previous value. Each is text for git apply; whether it applies to the current base is checked by the caller.
/// </summary>
public static partial class FixCandidates
{
    private static readonly HashSet<string> ConfigExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".yml", ".yaml", ".properties", ".json", ".toml", ".ini", ".env", ".conf", ".cfg", ".xml", ".tf", ".hcl",
    };

    /// <summary>
    /// <paramref name="reverseDiff"/> is <c>git diff S S^</c> (the suspect commit undone); its old side is the file at S,
    /// so <paramref name="failingLinesAtCommit"/> are line numbers in S's version of each file (from blame).
    /// </summary>
    public static IReadOnlyList<FixCandidate> Propose(string commit, string subject, string reverseDiff,
        IReadOnlyDictionary<string, IReadOnlySet<int>> failingLinesAtCommit, IReadOnlyList<ConfigLine> config, IReadOnlyList<string>? configFileAtCommit = null)
    {
        var files = UnifiedDiff.Parse(reverseDiff);
        if (files.Count == 0 || files.All(f => f.Hunks.Count == 0))
        {
            return [];
        }

        var candidates = new List<FixCandidate>();
        var shortSha = commit.Length > 7 ? commit[..7] : commit;
        foreach (var line in config)
        {
            if (files.FirstOrDefault(f => f.OldPath == line.File) is { } configFile && UnifiedDiff.KeepOneLine(configFile, line.Line) is { } oneLine)
            {
                var hunk = oneLine.Hunks[0];
                var current = hunk.Lines.First(l => l[0] == '-')[1..];
                var previous = hunk.Lines.First(l => l[0] == '+')[1..];
                var key = (configFileAtCommit is null ? null : ConfigKeys.PathAt(configFileAtCommit, line.Line)) ?? ConfigKeys.KeyOf(current) ?? ConfigKeys.KeyOf(previous);
                var value = ConfigKeys.ValueOf(previous);
                candidates.Add(new FixCandidate(FixKind.RestoreConfigValue,
                    $"Set {key ?? $"line {line.Line} of {line.File}"} back to {value ?? previous.Trim()} (as before {shortSha})",
                    UnifiedDiff.Render([oneLine]), [line.File], key, value));
            }
        }

        var lines = new Dictionary<string, IReadOnlySet<int>>(failingLinesAtCommit, StringComparer.Ordinal);
        foreach (var line in config)
        {
            lines[line.File] = lines.TryGetValue(line.File, out var existing) ? existing.Append(line.Line).ToHashSet() : new HashSet<int> { line.Line };
        }

        var touching = UnifiedDiff.KeepHunksCovering(files, lines);
        var allHunks = files.Sum(f => f.Hunks.Count);
        var keptHunks = touching.Sum(f => f.Hunks.Count);
        if (keptHunks > 0 && keptHunks < allHunks)
        {
            candidates.Add(new FixCandidate(FixKind.RevertHunks,
                $"Undo the {keptHunks} of {allHunks} hunk(s) of {shortSha} that touch the failing lines ({string.Join(", ", touching.Select(f => f.Path))})",
                UnifiedDiff.Render(touching), UnifiedDiff.Paths(touching)));
        }

        candidates.Add(new FixCandidate(FixKind.RevertCommit, $"Revert {shortSha} \"{Short(subject, 80)}\"",
            UnifiedDiff.Render(files), UnifiedDiff.Paths(files)));
        return candidates.DistinctBy(c => c.Hash).ToList();
    }

    /// <summary>
    /// How many words of a configuration key (read, timeout; words of 4+ letters) the incident's error text mentions: what
    /// ranks one restored key above another when a commit changed several.
    /// </summary>
    public static int EvidenceOverlap(string? key, string evidenceText) =>
        key is null ? 0 : KeyWords().Split(key).Where(w => w.Length >= 4).Distinct(StringComparer.OrdinalIgnoreCase)
            .Count(w => evidenceText.Contains(w, StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"[^A-Za-z]+|(?<=[a-z])(?=[A-Z])")]
    private static partial Regex KeyWords();

    public static bool IsConfigFile(string path) =>
        ConfigExtensions.Contains(Path.GetExtension(path)) || path.Contains("/config/", StringComparison.OrdinalIgnoreCase)
        || Path.GetFileName(path).StartsWith("application", StringComparison.OrdinalIgnoreCase) && Path.GetExtension(path).Length > 0
           && !Path.GetExtension(path).Equals(".java", StringComparison.OrdinalIgnoreCase);

    /// <summary>SHA-256 of the patch text, lower-case hex: what an approval of a code change binds to.</summary>
    public static string HashOf(string patch) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(patch)));

    private static string Short(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}

/// <summary>Reads a key and its value from one line of a YAML, properties, TOML or INI file.</summary>
public static partial class ConfigKeys
{
    public static string? KeyOf(string line) => KeyValue().Match(line) is { Success: true } m ? m.Groups[1].Value : null;

    public static string? ValueOf(string line) =>
        KeyValue().Match(line) is { Success: true } m && m.Groups[2].Value.Trim().Trim('"', '\'') is { Length: > 0 } v ? v : null;

    /// <summary>
    /// The dotted path of the YAML key on line <paramref name="line"/> (1-based): "inventory.client.read-timeout" for a
    /// nested key, read from the indentation of the lines above it. Other formats give the key itself.
    /// </summary>
    public static string? PathAt(IReadOnlyList<string> lines, int line)
    {
        if (line < 1 || line > lines.Count || KeyOf(lines[line - 1]) is not { } key)
        {
            return null;
        }

        var path = new List<string> { key };
        var indent = Indent(lines[line - 1]);
        for (var i = line - 2; i >= 0 && indent > 0; i--)
        {
            var text = lines[i];
            if (text.Trim().Length == 0 || text.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var lineIndent = Indent(text);
            if (lineIndent < indent && KeyOf(text) is { } parent)
            {
                path.Insert(0, parent);
                indent = lineIndent;
            }
        }

        return string.Join('.', path);
    }

    private static int Indent(string line) => line.Length - line.TrimStart(' ').Length;

    [GeneratedRegex(@"^\s*(?:- )?([A-Za-z0-9_.\-\[\]]+)\s*[:=]\s*(.*?)\s*(?:#.*)?$")]
    private static partial Regex KeyValue();
}
