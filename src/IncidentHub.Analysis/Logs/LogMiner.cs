using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.Logs;

public sealed record LogMinerOptions
{
    /// <summary>
    /// Share of positions that must agree (the same token, or a widened <c>&lt;*&gt;</c> in the template)
    /// for a new shape to join a cluster of the same length. 1.0 (the default) only joins templates
    /// that cover the line; Drain-style values such as 0.5 merge more eagerly and group Loghub worse.
    /// </summary>
    public double SimilarityThreshold { get; init; } = 1.0;

    /// <summary>
    /// A position where this many distinct constant words have been seen, with everything else on the
    /// line equal, is a variable (user names, host names): the clusters that differ only there merge.
    /// </summary>
    public int DistinctValuesForVariable { get; init; } = 5;

    /// <summary>
    /// Most distinct masked lines remembered for the exact lookup, and most word-position records kept
    /// for <see cref="DistinctValuesForVariable"/> (memory bounds for endless new shapes); past it new
    /// shapes are still placed, only not remembered.
    /// </summary>
    public int MaxRememberedShapes { get; init; } = 200_000;

    /// <summary>Most clusters kept; past it a new shape is merged into the closest cluster.</summary>
    public int MaxClusters { get; init; } = 2000;

    /// <summary>
    /// Extra patterns replaced with <c>&lt;*&gt;</c> before tokenising (the per-dataset regexes of the
    /// Loghub benchmark, or a team's own ids). Empty by default: the built-in masking covers the usual kinds.
    /// </summary>
    public IReadOnlyList<Regex> Preprocess { get; init; } = [];
}

/// <summary>One template: its id, its current text and how many lines it holds.</summary>
public sealed record LogCluster(int Id, string Template, long Count);

/// <summary>
/// Online log template mining after Drain, keyed by the masked line so repeated input never grows the cluster set
/// and the defaults need no per-dataset tuning; the algorithm is decision 008. Not thread-safe: one miner per source.
/// </summary>
public sealed class LogMiner
{
    private readonly LogMinerOptions options;
    private readonly Dictionary<string, int> byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup;
    private readonly List<Cluster> all = [];
    private readonly Dictionary<int, List<Cluster>> byLength = [];
    private readonly List<(int Start, int Length, bool Variable)> spans = [];
    private readonly Dictionary<string, int> skeletons = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (HashSet<string> Values, List<int> Clusters)> positions = new(StringComparer.Ordinal);
    private char[] buffer = new char[512];
    private int live;

