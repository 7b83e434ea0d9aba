using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.Diagnosis;

/// <summary>
/// Finds stack traces in log lines (Python, Java, Kotlin, Scala, .NET, Go, Node.js, Ruby, PHP, Rust,
/// Elixir) and groups identical ones. An error line of another format followed by indented detail
/// lines, repeated three times or more, becomes a trace of language Unknown (frames best effort).
/// Frames of every returned trace are ordered innermost first (where the error was raised), whatever
/// order the runtime printed them in; for chained exceptions the root cause (the original exception)
/// is the trace's type and its frames come first.
/// </summary>
public static partial class StackTraceExtractor
{
    private const int MaxFrames = 200;
    private const int MaxMessage = 500;

    /// <summary>Extracts and groups the stack traces of all sources; lines of one source must be in file order.</summary>
    public static IReadOnlyList<StackTrace> Extract(IEnumerable<LogLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var raw = new List<RawTrace>();
        foreach (var source in lines.GroupBy(l => l.Source, StringComparer.Ordinal))
        {
            new SourceScanner(source.Key, raw).Scan(source.SelectMany(ExpandStructured));
        }

        return Group(raw);
    }

    /// <summary>Field names under which structured (JSON) loggers put a multi-line stack trace.</summary>
    private static readonly string[] StackFields = ["stack", "stacktrace", "stack_trace", "stackTrace", "backtrace", "exception", "exc_info", "traceback", "trace", "error"];

