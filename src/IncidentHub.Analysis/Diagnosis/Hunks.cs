using System.Text;
using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.Diagnosis;

/// <summary>The hunks of a unified diff per file: the new-side lines each covers and the text it changes.</summary>
internal sealed partial class Hunks
{
    private readonly List<(string File, int Start, int End, StringBuilder Text)> hunks = [];
    private readonly StringBuilder added = new();

    /// <summary>The added lines of every file, for sharing words with the errors.</summary>
    public string AddedText => added.ToString();

    public static Hunks Parse(string patch)
    {
        var result = new Hunks();
        string? file = null;
        StringBuilder? current = null;
        foreach (var line in patch.Split('\n'))
        {
            if (line.StartsWith("+++ ", StringComparison.Ordinal))
            {
                var path = line[4..].Trim();
                file = path.StartsWith("b/", StringComparison.Ordinal) ? path[2..] : path;
                current = null;
            }
            else if (file is not null && HunkHeaderRegex().Match(line) is { Success: true } m)
            {
                var start = int.Parse(m.Groups["start"].Value, System.Globalization.CultureInfo.InvariantCulture);
                var count = m.Groups["count"].Success ? int.Parse(m.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
                current = new StringBuilder(m.Groups["context"].Value).Append('\n');
                result.hunks.Add((file, start, start + Math.Max(count, 1) - 1, current));
            }
            else if (current is not null && line.Length > 0 && line[0] is '+' or '-')
            {
                current.Append(line, 1, line.Length - 1).Append('\n');
                if (line[0] == '+')
                {
                    result.added.Append(line, 1, line.Length - 1).Append('\n');
                }
            }
        }

        return result;
    }

    /// <summary>A hunk of <paramref name="file"/> spans <paramref name="line"/> (within three lines of context).</summary>
    public bool Covers(string file, int line) =>
        hunks.Any(h => ChangeCorrelator.SameFile(file, h.File) && line >= h.Start - 3 && line <= h.End + 3);

    /// <summary>A hunk of <paramref name="file"/> names the function (its header or a changed line), as a whole word.</summary>
    public bool Mentions(string file, string function)
    {
        var name = FunctionNameRegex().Match(function) is { Success: true } m ? m.Value : function;
        if (name.Length < 3)
        {
            return false;
        }

        var word = new Regex(@"\b" + Regex.Escape(name) + @"\b", RegexOptions.CultureInvariant);
        return hunks.Any(h => ChangeCorrelator.SameFile(file, h.File) && word.IsMatch(h.Text.ToString()));
    }

    [GeneratedRegex(@"^@@ -\d+(?:,\d+)? \+(?<start>\d+)(?:,(?<count>\d+))? @@(?<context>.*)$")]
    private static partial Regex HunkHeaderRegex();

    /// <summary>The last identifier of a qualified name (pkg.Type.Method, main.(*T).Check, Class::method).</summary>
    [GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*(?=[^A-Za-z0-9_]*$)")]
    private static partial Regex FunctionNameRegex();
}