    public LogMiner(LogMinerOptions? options = null)
    {
        this.options = options ?? new LogMinerOptions();
        if (this.options.MaxClusters < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxClusters must be at least 1.");
        }

        lookup = byKey.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The surviving clusters, by id.</summary>
    public IReadOnlyList<LogCluster> Clusters =>
        [.. all.Where(c => c.MergedInto == 0).Select(c => new LogCluster(c.Id, c.Template, c.Count))];

    public int ClusterCount => live;

    /// <summary>The surviving cluster that a (possibly merged) id now belongs to.</summary>
    public LogCluster Resolve(int id)
    {
        var cluster = Find(id);
        return new LogCluster(cluster.Id, cluster.Template, cluster.Count);
    }

    /// <summary>Masks one log message (without its header) into its template key.</summary>
    public string Mask(string content)
    {
        var length = MaskInto(Preprocess(content));
        return new string(buffer, 0, length);
    }

    /// <summary>Adds one log message (without its header) and returns its cluster id.</summary>
    public int Add(string content)
    {
        var length = MaskInto(Preprocess(content));
        var key = buffer.AsSpan(0, length);
        if (lookup.TryGetValue(key, out var id))
        {
            var hit = Find(id);
            hit.Count++;
            return hit.Id;
        }

        var tokens = new string[spans.Count];
        var variable = new bool[spans.Count];
        for (var i = 0; i < tokens.Length; i++)
        {
            var (start, len, isVar) = spans[i];
            tokens[i] = new string(buffer, start, len);
            variable[i] = isVar;
        }

        var keyText = key.ToString();
        var cluster = Place(tokens, variable);
        cluster.Count++;
        if (byKey.Count < options.MaxRememberedShapes)
        {
            byKey[keyText] = cluster.Id;
        }

        return cluster.Id;
    }

    private string Preprocess(string content)
    {
        foreach (var regex in options.Preprocess)
        {
            content = regex.Replace(content, TokenMasker.Any);
        }

        return content;
    }

    private int MaskInto(string content)
    {
        spans.Clear();
        if (buffer.Length < content.Length * 4 + 16)
        {
            buffer = new char[content.Length * 4 + 16];
        }

        var span = content.AsSpan();
        var length = 0;
        var i = 0;
        while (i < span.Length)
        {
            while (i < span.Length && IsSpace(span[i]))
            {
                i++;
            }

            if (i == span.Length)
            {
                break;
            }

            var start = i;
            while (i < span.Length && !IsSpace(span[i]))
            {
                i++;
            }

            var token = span[start..i];
            if (length > 0)
            {
                buffer[length++] = ' ';
            }

            var tokenStart = length;
            var mask = TokenMasker.Analyse(token, out var keep, out var suffix);
            if (mask is null && TokenMasker.IsDateWord(token) && NextToken(span, i) is var next && !next.IsEmpty
                && (char.IsAsciiDigit(next[0]) || TokenMasker.IsDateWord(next)))
            {
                (mask, keep, suffix) = (TokenMasker.Timestamp, 0, token.Length);
            }

            if (mask is null)
            {
                token.CopyTo(buffer.AsSpan(length));
                length += token.Length;
            }
            else
            {
                token[..keep].CopyTo(buffer.AsSpan(length));
                length += keep;
                mask.AsSpan().CopyTo(buffer.AsSpan(length));
                length += mask.Length;
                token[suffix..].CopyTo(buffer.AsSpan(length));
                length += token.Length - suffix;

                // "12 KB", "250 ms": the unit travels with its number, so "(1.2 KB)" and "(3 MB)" are one variable.
                if (suffix == token.Length && NextToken(span, i) is var unit && TokenMasker.IsUnit(unit))
                {
                    buffer[length++] = ' ';
                    unit.CopyTo(buffer.AsSpan(length));
                    length += unit.Length;
                    i = SkipToken(span, i);
                }
            }

            spans.Add((tokenStart, length - tokenStart, mask is not null));
        }

        return length;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static ReadOnlySpan<char> NextToken(ReadOnlySpan<char> span, int i)
    {
        while (i < span.Length && IsSpace(span[i]))
        {
            i++;
        }

        var start = i;
        while (i < span.Length && !IsSpace(span[i]))
        {
            i++;
        }

        return span[start..i];
    }

    private static int SkipToken(ReadOnlySpan<char> span, int i)
    {
        while (i < span.Length && IsSpace(span[i]))
        {
            i++;
        }

        while (i < span.Length && !IsSpace(span[i]))
        {
            i++;
        }

        return i;
    }

    private Cluster Place(string[] tokens, bool[] variable)
    {
        var skeleton = Skeleton(tokens, variable);
        if (skeleton.Length > 0 && skeletons.TryGetValue(skeleton, out var sameWords))
        {
            return Generalise(Find(sameWords), tokens, variable);
        }

        var best = Closest(tokens, variable, sameLengthOnly: true, out var similarity);
        if (best is not null && similarity >= options.SimilarityThreshold)
        {
            return Generalise(best, tokens, variable);
        }

        if (live < options.MaxClusters)
        {
            var opened = Open(tokens, variable);
            return CountValues(opened, tokens, variable);
        }

        best = Closest(tokens, variable, sameLengthOnly: false, out _) ?? all.First(c => c.MergedInto == 0);
        return Generalise(best, tokens, variable);
    }

    /// <summary>The constant tokens in order: lines with the same words and only variables between them are one event.</summary>
    private static string Skeleton(string[] tokens, bool[] variable)
    {
        var words = new List<string>(tokens.Length);
        for (var i = 0; i < tokens.Length; i++)
        {
            if (!variable[i])
            {
                words.Add(tokens[i]);
            }
        }

        return words.Count == 0 ? string.Empty : string.Join(' ', words);
    }

    /// <summary>
    /// Records, for each constant position of a new cluster, the value seen there among clusters that are
    /// otherwise equal; when a position reaches <see cref="LogMinerOptions.DistinctValuesForVariable"/>
    /// values, those clusters merge with a variable at that position.
    /// </summary>
    private const int MinContext = 3;
    private const int MaxTokensForValueCounting = 64;

    private Cluster CountValues(Cluster cluster, string[] tokens, bool[] variable)
    {
        // Each position's key is the whole line: quadratic, so long lines (dumps, not messages) skip it.
        if (tokens.Length < 2 || tokens.Length > MaxTokensForValueCounting || positions.Count >= options.MaxRememberedShapes)
        {
            return cluster;
        }

        var constants = variable.Count(v => !v);
        for (var i = 0; i < tokens.Length; i++)
        {
            // Only with enough context: at least three other constant words must agree.
            if (variable[i] || constants - 1 < MinContext)
            {
                continue;
            }

            var key = string.Concat(i.ToString(System.Globalization.CultureInfo.InvariantCulture), "\u0001",
                string.Join(' ', tokens[..i]), " <*> ", string.Join(' ', tokens[(i + 1)..]));
            if (!positions.TryGetValue(key, out var seen))
            {
                seen = ([], []);
                positions[key] = seen;
            }

            seen.Values.Add(tokens[i]);
            seen.Clusters.Add(cluster.Id);
            if (seen.Values.Count >= options.DistinctValuesForVariable)
            {
                var survivor = Find(seen.Clusters[0]);
                foreach (var id in seen.Clusters.Skip(1))
                {
                    var other = Find(id);
                    if (other != survivor)
                    {
                        survivor = Absorb(survivor, other);
                    }
                }

                return survivor;
            }
        }

        return cluster;
    }

    /// <summary>Merges <paramref name="other"/> into <paramref name="survivor"/>; returns the cluster left.</summary>
    private Cluster Absorb(Cluster survivor, Cluster other)
    {
        survivor.Count += other.Count;
        other.Count = 0;
        other.MergedInto = survivor.Id;
        byLength[other.Tokens.Length].Remove(other);
        live--;
        return Generalise(survivor, other.Tokens, other.Variable);
    }

    private Cluster? Closest(string[] tokens, bool[] variable, bool sameLengthOnly, out double similarity)
    {
        Cluster? best = null;
        similarity = -1;
        IEnumerable<List<Cluster>> buckets = sameLengthOnly
            ? byLength.TryGetValue(tokens.Length, out var list) ? [list] : []
            : byLength.Values;
        foreach (var bucket in buckets)
        {
            foreach (var cluster in bucket)
            {
                if (sameLengthOnly && !SameFirstToken(cluster, tokens, variable))
                {
                    continue;
                }

                var score = Similarity(cluster, tokens, variable);
                if (score > similarity || (score == similarity && best is not null && cluster.Count > best.Count))
                {
                    best = cluster;
                    similarity = score;
                }
            }
        }

        return best;
    }

    private static bool SameFirstToken(Cluster cluster, string[] tokens, bool[] variable) =>
        tokens.Length == 0 || cluster.Variable[0] || variable[0] || string.Equals(cluster.Tokens[0], tokens[0], StringComparison.Ordinal);

    private static double Similarity(Cluster cluster, string[] tokens, bool[] variable)
    {
        if (cluster.Tokens.Length == tokens.Length)
        {
            if (tokens.Length == 0)
            {
                return 1;
            }

            var same = 0;
            for (var i = 0; i < tokens.Length; i++)
            {
                if (cluster.Wild[i] || string.Equals(cluster.Tokens[i], tokens[i], StringComparison.Ordinal))
                {
                    same++;
                }
            }

            return (double)same / tokens.Length;
        }

        // Different lengths (only when the cap forces a merge): shared prefix and suffix.
        var (prefix, suffix) = Affixes(cluster.Tokens, tokens);
        return (double)(prefix + suffix) / Math.Max(cluster.Tokens.Length, tokens.Length);
    }

    private static (int Prefix, int Suffix) Affixes(string[] a, string[] b)
    {
        var max = Math.Min(a.Length, b.Length);
        var prefix = 0;
        while (prefix < max && a[prefix] == b[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < max - prefix && a[^(suffix + 1)] == b[^(suffix + 1)])
        {
            suffix++;
        }

        return (prefix, suffix);
    }

    private Cluster Open(string[] tokens, bool[] variable)
    {
        var cluster = new Cluster(all.Count + 1, tokens, variable);
        all.Add(cluster);
        Bucket(tokens.Length).Add(cluster);
        live++;
        return Register(cluster);
    }

    private List<Cluster> Bucket(int length)
    {
        if (!byLength.TryGetValue(length, out var bucket))
        {
            bucket = [];
            byLength[length] = bucket;
        }

        return bucket;
    }

    /// <summary>Widens a cluster's template so it also covers <paramref name="tokens"/>.</summary>
    private Cluster Generalise(Cluster cluster, string[] tokens, bool[] variable)
    {
        var merged = cluster.Tokens.Length == tokens.Length
            ? Pairwise(cluster.Tokens, cluster.Variable, tokens, 0, 0, tokens.Length)
            : Align(cluster, tokens, variable);
        if (merged.AsSpan().SequenceEqual(cluster.Tokens))
        {
            return cluster;
        }

        if (merged.Length != cluster.Tokens.Length)
        {
            byLength[cluster.Tokens.Length].Remove(cluster);
            Bucket(merged.Length).Add(cluster);
        }

        cluster.Update(merged);
        return Register(cluster);
    }

    private static string[] Pairwise(string[] a, bool[] aVariable, string[] b, int aStart, int bStart, int count)
    {
        var merged = new string[count];
        for (var i = 0; i < count; i++)
        {
            var x = a[aStart + i];
            merged[i] = aVariable[aStart + i] || string.Equals(x, b[bStart + i], StringComparison.Ordinal) ? x : TokenMasker.Any;
        }

        return merged;
    }

    /// <summary>
    /// Lines of different lengths: when both have the same constant words, keep them and merge the
    /// variable runs between them (a run of another length becomes one <c>&lt;*&gt;</c>); otherwise keep
    /// the shared prefix and suffix around one <c>&lt;*&gt;</c>.
    /// </summary>
    private static string[] Align(Cluster cluster, string[] tokens, bool[] variable)
    {
        var a = cluster.Tokens;
        var aConst = Enumerable.Range(0, a.Length).Where(i => !cluster.Variable[i]).ToList();
        var bConst = Enumerable.Range(0, tokens.Length).Where(i => !variable[i]).ToList();
        if (aConst.Count != bConst.Count || aConst.Where((p, k) => a[p] != tokens[bConst[k]]).Any())
        {
            var (prefix, suffix) = Affixes(a, tokens);
            return [.. a[..prefix], TokenMasker.Any, .. a[^suffix..]];
        }

        var merged = new List<string>(Math.Max(a.Length, tokens.Length));
        var (aPrev, bPrev) = (-1, -1);
        for (var k = 0; k <= aConst.Count; k++)
        {
            var aNext = k < aConst.Count ? aConst[k] : a.Length;
            var bNext = k < bConst.Count ? bConst[k] : tokens.Length;
            var aRun = aNext - aPrev - 1;
            var bRun = bNext - bPrev - 1;
            if (aRun == bRun)
            {
                merged.AddRange(Pairwise(a, cluster.Variable, tokens, aPrev + 1, bPrev + 1, aRun));
            }
            else
            {
                merged.Add(TokenMasker.Any);
            }

            if (k < aConst.Count)
            {
                merged.Add(a[aNext]);
            }

            (aPrev, bPrev) = (aNext, bNext);
        }

        return [.. merged];
    }

    /// <summary>Keys the cluster by its template text; a cluster already holding that text absorbs it.</summary>
    private Cluster Register(Cluster cluster)
    {
        if (byKey.TryGetValue(cluster.Template, out var other) && Find(other) is var owner && owner != cluster)
        {
            owner.Count += cluster.Count;
            cluster.MergedInto = owner.Id;
            byLength[cluster.Tokens.Length].Remove(cluster);
            live--;
            return owner;
        }

        byKey[cluster.Template] = cluster.Id;
        if (Skeleton(cluster.Tokens, cluster.Variable) is { Length: > 0 } skeleton)
        {
            skeletons.TryAdd(skeleton, cluster.Id);
        }

        return cluster;
    }

    private Cluster Find(int id)
    {
        var cluster = all[id - 1];
        while (cluster.MergedInto != 0)
        {
            cluster = all[cluster.MergedInto - 1];
        }

        return cluster;
    }

    private sealed class Cluster(int id, string[] tokens, bool[] variable)
    {
        public int Id { get; } = id;

        public string[] Tokens { get; private set; } = tokens;

        public bool[] Variable { get; private set; } = variable;

        public string Template { get; private set; } = string.Join(' ', tokens);

        public long Count { get; set; }

        public int MergedInto { get; set; }

        /// <summary>
        /// Positions widened by merging (constants that differed): they accept any token, while a masked
        /// position (&lt;NUM&gt;, &lt;IP&gt; ...) only accepts another variable. Generalise writes the
        /// <see cref="TokenMasker.Any"/> instance itself there; tokens read from a line are always new strings.
        /// </summary>
        public bool[] Wild { get; private set; } = new bool[tokens.Length];

        public void Update(string[] tokens)
        {
            Tokens = tokens;
            Variable = [.. tokens.Select(TokenMasker.IsVariable)];
            Wild = [.. tokens.Select(t => ReferenceEquals(t, TokenMasker.Any))];
            Template = string.Join(' ', tokens);
        }
    }
}