    /// <summary>
    /// A JSON log record that carries a multi-line stack trace in a field (<c>"stack": "Type: msg\n  at ..."</c>, also
    /// inside an <c>error</c>/<c>err</c>/<c>exception</c> object) becomes the lines of that trace, each with the record's line
    /// number and time, so that the per-language state machine reads them as it reads plain multi-line logs. Records
    /// without such a field pass through unchanged.
    /// </summary>
    internal static IEnumerable<LogLine> ExpandStructured(LogLine line)
    {
        var text = line.Text;
        var start = text.IndexOf('{', StringComparison.Ordinal);
        if (start < 0 || start > 64 || !text.Contains("\\n", StringComparison.Ordinal) || text.Length > 256 * 1024)
        {
            return [line];
        }

        try
        {
            using var doc = JsonDocument.Parse(text.AsMemory(start));
            if (doc.RootElement.ValueKind != JsonValueKind.Object || StackField(doc.RootElement, 0) is not { } stack)
            {
                return [line];
            }

            return stack.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0)
                .Select(l => line with { Text = l }).Prepend(line with { Text = JsonMessage(doc.RootElement) }).ToList();
        }
        catch (JsonException)
        {
            return [line];
        }
    }

    private static string? StackField(JsonElement obj, int depth)
    {
        foreach (var name in StackFields.Concat(depth == 0 ? ["err"] : []))
        {
            if (!obj.TryGetProperty(name, out var value))
            {
                continue;
            }

            if (value.ValueKind == JsonValueKind.String && value.GetString() is { } s && s.Contains('\n', StringComparison.Ordinal))
            {
                return s;
            }

            if (value.ValueKind == JsonValueKind.Object && depth == 0 && StackField(value, 1) is { } nested)
            {
                return nested;
            }
        }

        return null;
    }

    /// <summary>The record's level and message, kept as the line before the trace (what a plain logger prints first).</summary>
    private static string JsonMessage(JsonElement root)
    {
        static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return $"{Str(root, "level") ?? Str(root, "severity") ?? "error"} {Str(root, "msg") ?? Str(root, "message") ?? ""}".Trim();
    }

    // ---- grouping ------------------------------------------------------------------------------

    private static List<StackTrace> Group(List<RawTrace> raw)
    {
        var groups = new Dictionary<string, (StackTrace First, int Count, DateTimeOffset? FirstSeen)>(StringComparer.Ordinal);
        foreach (var trace in raw)
        {
            var key = GroupKey(trace.Trace);
            if (groups.TryGetValue(key, out var existing))
            {
                var firstSeen = existing.FirstSeen is null ? trace.Trace.FirstSeen
                    : trace.Trace.FirstSeen is { } t && t < existing.FirstSeen ? t : existing.FirstSeen;
                groups[key] = (existing.First, existing.Count + 1, firstSeen);
            }
            else
            {
                groups[key] = (trace.Trace, 1, trace.Trace.FirstSeen);
            }
        }

        return groups.Values
            .Select(g => g.First with { Count = g.Count, FirstSeen = g.FirstSeen })
            .OrderByDescending(t => t.Count)
            .ThenBy(t => t.FirstLineNumber)
            .ToList();
    }

    /// <summary>Same source, language, type and application frames; frame-less traces also by message shape.</summary>
    private static string GroupKey(StackTrace trace)
    {
        var key = new StringBuilder().Append(trace.Source).Append('|').Append(trace.Language).Append('|').Append(trace.ExceptionType);
        var app = trace.Frames.Where(f => f.IsApplicationCode).ToList();
        var frames = app.Count > 0 ? app : trace.Frames.ToList();
        foreach (var frame in frames)
        {
            key.Append('|').Append(frame.Function).Append('@').Append(frame.File).Append(':').Append(frame.Line);
        }

        if (app.Count == 0)
        {
            key.Append("|msg:").Append(MessageShape(trace.Message));
        }

        return key.ToString();
    }

    /// <summary>The message with volatile parts (numbers, hex ids, quoted values, times) replaced.</summary>
    internal static string MessageShape(string message) =>
        DigitsRegex().Replace(QuotedRegex().Replace(HexRegex().Replace(message, "#"), "\"*\""), "#");

    [GeneratedRegex(@"\b(?:0x)?[0-9a-fA-F]{6,}\b|@[0-9a-fA-F]+")]
    private static partial Regex HexRegex();

    [GeneratedRegex("\"[^\"]*\"|'[^']*'")]
    private static partial Regex QuotedRegex();

    [GeneratedRegex(@"\d+")]
    private static partial Regex DigitsRegex();

    // ---- application code ----------------------------------------------------------------------

    private static readonly string[] JavaLibraryPrefixes =
    [
        "java.", "javax.", "jakarta.", "jdk.", "sun.", "com.sun.", "org.springframework.", "org.apache.", "org.hibernate.",
        "io.netty.", "reactor.", "kotlin.", "kotlinx.", "scala.", "ch.qos.", "com.zaxxer.", "org.eclipse.", "io.micrometer.",
        "com.fasterxml.", "org.slf4j.", "io.grpc.", "com.google.", "okhttp3.", "org.postgresql.", "com.mysql.", "io.undertow.",
        "org.glassfish.", "feign.", "io.github.resilience4j.", "org.junit.", "net.bytebuddy.", "org.aspectj.",
        "io.ktor.", "org.jetbrains.", "arrow.", "akka.", "org.apache.pekko.", "cats.", "zio.", "fs2.", "play.", "org.http4s.",
        "slick.", "com.typesafe.", "io.vertx.",
    ];

    private static readonly string[] RustLibraryPrefixes =
    [
        "std::", "core::", "alloc::", "tokio::", "hyper::", "axum::", "tower::", "futures", "actix_", "serde", "sqlx::",
        "reqwest::", "tracing::", "rust_begin_unwind", "__rust", "rayon", "diesel::", "warp::", "h2::", "tonic::",
    ];

    private static readonly string[] ElixirLibraryPrefixes =
    [
        ":", "Enum.", "Kernel.", "GenServer.", "Task.", "Stream.", "Map.", "List.", "String.", "Agent.", "Process.", "Code.", "IO.",
        "File.", "Keyword.", "Registry.", "Supervisor.", "DynamicSupervisor.", "Access.", "Integer.", "Float.", "URI.", "DateTime.",
        "NaiveDateTime.", "Date.", "Logger.", "ExUnit.", "Mix.", "Ecto.", "Phoenix.", "Plug.", "Postgrex.", "DBConnection.", "Jason.",
        "Oban.", "Bandit.", "ThousandIsland.", "Finch.", "Mint.", "Tesla.", "Broadway.", "Absinthe.", "Req.", "Swoosh.", "Telemetry.",
    ];

    /// <summary>OTP applications of the runtime and common hex packages: "(ecto 3.11.1) lib/ecto/repo.ex:12: ...".</summary>
    private static readonly HashSet<string> ElixirLibraryApps = new(StringComparer.Ordinal)
    {
        "elixir", "stdlib", "kernel", "erts", "logger", "mix", "iex", "ex_unit", "ecto", "ecto_sql", "phoenix", "phoenix_live_view",
        "phoenix_pubsub", "plug", "plug_cowboy", "cowboy", "ranch", "postgrex", "db_connection", "jason", "bandit", "thousand_island",
        "oban", "finch", "mint", "tesla", "broadway", "gen_stage", "absinthe", "telemetry", "req", "swoosh", "myxql", "redix",
    };

    /// <summary>Path parts of installed libraries and runtimes in any language, for frames of an unknown format.</summary>
    private static readonly string[] LibraryPathMarkers =
    [
        "/vendor/", "node_modules/", "site-packages/", "dist-packages/", "/gems/", "cargo/registry/", "/go/pkg/mod/", "/usr/lib/",
        "/usr/local/lib/", "/rustc/", "deps/", "/usr/share/",
    ];

    private static readonly string[] DotNetLibraryPrefixes =
    [
        "System.", "Microsoft.", "Npgsql.", "Newtonsoft.", "Dapper.", "Polly.", "StackExchange.", "Grpc.", "Swashbuckle.",
        "Serilog.", "Pomelo.", "MySqlConnector.", "Azure.", "Amazon.", "Hangfire.", "MediatR.", "AutoMapper.", "FluentValidation.",
        "lambda_method", "Castle.", "Moq.", "Xunit.", "NUnit.", "MudBlazor.", "Confluent.", "RabbitMQ.", "MassTransit.", "Google.",
    ];

    /// <summary>True for frames of the service's own code; false for runtimes, frameworks and vendored libraries.</summary>
    public static bool IsApplicationFrame(StackLanguage language, string? function, string? file)
    {
        var f = file?.Replace('\\', '/') ?? "";
        var fn = function ?? "";
        switch (language)
        {
            case StackLanguage.Python:
                return f.Length > 0
                    && !f.Contains("site-packages/", StringComparison.Ordinal)
                    && !f.Contains("dist-packages/", StringComparison.Ordinal)
                    && !PythonStdlibRegex().IsMatch(f)
                    && !f.StartsWith('<');
            case StackLanguage.Java or StackLanguage.Kotlin or StackLanguage.Scala:
                return fn.Length > 0 && !JavaLibraryPrefixes.Any(p => fn.StartsWith(p, StringComparison.Ordinal));
            case StackLanguage.Ruby:
                return f.Length > 0
                    && !f.Contains("/gems/", StringComparison.Ordinal)
                    && !f.Contains("/vendor/", StringComparison.Ordinal)
                    && !f.Contains("/lib/ruby/", StringComparison.Ordinal)
                    && !f.StartsWith('<');
            case StackLanguage.Php:
                return f.Length > 0
                    && !f.Contains("/vendor/", StringComparison.Ordinal)
                    && !f.Contains("/usr/share/php/", StringComparison.Ordinal)
                    && !f.StartsWith('[');
            case StackLanguage.Rust:
                if (f.Length > 0)
                {
                    return !f.StartsWith("/rustc/", StringComparison.Ordinal)
                        && !f.Contains("cargo/registry/", StringComparison.Ordinal)
                        && !f.Contains("cargo/git/", StringComparison.Ordinal)
                        && !f.Contains("/rustlib/", StringComparison.Ordinal)
                        && !f.Contains("/vendor/", StringComparison.Ordinal);
                }

                return fn.Contains("::", StringComparison.Ordinal) && !fn.StartsWith('<')
                    && !RustLibraryPrefixes.Any(p => fn.StartsWith(p, StringComparison.Ordinal));
            case StackLanguage.Elixir:
                return fn.Length > 0
                    && !f.EndsWith(".erl", StringComparison.Ordinal)
                    && !f.Contains("deps/", StringComparison.Ordinal)
                    && !ElixirLibraryPrefixes.Any(p => fn.StartsWith(p, StringComparison.Ordinal));
            case StackLanguage.Unknown:
                return f.Length > 0 && !LibraryPathMarkers.Any(m => f.Contains(m, StringComparison.Ordinal));
            case StackLanguage.DotNet:
                return fn.Length > 0 && !DotNetLibraryPrefixes.Any(p => fn.StartsWith(p, StringComparison.Ordinal));
            case StackLanguage.Go:
                if (f.Length > 0)
                {
                    return !f.Contains("/usr/local/go/", StringComparison.Ordinal)
                        && !f.Contains("/usr/lib/go", StringComparison.Ordinal)
                        && !f.Contains("/go/pkg/mod/", StringComparison.Ordinal)
                        && !f.Contains("/vendor/", StringComparison.Ordinal)
                        && !f.StartsWith("runtime/", StringComparison.Ordinal)
                        && !f.Contains("/src/runtime/", StringComparison.Ordinal);
                }

                // No file: standard library packages have no dot in their first path segment.
                var firstSegment = fn.Split('/')[0];
                return fn.StartsWith("main.", StringComparison.Ordinal) || (firstSegment.Contains('.') && fn.Contains('/'));
            case StackLanguage.Node:
                return f.Length > 0
                    && !f.Contains("node_modules/", StringComparison.Ordinal)
                    && !f.StartsWith("node:", StringComparison.Ordinal)
                    && !f.StartsWith("internal/", StringComparison.Ordinal)
                    && !f.StartsWith('<')
                    && f != "native";
            default:
                return false;
        }
    }

    [GeneratedRegex(@"/(?:usr/(?:local/)?)?lib(?:64)?/python\d")]
    private static partial Regex PythonStdlibRegex();

    // ---- mapping onto the repository ---------------------------------------------------------------

    /// <summary>
    /// Maps the application frames of <paramref name="trace"/> onto repository files (paths relative to
    /// the repository root): strips <paramref name="pathPrefix"/>, maps Java frames by package path
    /// (Kotlin and Scala frames too, else by file name), otherwise matches the longest path suffix that
    /// names exactly one repository file. Innermost first, distinct.
    /// </summary>
    public static IReadOnlyList<RepositoryFrame> MapFrames(StackTrace trace, string? pathPrefix, IReadOnlyCollection<string> repoFiles)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(repoFiles);
        var files = repoFiles.Select(NormalisePath).Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var exact = new HashSet<string>(files, StringComparer.Ordinal);
        var prefix = pathPrefix is null ? null : NormalisePath(pathPrefix);
        var result = new List<RepositoryFrame>();
        foreach (var frame in trace.Frames)
        {
            if (!frame.IsApplicationCode || frame.Line is not { } line || line <= 0)
            {
                continue;
            }

            // Kotlin and Scala files need not sit in their package's directory: then the file name decides.
            var file = trace.Language switch
            {
                StackLanguage.Java => MapJava(frame, files),
                StackLanguage.Kotlin or StackLanguage.Scala => MapJava(frame, files) ?? MapPath(frame.File, prefix, files, exact),
                _ => MapPath(frame.File, prefix, files, exact),
            };
            if (file is not null && !result.Any(r => r.File == file && r.Line == line))
            {
                result.Add(new RepositoryFrame(file, line, frame.Function));
            }
        }

        return result;
    }

    private static string NormalisePath(string path) => path.Replace('\\', '/').Trim().TrimStart('.').TrimStart('/');

    private static string? MapPath(string? file, string? prefix, List<string> files, HashSet<string> exact)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            return null;
        }

        var path = file.Replace('\\', '/').Trim();
        if (!string.IsNullOrEmpty(prefix) && path.TrimStart('/').StartsWith(prefix, StringComparison.Ordinal))
        {
            path = path.TrimStart('/')[prefix.Length..];
        }

        path = NormalisePath(path);
        if (exact.Contains(path))
        {
            return path;
        }

        // Longest suffix first: a/b/c.py, then b/c.py, then c.py; take it only when exactly one file has it.
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var skip = 0; skip < segments.Length; skip++)
        {
            var suffix = string.Join('/', segments[skip..]);
            var hits = files.Where(f => f == suffix || f.EndsWith("/" + suffix, StringComparison.Ordinal)).Take(2).ToList();
            if (hits.Count == 1)
            {
                return hits[0];
            }

            if (hits.Count > 1)
            {
                return null;
            }
        }

        return null;
    }

    private static string? MapJava(StackFrame frame, List<string> files)
    {
        if (frame.Function is not { } function || frame.File is not { } fileName)
        {
            return null;
        }

        // com.acme.feed.service.FeedService$Inner.method -> com/acme/feed/service/FeedService.java
        var lastDot = function.LastIndexOf('.');
        if (lastDot <= 0)
        {
            return null;
        }

        var type = function[..lastDot];
        var packageEnd = type.LastIndexOf('.');
        var packagePath = packageEnd > 0 ? type[..packageEnd].Replace('.', '/') + "/" : "";
        var candidate = packagePath + fileName;
        var hits = files.Where(f => f == candidate || f.EndsWith("/" + candidate, StringComparison.Ordinal)).ToList();
        if (hits.Count == 1)
        {
            return hits[0];
        }

        return hits.FirstOrDefault(h => h.Contains("src/main/", StringComparison.Ordinal));
    }

    // ---- scanning --------------------------------------------------------------------------------

    private sealed record RawTrace(StackTrace Trace);

    private enum State
    {
        None,
        PendingHeader,
        Frames,
        PythonFrames,
        PythonAfterException,
        PythonAwaitTraceback,
        GoHeader,
        GoFrames,
        GoSkip,
        RubyHeader,
        RubyFrames,
        PhpFrames,
        RustMessage,
        RustBacktrace,
        ElixirFrames,
    }

    private sealed class Builder(StackLanguage? language, long lineNumber, DateTimeOffset? at)
    {
        public StackLanguage? Language { get; set; } = language;
        public long LineNumber { get; } = lineNumber;
        public DateTimeOffset? At { get; } = at;
        public List<(string Type, string Message)> Chain { get; } = [];
        public List<List<StackFrame>> FrameGroups { get; } = [[]];
        public string? PendingFunction { get; set; }
        public bool Suppressed { get; set; }
        public List<string> Extras { get; } = [];
        public int FrameCount => FrameGroups.Sum(g => g.Count);

        /// <summary>The chain is printed wrapper first and root cause last (Laravel's "[previous exception]").</summary>
        public bool RootLast { get; set; }

        /// <summary>Lines of a multi-line message (Rust panics) taken so far.</summary>
        public int MessageLines { get; set; }

        public void AddFrame(string? function, string? file, int? line, bool library = false)
        {
            if (Suppressed || FrameCount >= MaxFrames || Language is not { } lang)
            {
                return;
            }

            FrameGroups[^1].Add(new StackFrame(function, file, line, !library && IsApplicationFrame(lang, function, file)));
        }

        public void NewSegment(string type, string message)
        {
            Chain.Add((type, message));
            if (FrameGroups[^1].Count > 0)
            {
                FrameGroups.Add([]);
            }
        }
    }

    private sealed class SourceScanner(string source, List<RawTrace> output)
    {
        private State _state = State.None;
        private Builder? _current;
        private (long Line, string Message)? _panicServing;
        private DateTimeOffset? _lastAt;

        public void Scan(IEnumerable<LogLine> lines)
        {
            foreach (var line in lines)
            {
                if (line.At is { } at)
                {
                    _lastAt = at;
                }

                Process(line, 0);
                Track(line, line.Text.TrimEnd('\r', '\n'));
            }

            Finish();
        }

        private void Process(LogLine line, int depth)
        {
            var text = line.Text.TrimEnd('\r', '\n');
            switch (_state)
            {
                case State.None:
                    Start(line, text);
                    return;
                case State.PythonFrames:
                    if (PythonFrameRegex().Match(text) is { Success: true } pf)
                    {
                        _current!.AddFrame(pf.Groups[3].Value.Trim(), pf.Groups[1].Value, int.Parse(pf.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
                        return;
                    }

                    if (text.Length == 0 || char.IsWhiteSpace(text[0]))
                    {
                        return; // source lines, carets
                    }

                    if (!LooksLikeRecordStart(text) && PythonExceptionRegex().Match(text) is { Success: true } pe)
                    {
                        _current!.Chain.Add((pe.Groups[1].Value, pe.Groups[2].Value));
                        _state = State.PythonAfterException;
                        return;
                    }

                    break;
                case State.PythonAfterException:
                    if (text.Trim().Length == 0)
                    {
                        return;
                    }

                    if (text.StartsWith("During handling of the above exception", StringComparison.Ordinal)
                        || text.StartsWith("The above exception was the direct cause", StringComparison.Ordinal))
                    {
                        _state = State.PythonAwaitTraceback;
                        return;
                    }

                    break;
                case State.PythonAwaitTraceback:
                    if (text.Trim().Length == 0)
                    {
                        return;
                    }

                    if (TracebackRegex().IsMatch(text))
                    {
                        _current!.FrameGroups.Add([]);
                        _state = State.PythonFrames;
                        return;
                    }

                    break;
                case State.PendingHeader:
                    if (DotNetInnerRegex().Match(text) is { Success: true } pendingInner
                        && HeaderRegex().Match(pendingInner.Groups[1].Value.Trim()) is { Success: true } innerHeader)
                    {
                        _current!.Chain.Add((innerHeader.Groups["type"].Value, HeaderMessage(innerHeader)));
                        return;
                    }

                    if (FrameLineRegex().IsMatch(text))
                    {
                        _state = State.Frames;
                        AddAtFrame(text);
                        return;
                    }

                    if (_current!.Language is null && text.Contains(":in ", StringComparison.Ordinal) && RubyFrameRegex().IsMatch(RubyBody(text)))
                    {
                        // "NoMethodError: undefined method 'name' for nil" then "app/models/order.rb:12:in 'total'"
                        _current.Language = StackLanguage.Ruby;
                        TryRubyFrame(RubyBody(text));
                        _state = State.RubyFrames;
                        return;
                    }

                    _current = null;
                    _state = State.None;
                    Start(line, text);
                    return;
                case State.Frames:
                    if (HandleFrameState(text))
                    {
                        return;
                    }

                    break;
                case State.GoHeader:
                    if (text.StartsWith("[signal ", StringComparison.Ordinal) || text.Trim().Length == 0)
                    {
                        return;
                    }

                    if (GoroutineRegex().IsMatch(text))
                    {
                        _state = State.GoFrames;
                        return;
                    }

                    break;
                case State.GoFrames:
                    if (HandleGoFrame(text))
                    {
                        return;
                    }

                    if (text.Trim().Length == 0)
                    {
                        _state = State.GoSkip;
                        return;
                    }

                    break;
                case State.GoSkip:
                    if (GoroutineRegex().IsMatch(text) && _current!.Chain[0].Type.StartsWith("goroutine [", StringComparison.Ordinal))
                    {
                        break; // the next goroutine of a dump is a trace of its own
                    }

                    if (text.Trim().Length == 0 || GoroutineRegex().IsMatch(text) || text.StartsWith('\t')
                        || GoFunctionRegex().IsMatch(text) || text.StartsWith("exit status", StringComparison.Ordinal))
                    {
                        return;
                    }

                    break;
                case State.RubyHeader:
                    // Rails: "NoMethodError (undefined method ...):", a blank line, then the frames.
                    if (RubyBody(text).Trim().Length == 0)
                    {
                        return;
                    }

                    if (TryRubyFrame(RubyBody(text)))
                    {
                        _state = State.RubyFrames;
                        return;
                    }

                    _current = null;
                    _state = State.None;
                    Start(line, text);
                    return;
                case State.RubyFrames:
                    if (TryRubyFrame(RubyBody(text)))
                    {
                        return;
                    }

                    break;
                case State.PhpFrames:
                    if (HandlePhpLine(text))
                    {
                        return;
                    }

                    break;
                case State.RustMessage:
                    if (text.StartsWith("stack backtrace:", StringComparison.Ordinal))
                    {
                        _state = State.RustBacktrace;
                        return;
                    }

                    if (text.StartsWith("note: ", StringComparison.Ordinal))
                    {
                        _current!.MessageLines = int.MaxValue; // the message is over; a backtrace may still follow
                        return;
                    }

                    if (_current!.MessageLines < 3 && text.Trim().Length > 0 && !LooksLikeRecordStart(text)
                        && !text.StartsWith("thread '", StringComparison.Ordinal))
                    {
                        var (type, message) = _current.Chain[0];
                        _current.Chain[0] = (type, (message + " " + text.Trim()).Trim());
                        _current.MessageLines++;
                        return;
                    }

                    break;
                case State.RustBacktrace:
                    if (HandleRustFrame(text))
                    {
                        return;
                    }

                    break;
                case State.ElixirFrames:
                    if (HandleElixirLine(text))
                    {
                        return;
                    }

                    if (_current!.FrameCount == 0)
                    {
                        _current = null; // "** (exit) normal" and the like: not a trace without frames
                    }

                    break;
            }

            // The line does not continue the current trace: close it and look at the line afresh.
            Emit();
            if (depth == 0)
            {
                Process(line, 1);
            }
        }

        private void Start(LogLine line, string text)
        {
            var at = line.At ?? _lastAt;
            if (TracebackRegex().IsMatch(text))
            {
                _current = new Builder(StackLanguage.Python, line.LineNumber, at);
                _state = State.PythonFrames;
                return;
            }

            if (GoPanicRegex().Match(text) is { Success: true } panic)
            {
                _current = new Builder(StackLanguage.Go, line.LineNumber, at);
                var message = panic.Groups[2].Value.Trim();
                var type = message.StartsWith("runtime error:", StringComparison.Ordinal) ? "runtime error" : panic.Groups[1].Value;
                _current.Chain.Add((type, message));
                _state = State.GoHeader;
                return;
            }

            if (_panicServing is { } served && served.Line == line.LineNumber - 1 && GoroutineRegex().IsMatch(text))
            {
                // net/http recovered a handler's panic: "http: panic serving ADDR: MESSAGE", then the goroutine's stack.
                _current = new Builder(StackLanguage.Go, served.Line, at);
                _current.Chain.Add((served.Message.StartsWith("runtime error:", StringComparison.Ordinal) ? "runtime error" : "panic", served.Message));
                _panicServing = null;
                _state = State.GoFrames;
                return;
            }

            if (HttpPanicServingRegex().Match(text) is { Success: true } serving)
            {
                _panicServing = (line.LineNumber, serving.Groups[1].Value.Trim());
            }

            if (GoroutineRegex().Match(text) is { Success: true } goroutine)
            {
                // A goroutine dump without a panic header: one trace per goroutine, grouped by where it waits.
                _current = new Builder(StackLanguage.Go, line.LineNumber, at);
                var waitState = goroutine.Groups[1].Value.Split(',')[0].Trim();
                _current.Chain.Add(("goroutine [" + waitState + "]", text.Trim()));
                _state = State.GoFrames;
                return;
            }

            if (text.Length > 0 && text[0] == '{' && TryStructuredError(line, text, at))
            {
                return;
            }

            if (LogfmtErrorRegex().Match(text) is { Success: true } logfmt)
            {
                Add(new Builder(StackLanguage.Go, line.LineNumber, at), Unquote(logfmt.Groups["msg"].Value), Unquote(logfmt.Groups["err"].Value));
                return;
            }

            if (StartOtherLanguage(line, text, at))
            {
                return;
            }

            if (text.Length == 0 || char.IsWhiteSpace(text[0]))
            {
                return;
            }

            // A header on a line of its own (com.x.FooException: msg, TypeError: msg, Exception in thread ...)
            var headerText = text;
            if (JavaThreadRegex().Match(text) is { Success: true } thread)
            {
                headerText = thread.Groups[1].Value;
            }

            // A JVM throwable whose class is named otherwise (io.x.ratelimiter.RequestNotPermitted: msg): a fully qualified
            // class name opening the line; it counts only when frames follow (PendingHeader drops it otherwise).
            if (headerText.Length > 0 && char.IsAsciiLetterLower(headerText[0]) && headerText.Contains('.', StringComparison.Ordinal)
                && text.AsSpan().IndexOfAny(HeaderWords) < 0 && QualifiedHeaderRegex().Match(headerText) is { Success: true } qualified)
            {
                BeginHeader(line, at, headerText, qualified);
                return;
            }

            // Cheap test first: every header names an ...Exception, ...Error, ...Throwable or ...Fault.
            if (text.AsSpan().IndexOfAny(HeaderWords) < 0)
            {
                return;
            }

            if (!LooksLikeRecordStart(headerText) && HeaderRegex().Match(headerText) is { Success: true } header)
            {
                BeginHeader(line, at, headerText, header);
                return;
            }

            // A header embedded at the end of a log record: "... request failed: GeocoderError: msg"
            if (EmbeddedHeaderRegex().Match(text) is { Success: true } embedded)
            {
                var rest = text[embedded.Index..];
                if (InlineDotNetFrameRegex().IsMatch(rest))
                {
                    InlineDotNet(line, at, rest);
                    return;
                }

                BeginHeader(line, at, rest, HeaderRegex().Match(rest));
            }
        }

        private void BeginHeader(LogLine line, DateTimeOffset? at, string headerText, Match header)
        {
            if (!header.Success)
            {
                return;
            }

            _current = new Builder(null, line.LineNumber, at);
            foreach (var part in headerText.Split(" ---> ", StringSplitOptions.RemoveEmptyEntries))
            {
                var m = HeaderRegex().Match(part.Trim());
                m = m.Success ? m : QualifiedHeaderRegex().Match(part.Trim());
                if (m.Success)
                {
                    _current.Chain.Add((m.Groups["type"].Value, HeaderMessage(m)));
                }
            }

            _state = State.PendingHeader;
        }

        private static string HeaderMessage(Match m)
        {
            var message = m.Groups["msg"].Value.Trim();
            return m.Groups["code"].Success ? $"[{m.Groups["code"].Value}] {message}" : message;
        }

        private void InlineDotNet(LogLine line, DateTimeOffset? at, string rest)
        {
            // ASP.NET Core single-line console: "System.X: msg ---> System.Y: inner    at A.B() in /x.cs:line 3    at ..."
            var firstFrame = InlineDotNetFrameRegex().Match(rest);
            var headerPart = rest[..firstFrame.Index].Trim();
            var builder = new Builder(StackLanguage.DotNet, line.LineNumber, at);
            foreach (var part in headerPart.Split(" ---> ", StringSplitOptions.RemoveEmptyEntries))
            {
                var m = HeaderRegex().Match(part.Trim());
                builder.Chain.Add(m.Success ? (m.Groups["type"].Value, HeaderMessage(m)) : (part.Trim(), ""));
            }

            foreach (Match frame in InlineDotNetFrameRegex().Matches(rest[firstFrame.Index..]))
            {
                builder.AddFrame(frame.Groups["fn"].Value.Trim(), frame.Groups["file"].Success ? frame.Groups["file"].Value : null,
                    frame.Groups["line"].Success ? int.Parse(frame.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture) : null);
            }

            _current = builder;
            Emit();
        }

        private bool TryStructuredError(LogLine line, string text, DateTimeOffset? at)
        {
            if (text.IndexOf("\"level\"", StringComparison.Ordinal) < 0 || text.IndexOf("ERROR", StringComparison.OrdinalIgnoreCase) < 0)
            {
                return false;
            }

            try
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || !root.TryGetProperty("level", out var level) || level.ValueKind != JsonValueKind.String
                    || !string.Equals(level.GetString(), "ERROR", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                var msg = root.TryGetProperty("msg", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                string? err = null;
                foreach (var name in (string[])["err", "error"])
                {
                    if (root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String)
                    {
                        err = e.GetString();
                        break;
                    }
                }

                if (msg is null || err is null)
                {
                    return false;
                }

                Add(new Builder(StackLanguage.Go, line.LineNumber, at), msg, err);
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private void Add(Builder builder, string type, string message)
        {
            builder.Chain.Add((type, message));
            _current = builder;
            Emit();
        }

        private static string Unquote(string value) =>
            value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal) : value;

        private bool HandleFrameState(string text)
        {
            var current = _current!;
            if (FrameLineRegex().IsMatch(text))
            {
                AddAtFrame(text);
                return true;
            }

            if (JavaMoreRegex().IsMatch(text) || DotNetEndRegex().IsMatch(text))
            {
                return true;
            }

            if (CausedByRegex().Match(text) is { Success: true } caused)
            {
                var m = HeaderRegex().Match(caused.Groups[1].Value.Trim());
                current.Suppressed = false;
                current.NewSegment(m.Success ? m.Groups["type"].Value : caused.Groups[1].Value.Trim(), m.Success ? HeaderMessage(m) : "");
                return true;
            }

            if (DotNetInnerRegex().Match(text) is { Success: true } inner)
            {
                var m = HeaderRegex().Match(inner.Groups[1].Value.Trim());
                current.NewSegment(m.Success ? m.Groups["type"].Value : inner.Groups[1].Value.Trim(), m.Success ? HeaderMessage(m) : "");
                return true;
            }

            if (text.TrimStart().StartsWith("Suppressed:", StringComparison.Ordinal))
            {
                current.Suppressed = true;
                return true;
            }

            if (current.Language == StackLanguage.Node)
            {
                if (NodePropertyRegex().Match(text) is { Success: true } prop)
                {
                    if (prop.Groups[1].Value is "code" or "errno" or "syscall" or "hostname" or "address" or "port")
                    {
                        current.Extras.Add($"{prop.Groups[1].Value}={prop.Groups[2].Value.Trim('\'', '"', ' ')}");
                    }

                    return true;
                }

                if (text.Trim() == "}")
                {
                    Emit();
                    return true;
                }
            }

            // .NET "Exception data:" blocks and other indented detail belong to the trace.
            return text.Length > 0 && char.IsWhiteSpace(text[0]) && !LooksLikeRecordStart(text.TrimStart());
        }

        private void AddAtFrame(string text)
        {
            var current = _current!;
            if ((current.Language is null or StackLanguage.Node) && NodeTailRegex().IsMatch(text) && NodeFrameRegex().Match(text) is { Success: true } node)
            {
                current.Language ??= StackLanguage.Node;
                var fn = node.Groups["fn"].Success ? node.Groups["fn"].Value.Trim() : null;
                var file = node.Groups["file"].Value;
                int? line = node.Groups["line"].Success ? int.Parse(node.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
                current.AddFrame(fn, file, line);
                return;
            }

            if ((current.Language is null or StackLanguage.Java) && JavaFrameRegex().Match(text) is { Success: true } java)
            {
                current.Language ??= StackLanguage.Java;
                var location = java.Groups["loc"].Value;
                var colon = location.LastIndexOf(':');
                string? file = location is "Native Method" or "Unknown Source" ? null : colon > 0 ? location[..colon] : location;
                int? line = colon > 0 && int.TryParse(location[(colon + 1)..], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
                current.AddFrame(java.Groups["fn"].Value, file, line);
                return;
            }

            if (DotNetFrameRegex().Match(text) is { Success: true } net)
            {
                current.Language ??= StackLanguage.DotNet;
                int? line = net.Groups["line"].Success ? int.Parse(net.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
                current.AddFrame(net.Groups["fn"].Value.Trim(), net.Groups["file"].Success ? net.Groups["file"].Value : null, line);
            }
        }

        /// <summary>Ruby, PHP, Rust and Elixir headers; each is tested only when a cheap substring is there.</summary>
        private bool StartOtherLanguage(LogLine line, string text, DateTimeOffset? at)
        {
            if (text.AsSpan().IndexOfAny(OtherLanguageMarkers) < 0)
            {
                return false; // one vectorised search instead of one per format
            }

            if (text.Contains("' panicked at ", StringComparison.Ordinal) && RustPanicRegex().Match(text) is { Success: true } rust)
            {
                // New format: "thread 'main' panicked at src/main.rs:10:5:" and the message on the next line(s);
                // before Rust 1.73: "thread 'main' panicked at 'message', src/main.rs:10:5".
                _current = new Builder(StackLanguage.Rust, line.LineNumber, at);
                _current.Chain.Add(("panic", rust.Groups["msg"].Success ? rust.Groups["msg"].Value : ""));
                _current.MessageLines = rust.Groups["msg"].Success ? int.MaxValue : 0;
                _current.AddFrame(null, rust.Groups["file"].Value, int.Parse(rust.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture));
                _state = State.RustMessage;
                return true;
            }

            if (text.Contains("** (", StringComparison.Ordinal) && ElixirHeaderRegex().Match(text) is { Success: true } elixir)
            {
                _current = new Builder(StackLanguage.Elixir, line.LineNumber, at);
                _current.Chain.Add((elixir.Groups["type"].Value, elixir.Groups["msg"].Value.Trim()));
                _state = State.ElixirFrames;
                return true;
            }

            if ((text.Contains("Fatal error:", StringComparison.Ordinal) || text.Contains("Parse error:", StringComparison.Ordinal)) && StartPhp(line, text, at))
            {
                return true;
            }

            if (text.Contains("[object] (", StringComparison.Ordinal) && LaravelExceptionRegex().Match(text) is { Success: true } laravel)
            {
                // Laravel/Monolog: '... {"exception":"[object] (Type(code: 0): message at /file.php:12)', then [stacktrace] and #0 frames.
                _current = new Builder(StackLanguage.Php, line.LineNumber, at) { RootLast = true };
                _current.Chain.Add((PhpType(laravel.Groups["type"].Value), laravel.Groups["msg"].Value.Trim()));
                _current.AddFrame(null, laravel.Groups["file"].Value, int.Parse(laravel.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture));
                _state = State.PhpFrames;
                return true;
            }

            var ruby = RubyBody(text);
            if (ruby.Contains(":in ", StringComparison.Ordinal) && RubyFrameRegex().Match(ruby) is { Success: true } frame
                && RubyUncaughtRegex().Match(frame.Groups["rest"].Value) is { Success: true } uncaught)
            {
                // Uncaught: "/app/lib/worker.rb:12:in 'Worker#process': undefined method 'id' for nil (NoMethodError)", then "\tfrom ..." frames.
                _current = new Builder(StackLanguage.Ruby, line.LineNumber, at);
                _current.Chain.Add((uncaught.Groups["type"].Value, uncaught.Groups["msg"].Value.Trim()));
                TryRubyFrame(ruby);
                _state = State.RubyFrames;
                return true;
            }

            if (ruby.EndsWith("):", StringComparison.Ordinal) && RailsHeaderRegex().Match(ruby) is { Success: true } rails)
            {
                _current = new Builder(StackLanguage.Ruby, line.LineNumber, at);
                _current.Chain.Add((rails.Groups["type"].Value, rails.Groups["msg"].Value.Trim()));
                _state = State.RubyHeader;
                return true;
            }

            return false;
        }

        private bool StartPhp(LogLine line, string text, DateTimeOffset? at)
        {
            if (PhpUncaughtRegex().Match(text) is { Success: true } uncaught)
            {
                // "PHP Fatal error:  Uncaught TypeError: msg in /var/www/src/Cart.php:18", "Stack trace:", "#0 ...", "  thrown in ...".
                _current = new Builder(StackLanguage.Php, line.LineNumber, at);
                _current.Chain.Add((PhpType(uncaught.Groups["type"].Value), uncaught.Groups["msg"].Value.Trim()));
                _current.AddFrame(null, uncaught.Groups["file"].Value, int.Parse(uncaught.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture));
                _state = State.PhpFrames;
                return true;
            }

            if (PhpFatalRegex().Match(text) is { Success: true } fatal)
            {
                // A fatal error without an exception ("Allowed memory size ... exhausted"): one line, one frame.
                var builder = new Builder(StackLanguage.Php, line.LineNumber, at);
                builder.AddFrame(null, fatal.Groups["file"].Value, int.Parse(fatal.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture));
                Add(builder, $"PHP {fatal.Groups["kind"].Value} error", fatal.Groups["msg"].Value.Trim());
                return true;
            }

            return false;
        }

        /// <summary>PHP names types with backslashes; Laravel's JSON log doubles them.</summary>
        private static string PhpType(string type) => type.Replace(@"\\", @"\", StringComparison.Ordinal);

        private bool HandlePhpLine(string text)
        {
            var current = _current!;
            var trimmed = text.Trim();
            if (trimmed is "Stack trace:" or "PHP Stack trace:" or "[stacktrace]")
            {
                return true;
            }

            if (text.StartsWith('#') && PhpFrameRegex().Match(text) is { Success: true } frame)
            {
                if (frame.Groups["fn"].Success)
                {
                    int? line = frame.Groups["line"].Success ? int.Parse(frame.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
                    current.AddFrame(frame.Groups["fn"].Value.Trim(), frame.Groups["file"].Success ? frame.Groups["file"].Value.Trim() : null, line);
                }

                return true; // "#12 {main}" ends a list
            }

            if (trimmed.StartsWith("thrown in ", StringComparison.Ordinal))
            {
                return true;
            }

            if (trimmed.Length == 0)
            {
                return true; // a blank line before "Next ..." or Laravel's "[previous exception]"
            }

            if (trimmed == "\"}")
            {
                Emit(); // the end of Laravel's JSON context
                return true;
            }

            if (text.StartsWith("Next ", StringComparison.Ordinal) && PhpNextRegex().Match(text) is { Success: true } next)
            {
                // PHP prints the previous (root) exception first, then "Next" for each wrapper.
                current.NewSegment(PhpType(next.Groups["type"].Value), next.Groups["msg"].Value.Trim());
                current.AddFrame(null, next.Groups["file"].Value, int.Parse(next.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture));
                return true;
            }

            if (text.StartsWith("[previous exception]", StringComparison.Ordinal) && LaravelExceptionRegex().Match(text) is { Success: true } previous)
            {
                current.NewSegment(PhpType(previous.Groups["type"].Value), previous.Groups["msg"].Value.Trim());
                current.AddFrame(null, previous.Groups["file"].Value, int.Parse(previous.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture));
                return true;
            }

            return false;
        }

        private bool TryRubyFrame(string text)
        {
            if (!text.Contains(":in ", StringComparison.Ordinal) || RubyFrameRegex().Match(text) is not { Success: true } frame)
            {
                return false;
            }

            _current!.AddFrame(frame.Groups["fn"].Value, frame.Groups["file"].Value, int.Parse(frame.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }

        /// <summary>A line without Ruby Logger's "E, [2026-03-02T09:00:00.123456 #1] ERROR -- : [request-id] " prefix.</summary>
        private static string RubyBody(string text) =>
            text.Length > 4 && text[1] == ',' && text[2] == ' ' && text[3] == '[' && RubyLoggerPrefixRegex().Match(text) is { Success: true } prefix
                ? text[prefix.Length..]
                : text;

        private bool HandleRustFrame(string text)
        {
            var current = _current!;
            if (RustAtRegex().Match(text) is { Success: true } at)
            {
                current.AddFrame(current.PendingFunction, at.Groups["file"].Value, int.Parse(at.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture));
                current.PendingFunction = null;
                return true;
            }

            if (RustFrameRegex().Match(text) is { Success: true } frame)
            {
                FlushRustFunction(current);
                current.PendingFunction = RustHashRegex().Replace(frame.Groups["fn"].Value.Trim(), "");
                return true;
            }

            // "note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace."
            return text.StartsWith("note: ", StringComparison.Ordinal);
        }

        /// <summary>A backtrace entry without an "at file:line" line (no debug info) is still a frame.</summary>
        private static void FlushRustFunction(Builder builder)
        {
            if (builder.PendingFunction is { } pending)
            {
                builder.AddFrame(pending, null, null);
                builder.PendingFunction = null;
            }
        }

        private bool HandleElixirLine(string text)
        {
            var current = _current!;
            if (ElixirFrameRegex().Match(text) is { Success: true } frame)
            {
                var app = frame.Groups["app"].Success ? frame.Groups["app"].Value : null;
                current.AddFrame(frame.Groups["fn"].Value.Trim(), frame.Groups["file"].Value,
                    int.Parse(frame.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), app is not null && ElixirLibraryApps.Contains(app));
                return true;
            }

            if (current.FrameCount > 0)
            {
                return false;
            }

            if (ElixirHeaderRegex().Match(text) is { Success: true } inner)
            {
                // Phoenix: "** (exit) an exception was raised:" wraps the real one on the next line.
                var wrapper = current.Chain.Count == 1 && current.Chain[0].Type == "exit";
                if (wrapper)
                {
                    current.Chain.Clear();
                }

                current.Chain.Add((inner.Groups["type"].Value, inner.Groups["msg"].Value.Trim()));
                return true;
            }

            // The rest of a multi-line message (an Ecto query) before the first frame.
            return text.Length > 0 && char.IsWhiteSpace(text[0]);
        }

        private bool HandleGoFrame(string text)
        {
            var current = _current!;
            if (GoFileRegex().Match(text) is { Success: true } file)
            {
                current.AddFrame(current.PendingFunction, file.Groups[1].Value, int.Parse(file.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
                current.PendingFunction = null;
                return true;
            }

            if (text.StartsWith("created by ", StringComparison.Ordinal))
            {
                current.PendingFunction = text["created by ".Length..].Split(" in goroutine")[0].Trim();
                return true;
            }

            if (GoFunctionRegex().Match(text) is { Success: true } fn)
            {
                current.PendingFunction = fn.Groups[1].Value;
                return true;
            }

            return text.StartsWith("exit status", StringComparison.Ordinal) || text.StartsWith("...additional frames elided", StringComparison.Ordinal);
        }

        private void Emit()
        {
            var b = _current;
            _current = null;
            _state = State.None;
            if (b is null || b.Chain.Count == 0 || b.Language is not { } language)
            {
                return;
            }

            if (language == StackLanguage.Rust)
            {
                FlushRustFunction(b);
            }

            _lastEmitStart = Math.Max(_lastEmitStart, b.LineNumber);

            // Python, Go and PHP print the original first; Java, .NET and Laravel print the wrapper first, the cause last.
            var rootFirst = language is StackLanguage.Python || (language is StackLanguage.Php && !b.RootLast);
            var root = rootFirst ? b.Chain[0] : b.Chain[^1];
            var frames = new List<StackFrame>();
            switch (language)
            {
                case StackLanguage.Python:
                    foreach (var group in b.FrameGroups)
                    {
                        frames.AddRange(Enumerable.Reverse(group));
                    }

                    break;
                case StackLanguage.Java:
                case StackLanguage.Php when b.RootLast:
                    foreach (var group in Enumerable.Reverse(b.FrameGroups))
                    {
                        frames.AddRange(group);
                    }

                    break;
                default:
                    foreach (var group in b.FrameGroups)
                    {
                        frames.AddRange(group);
                    }

                    break;
            }

            var message = root.Message;
            if (b.Extras.Count > 0)
            {
                message = (message + " (" + string.Join(", ", b.Extras) + ")").Trim();
            }

            if (b.Chain.Count > 1)
            {
                var outer = rootFirst ? b.Chain[^1] : b.Chain[0];
                message += $" [surfaced as {outer.Type}: {outer.Message}]";
            }

            if (message.Length > MaxMessage)
            {
                message = message[..MaxMessage];
            }

            if (language == StackLanguage.Java)
            {
                language = JvmLanguage(frames);
            }

            output.Add(new RawTrace(new StackTrace(source, language, root.Type, message, frames, 1, b.At, b.LineNumber)));
        }

        /// <summary>A JVM trace is Kotlin or Scala when most of its application frames are in .kt or .scala files.</summary>
        private static StackLanguage JvmLanguage(List<StackFrame> frames)
        {
            int java = 0, kotlin = 0, scala = 0;
            foreach (var frame in frames.Where(f => f.IsApplicationCode && f.File is not null))
            {
                if (frame.File!.EndsWith(".kt", StringComparison.Ordinal))
                {
                    kotlin++;
                }
                else if (frame.File.EndsWith(".scala", StringComparison.Ordinal))
                {
                    scala++;
                }
                else
                {
                    java++;
                }
            }

            return kotlin > java && kotlin >= scala ? StackLanguage.Kotlin
                : scala > java && scala > kotlin ? StackLanguage.Scala
                : StackLanguage.Java;
        }

        private void Finish()
        {
            if (_state is State.PendingHeader or State.PythonFrames or State.RubyHeader
                || (_state == State.ElixirFrames && _current!.FrameCount == 0))
            {
                _current = null; // never completed: a header without frames, a traceback without its exception line
            }

            Emit();
            CloseBlock();
            EmitRepeatedBlocks();
        }

        // ---- unknown formats: repeated error blocks ---------------------------------------------------

        /// <summary>An error line of no known format and the indented or "at ..." lines after it.</summary>
        private sealed class Block(long lineNumber, DateTimeOffset? at, string header)
        {
            public long LineNumber { get; } = lineNumber;
            public DateTimeOffset? At { get; } = at;
            public string Header { get; } = header;
            public int DetailLines { get; set; }
            public List<StackFrame> Frames { get; } = [];

            /// <summary>A known format's scanner took these lines: not an unknown trace.</summary>
            public bool Claimed { get; set; }
        }

        private Block? _block;
        private LogLine? _blockHead; // an error line; it becomes a Block when a detail line follows
        private readonly List<Block> _blocks = [];
        private long _lastEmitStart = -1;

        /// <summary>Runs after the known formats saw the line; notes error blocks that none of them took.</summary>
        private void Track(LogLine line, string text)
        {
            if (_block is not null || _blockHead is not null)
            {
                if (text.Length > 0 && (char.IsWhiteSpace(text[0]) || text.StartsWith("at ", StringComparison.Ordinal)) && !text.AsSpan().IsWhiteSpace())
                {
                    var block = _block ??= new Block(_blockHead!.LineNumber, _blockHead.At ?? _lastAt, _blockHead.Text.Trim());
                    _blockHead = null;
                    block.DetailLines++;
                    block.Claimed |= _state != State.None;
                    if (block.Frames.Count < MaxFrames && UnknownFrameRegex().Match(text) is { Success: true } frame)
                    {
                        var fn = text[..frame.Index].Trim().TrimStart('-', '>', ' ').Trim();
                        fn = fn.StartsWith("from ", StringComparison.Ordinal) ? fn[5..].Trim() : fn == "from" ? "" : fn;
                        fn = fn.StartsWith("at ", StringComparison.Ordinal) || fn.StartsWith("in ", StringComparison.Ordinal) ? fn[3..].Trim() : fn is "at" or "in" ? "" : fn;
                        fn = fn.TrimEnd('(', '[', ' ', '@');
                        var file = frame.Groups["file"].Value;
                        block.Frames.Add(new StackFrame(fn.Length == 0 ? null : fn.Length > 200 ? fn[..200] : fn, file,
                            int.Parse(frame.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
                            IsApplicationFrame(StackLanguage.Unknown, fn, file)));
                    }

                    return;
                }

                CloseBlock();
            }

            if (text.Length > 0 && !char.IsWhiteSpace(text[0]) && text.AsSpan().IndexOfAny(ErrorWords) >= 0)
            {
                _blockHead = line;
            }
        }

        private void CloseBlock()
        {
            if (_block is { DetailLines: >= 2, Claimed: false } block && _lastEmitStart < block.LineNumber)
            {
                _blocks.Add(block);
            }

            _block = null;
            _blockHead = null;
        }

        /// <summary>Blocks of the same shape seen three times or more become traces of language Unknown.</summary>
        private void EmitRepeatedBlocks()
        {
            var traces = _blocks.Select(b =>
            {
                var type = UnknownTypeRegex().Match(b.Header) is { Success: true } t ? t.Value : ErrorWordRegex().Match(b.Header).Value.ToLowerInvariant();
                var message = b.Header.Length > MaxMessage ? b.Header[..MaxMessage] : b.Header;
                return new StackTrace(source, StackLanguage.Unknown, type, message, b.Frames, 1, b.At, b.LineNumber);
            });
            foreach (var group in traces.GroupBy(GroupKey, StringComparer.Ordinal).Where(g => g.Count() >= 3))
            {
                output.AddRange(group.Select(t => new RawTrace(t)));
            }
        }
    }

    private static readonly System.Buffers.SearchValues<string> HeaderWords =
        System.Buffers.SearchValues.Create(["Exception", "Error", "Throwable", "Fault"], StringComparison.Ordinal);

    /// <summary>Substrings every Ruby, PHP, Rust and Elixir header has.</summary>
    private static readonly System.Buffers.SearchValues<string> OtherLanguageMarkers =
        System.Buffers.SearchValues.Create(["' panicked at ", "** (", "Fatal error:", "Parse error:", "[object] (", ":in ", "):"], StringComparison.Ordinal);

    /// <summary>Words that make a line of an unknown format the head of an error block.</summary>
    private static readonly System.Buffers.SearchValues<string> ErrorWords =
        System.Buffers.SearchValues.Create(["error", "exception", "fatal", "panic"], StringComparison.OrdinalIgnoreCase);

    /// <summary>A new log record rather than a continuation: starts with a date, a bracketed level or a console level.</summary>
    private static bool LooksLikeRecordStart(string text) => RecordStartRegex().IsMatch(text);

    [GeneratedRegex(@"^(?:\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{2}:\d{2}:\d{2}|(?:info|warn|fail|dbug|crit|trce|INFO|WARN|WARNING|ERROR|DEBUG|CRITICAL|FATAL)[:\s]|\{)")]
    private static partial Regex RecordStartRegex();

    [GeneratedRegex(@"^\s*Traceback \(most recent call last\):")]
    private static partial Regex TracebackRegex();

    [GeneratedRegex(@"^\s+File ""([^""]+)"", line (\d+)(?:, in (.+))?$")]
    private static partial Regex PythonFrameRegex();

    [GeneratedRegex(@"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")]
    private static partial Regex PythonExceptionRegex();

    [GeneratedRegex(@"http: panic serving \S+: (.+)$")]
    private static partial Regex HttpPanicServingRegex();

    [GeneratedRegex(@"^(panic|fatal error): (.*)$")]
    private static partial Regex GoPanicRegex();

    [GeneratedRegex(@"^goroutine \d+ \[([^\]]+)\]:\s*$")]
    private static partial Regex GoroutineRegex();

    [GeneratedRegex(@"^(\S+)\(([^()]*)\)$")]
    private static partial Regex GoFunctionRegex();

    [GeneratedRegex(@"^\t(\S+\.go):(\d+)(?:\s+\+0x[0-9a-fA-F]+)?\s*$")]
    private static partial Regex GoFileRegex();

    [GeneratedRegex(@"\blevel=(?:ERROR|error)\b.*?\bmsg=(?<msg>""(?:[^""\\]|\\.)*""|\S+).*?\berr(?:or)?=(?<err>""(?:[^""\\]|\\.)*""|\S+)")]
    private static partial Regex LogfmtErrorRegex();

    [GeneratedRegex(@"^Exception in thread ""[^""]*"" (.+)$")]
    private static partial Regex JavaThreadRegex();

    // type: qualified (a.b.C, Ruby's A::B) or plain name ending in Exception/Error/Throwable/Fault (or plain "Error"), optional HRESULT and Node [code].
    [GeneratedRegex(@"^(?:Unhandled exception\.\s+|Uncaught\s+)?(?<type>(?:[A-Za-z_$][\w$]*(?:\.|::))*(?:[A-Za-z_$][\w$`]*)?(?:Exception|Error|Throwable|Fault))(?:\s\(0x[0-9A-Fa-f]+\))?(?: \[(?<code>[A-Z_0-9]+)\])?(?::\s?(?<msg>.*))?$")]
    private static partial Regex HeaderRegex();

    /// <summary>A fully qualified JVM class name (two or more lower-case package parts) opening the line, then ": message".</summary>
    [GeneratedRegex(@"^(?<type>(?:[a-z_][\w$]*\.){2,}[A-Z][\w$]*)(?::\s?(?<msg>.*))?$")]
    private static partial Regex QualifiedHeaderRegex();

    [GeneratedRegex(@"(?<![\w.$:])(?:[A-Za-z_$][\w$]*(?:\.|::))*(?:[A-Za-z_$][\w$`]*)?(?:Exception|Error)(?:\s\(0x[0-9A-Fa-f]+\))?(?: \[[A-Z_0-9]+\])?: ")]
    private static partial Regex EmbeddedHeaderRegex();

    [GeneratedRegex(@"^\s+at\s")]
    private static partial Regex FrameLineRegex();

    /// <summary>How a Node frame ends (":line:column" or a native location); tested before the full pattern.</summary>
    [GeneratedRegex(@":\d+:\d+\)?\s*\{?\s*$|\((?:<anonymous>|native|node:[^)]*)\)\s*\{?\s*$")]
    private static partial Regex NodeTailRegex();

    [GeneratedRegex(@"^\s+at\s+(?:async\s+)?(?:new\s+)?(?:(?<fn>.+?)\s+\()?(?<file>(?:[A-Za-z]:)?[^()\s]+?|<anonymous>|native):(?<line>\d+):(?<col>\d+)\)?\s*\{?\s*$|^\s+at\s+(?:async\s+)?(?<fn>[^()]+?)\s+\((?<file><anonymous>|native|node:[^)]*)\)\s*\{?\s*$")]
    private static partial Regex NodeFrameRegex();

    [GeneratedRegex(@"^\s+at\s+(?:[\w.$-]+(?:@[\w.-]+)?/)*(?<fn>[\w$.<>\[\]-]+)\((?<loc>[\w$.-]+\.(?:java|kt|scala|groovy|clj):\d+|[\w$.-]+\.(?:java|kt|scala|groovy)|Native Method|Unknown Source)\)")]
    private static partial Regex JavaFrameRegex();

    [GeneratedRegex(@"^\s+at\s+(?<fn>.+?)(?:\s+in\s+(?<file>.+?):line\s+(?<line>\d+))?\s*$")]
    private static partial Regex DotNetFrameRegex();

    [GeneratedRegex(@"\s+at\s+(?<fn>[\w.<>`|$\[\],]+\([^)]*\))(?:\s+in\s+(?<file>\S+?):line\s+(?<line>\d+))?")]
    private static partial Regex InlineDotNetFrameRegex();

    [GeneratedRegex(@"^\s*\.\.\. \d+ (?:more|common frames omitted)")]
    private static partial Regex JavaMoreRegex();

    [GeneratedRegex(@"^\s*--- End of ")]
    private static partial Regex DotNetEndRegex();

    [GeneratedRegex(@"^Caused by:\s*(.+)$")]
    private static partial Regex CausedByRegex();

    [GeneratedRegex(@"^\s*---> (.+)$")]
    private static partial Regex DotNetInnerRegex();

    [GeneratedRegex(@"^\s+(\w+): (.+?),?\s*$")]
    private static partial Regex NodePropertyRegex();

    // Ruby: "app/models/order.rb:12:in `total'", "\tfrom /app/lib/worker.rb:5:in 'block in Worker#run'" (3.4 quotes with ').
    [GeneratedRegex(@"^\s*(?:from\s+)?(?<file>[^\s:'`""]+):(?<line>\d+):in\s+[`'](?<fn>[^'`]*)'(?<rest>.*)$")]
    private static partial Regex RubyFrameRegex();

    [GeneratedRegex(@"^: (?<msg>.*) \((?<type>[A-Z]\w*(?:::[A-Z]\w*)*)\)\s*$")]
    private static partial Regex RubyUncaughtRegex();

    [GeneratedRegex(@"^(?<type>[A-Z]\w*(?:::[A-Z]\w*)*) \((?<msg>.*)\):\s*$")]
    private static partial Regex RailsHeaderRegex();

    [GeneratedRegex(@"^[DIWEFA], \[[^\]]*\]\s+[A-Z]+ -- [^:]*: ?(?:\[[^\]]*\](?: +|$))*")]
    private static partial Regex RubyLoggerPrefixRegex();

    [GeneratedRegex(@"(?:PHP )?(?:Fatal|Parse) error:\s+Uncaught (?<type>[\w\\]+)(?:: (?<msg>.*?))? in (?<file>\S+?)(?::(?<line>\d+)| on line (?<line>\d+))\s*$")]
    private static partial Regex PhpUncaughtRegex();

    [GeneratedRegex(@"(?:PHP )?(?<kind>Fatal|Parse) error:\s+(?<msg>.*?) in (?<file>\S+?\.php)(?::(?<line>\d+)| on line (?<line>\d+))\s*$")]
    private static partial Regex PhpFatalRegex();

    [GeneratedRegex(@"^Next (?<type>[\w\\]+)(?:: (?<msg>.*?))? in (?<file>\S+?):(?<line>\d+)\s*$")]
    private static partial Regex PhpNextRegex();

    // "#0 /var/www/src/Cart.php(31): App\Cart->total(NULL)", "#1 [internal function]: f()", "#2 {main}"
    [GeneratedRegex(@"^#\d+ (?:(?<file>[^(\s][^(]*)\((?<line>\d+)\): (?<fn>.+)|\[internal function\]: (?<fn>.+)|\{main\})\s*$")]
    private static partial Regex PhpFrameRegex();

    [GeneratedRegex(@"\[object\] \((?<type>[\w\\]+)\(code: [^)]*\): (?<msg>.*) at (?<file>\S+):(?<line>\d+)\)\s*$")]
    private static partial Regex LaravelExceptionRegex();

    [GeneratedRegex(@"thread '[^']*'(?: \(\d+\))? panicked at (?:'(?<msg>.*)', )?(?<file>[^\s:']+):(?<line>\d+):\d+:?\s*$")]
    private static partial Regex RustPanicRegex();

    // "   4: orders::pricing::total" or, with RUST_BACKTRACE=full, "   4:     0x55d0c1b0e0a4 - orders::pricing::total::h1f2e3d4c5b6a7980"
    [GeneratedRegex(@"^\s*\d+:\s+(?:0x[0-9a-f]+ - )?(?<fn>\S.*)$")]
    private static partial Regex RustFrameRegex();

    [GeneratedRegex(@"^\s+at (?<file>\S+?):(?<line>\d+)(?::\d+)?\s*$")]
    private static partial Regex RustAtRegex();

    [GeneratedRegex(@"::h[0-9a-f]{16}$")]
    private static partial Regex RustHashRegex();

    [GeneratedRegex(@"\*\* \((?<type>[^)\s]+(?: from [^)]*)?)\) ?(?<msg>.*)$")]
    private static partial Regex ElixirHeaderRegex();

    // "    (my_app 0.1.0) lib/my_app/worker.ex:12: MyApp.Worker.run/1", "    (stdlib 5.2) gen_server.erl:1095: :gen_server.try_handle_info/3"
    [GeneratedRegex(@"^\s+(?:\((?<app>\w+)(?: [\w.+-]+)?\) )?(?<file>[\w/.-]+\.(?:ex|exs|erl)):(?<line>\d+): (?<fn>\S.*)$")]
    private static partial Regex ElixirFrameRegex();

    /// <summary>A file:line token of an unknown format: "x.zig:12", "Foo.swift(12)", "x.lua, line 12".</summary>
    [GeneratedRegex(@"(?<file>[\w./\\-]*\w\.[A-Za-z]\w{0,7})(?::|\(|,? line )(?<line>\d+)")]
    private static partial Regex UnknownFrameRegex();

    [GeneratedRegex(@"\b[A-Za-z_][\w.:]*(?:Error|Exception|Panic|Fault)\b")]
    private static partial Regex UnknownTypeRegex();

    [GeneratedRegex(@"error|exception|fatal|panic", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorWordRegex();
}
