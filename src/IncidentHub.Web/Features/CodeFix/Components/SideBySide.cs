using IncidentHub.Analysis.CodeFix;

namespace IncidentHub.Web.Features.CodeFix.Components;

/// <summary>One row of a side-by-side diff: the old line on the left, the new one on the right (either may be empty).</summary>
public sealed record DiffRow(int? OldNumber, string? OldText, int? NewNumber, string? NewText, string Kind);

/// <summary>A patch laid out for side-by-side reading: per file, hunks of rows; removed and added lines of a block face each other.</summary>
public static class SideBySide
{
    public sealed record FileRows(string Path, IReadOnlyList<IReadOnlyList<DiffRow>> Hunks);

    public static IReadOnlyList<FileRows> From(string patch) =>
        UnifiedDiff.Parse(patch).Select(f => new FileRows(f.Path, f.Hunks.Select(Rows).ToList())).ToList();

    private static IReadOnlyList<DiffRow> Rows(DiffHunk hunk)
    {
        var rows = new List<DiffRow>();
        int oldNo = hunk.OldStart, newNo = hunk.NewStart;
        var lines = hunk.Lines.Where(l => l[0] != '\\').ToList();
        for (var i = 0; i < lines.Count;)
        {
            if (lines[i][0] == ' ')
            {
                rows.Add(new DiffRow(oldNo++, lines[i][1..], newNo++, lines[i][1..], "same"));
                i++;
                continue;
            }

            var removed = new List<string>();
            var added = new List<string>();
            while (i < lines.Count && lines[i][0] == '-')
            {
                removed.Add(lines[i++][1..]);
            }

            while (i < lines.Count && lines[i][0] == '+')
            {
                added.Add(lines[i++][1..]);
            }

            for (var k = 0; k < Math.Max(removed.Count, added.Count); k++)
            {
                var left = k < removed.Count ? removed[k] : null;
                var right = k < added.Count ? added[k] : null;
                rows.Add(new DiffRow(left is null ? null : oldNo++, left, right is null ? null : newNo++, right,
                    left is not null && right is not null ? "changed" : left is not null ? "removed" : "added"));
            }
        }

        return rows;
    }
}
