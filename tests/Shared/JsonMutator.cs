using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IncidentHub.Tests.Shared;

/// <summary>One fuzz case: which case of which seed, what was done to the payload, and the bytes to send.</summary>
public sealed record Mutation(int Seed, int Case, string Description, byte[] Body)
{
    /// <summary>The body as text for a failure message: bytes that are not UTF-8 as \xNN, control characters escaped, long bodies cut.</summary>
    public string Preview(int max = 2000)
    {
        var text = new StringBuilder();
        var bytes = Body.AsSpan();
        while (bytes.Length > 0 && text.Length < max)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes, out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{bytes[0]:X2}");
                bytes = bytes[1..];
                continue;
            }

            if (rune.Value < 0x20 && rune.Value is not ('\n' or '\t'))
            {
                text.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}");
            }
            else
            {
                text.Append(rune.ToString());
            }

            bytes = bytes[used..];
        }

        if (bytes.Length > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"... ({Body.Length} bytes in all)");
        }

        return text.ToString();
    }

    public override string ToString() =>
        $"seed {Seed}, case {Case} (reproduce: new JsonMutator(original).Mutate({Seed}, {Case})): {Description}{Environment.NewLine}{Preview()}";
}

/// <summary>
/// A deterministic mutation fuzzer for JSON webhook payloads, shared by the parser and the HTTP fuzz
/// tests. Case <c>n</c> of seed <c>s</c> is always the same bytes (its own <see cref="Random"/> from
/// s and n), so any failure reproduces alone. Cases cycle through every kind of mutation, so each
/// kind is tried count / kinds times; a quarter of them get a second, byte-level mutation on top.
/// </summary>
/// <remarks>
/// Byte level: bit flips, inserted and deleted bytes, truncation, duplicated spans, invalid UTF-8
/// (lone continuation bytes, overlong encodings, 0xFF, encoded surrogates, cut sequences), a BOM.
/// JSON level (parsed with System.Text.Json.Nodes, changed, serialised again): a value replaced by one
/// of another type, deleted properties and items, a value copied over another, strings of 100,000
/// characters, numbers no double holds (1e400, -0, NaN as text), nesting 10,000 deep, strings with
/// \u0000 and unpaired surrogate escapes. Whole bodies: empty, whitespace only, a top-level scalar.
/// </remarks>
public sealed class JsonMutator
{
    public const int LongStringLength = 100_000;
    public const int DeepNesting = 10_000;

    private const string RawPlaceholder = "fuzz-raw-7c1e";

    private static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] Kinds =
    [
        "flip-bits", "insert-bytes", "delete-bytes", "truncate", "duplicate-span", "replace-type", "delete-properties",
        "long-string", "huge-number", "deep-nesting", "invalid-utf8", "bom", "empty-or-whitespace", "top-level-scalar",
        "escaped-string", "graft",
    ];

    private static readonly byte[][] InvalidUtf8 =
    [
        [0x80], [0xBF], [0x80, 0x80], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xF0, 0x80, 0x80, 0xAF],
        [0xFF], [0xFE], [0xFF, 0xFE], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xC3],
        [0xF8, 0x88, 0x80, 0x80, 0x80],
    ];

    private static readonly string[] Whitespace =
        ["", " ", "\n", "\r\n", "\t \r\n ", new string(' ', 10_000), "\u00A0", "\u3000", "\u2028", "\0", "\uFEFF"];

    private static readonly string[] TopLevel =
    [
        "0", "-0", "-1", "1e400", "3.14", "\"text\"", "\"\"", "true", "false", "null", "[]", "{}", "[null]", "[{}]", "[[]]",
        "[1,2,3]", "[\"a\"]", "\"{\\\"alerts\\\":[]}\"", "NaN", "undefined", "'single'", "{\"a\":1}{\"a\":2}", "[] []",
    ];

    private static readonly string[] RawNumbers =
    [
        "1e400", "-1e400", "-0", "-0.0", "1e-400", "123456789012345678901234567890123456789", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "0.000000000000000000000000000001", "1E+308", "1.7976931348623157e308",
        "4.9e-324", "253402300800000", "-62135596800001", "1e11", "1e17", "NaN", "-NaN", "Infinity", "-Infinity",
        "\"NaN\"", "\"Infinity\"", "\"-1e400\"", "0x1F", "01", "+1", ".5", "1.", "1e", "--1", "1_000",
    ];

    /// <summary>JSON string literals, as written on the wire: NUL, unpaired surrogates, controls, separators.</summary>
    private static readonly string[] EscapedStrings =
    [
        "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\udfff\"", "\"x\\udc00\\ud800y\"", "\"\\ud800\\u0041\"",
        "\"\\ud83d\\ude00\"", "\"\\u0001\\u001f\\u007f\"", "\"\\u2028\\u2029\"", "\"\\ufeff\"", "\"\\uffff\\ufffe\"",
        "\"\\\\\"", "\"\\/\\b\\f\\n\\r\\t\"", "\"\\u00\"", "\"\\x41\"", "\"\\'\"", "\"\t\"", "\"\n\"",
    ];

    private static readonly string[] InterestingStrings =
    [
        "", " ", "  \t ", "resolved", "firing", "RESOLVED", "ALARM", "OK", "INSUFFICIENT_DATA", "incident", "incident.resolved",
        "incident.triggered", "incident.annotated", "pagey.ping", "Notification", "SubscriptionConfirmation",
        "UnsubscribeConfirmation", "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
        "https://sns.us-east-1.amazonaws.com.evil.example/", "javascript:alert(1)", "http://", "$ALERT_ID", "$EVENT_TITLE",
        "[P1] [Triggered on {service:checkout,env:prod}] Checkout down", "[Recovered] x", "[P9]", "[", "]", "{}", "[]",
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-02-30T25:61:00Z", "0", "-1", "1e400", "NaN", "null", "true",
        "P1", "high", "low", "success", "error", "service:checkout,env:prod", ",,,", ":", "*", "arn:aws:cloudwatch:::alarm:",
        "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x", "😀", "é", "\u202Eevil", "<script>alert(1)</script>",
        "'; DROP TABLE alerts; --", "%s%n%x", "\\u0000",
    ];

    private static readonly string[] InterestingNames =
    [
        "alerts", "labels", "annotations", "status", "fingerprint", "groupKey", "title", "event", "data", "event_type",
        "resource_type", "id", "type", "Type", "Message", "AlarmName", "NewStateValue", "AlarmArn", "SubscribeURL", "tags",
        "alert_scope", "aggreg_key", "alert_id", "alertname", "service", "summary", "startsAt", "endsAt", "date", "timestamp",
        "", " ", "__proto__", "constructor",
    ];

    private readonly byte[] _original;
    private readonly JsonNode? _tree;
    private readonly bool _isJson;
    private readonly string[] _strings;
    private readonly string[] _names;

    public JsonMutator(byte[] original)
    {
        ArgumentNullException.ThrowIfNull(original);
        _original = original;
        var strings = new HashSet<string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            _tree = JsonNode.Parse(original, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
            _isJson = true;
            Collect(_tree, strings, names);
        }
        catch (JsonException)
        {
            _isJson = false;
        }

        _strings = [.. strings.Concat(InterestingStrings).Distinct()];
        _names = [.. names.Concat(InterestingNames).Distinct()];
    }

    /// <summary>A seed from a name (a fixture's path) that is the same on every run and machine (FNV-1a).</summary>
    public static int SeedFor(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var hash = 2166136261u;
        foreach (var c in name)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return (int)(hash & 0x7FFFFFFF);
    }

    public IEnumerable<Mutation> Cases(int seed, int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return Mutate(seed, i);
        }
    }

    /// <summary>Case <paramref name="caseNumber"/> of <paramref name="seed"/>: always the same bytes.</summary>
    public Mutation Mutate(int seed, int caseNumber)
    {
        var random = new Random(unchecked((seed * 486187739) + (caseNumber * 16777619) + 1));
        var kind = Kinds[caseNumber % Kinds.Length];
        var (description, body) = Apply(kind, random);
        if (random.Next(4) == 0 && kind is not ("empty-or-whitespace" or "top-level-scalar"))
        {
            var (more, mutated) = ByteLevel(random, body);
            description += "; then " + more;
            body = mutated;
        }

        return new Mutation(seed, caseNumber, description, body);
    }

    private (string Description, byte[] Body) Apply(string kind, Random random)
    {
        switch (kind)
        {
            case "flip-bits":
                return FlipBits(random, _original);
            case "insert-bytes":
                return InsertBytes(random, _original);
            case "delete-bytes":
                return DeleteBytes(random, _original);
            case "truncate":
                return Truncate(random, _original);
            case "duplicate-span":
                return DuplicateSpan(random, _original);
            case "invalid-utf8":
                return InvalidUtf8Sequence(random, _original);
            case "bom":
                return Bom(random);
            case "empty-or-whitespace":
                var blank = Pick(random, Whitespace);
                return ($"body is {Describe(blank)}", Encoding.UTF8.GetBytes(blank));
            case "top-level-scalar":
                var scalar = Pick(random, TopLevel);
                return ($"body is the top-level value {scalar}", Encoding.UTF8.GetBytes(scalar));
        }

        if (!_isJson)
        {
            return ByteLevel(random, _original);
        }

        var tree = _tree?.DeepClone();
        var slots = Slots(tree);
        switch (kind)
        {
            case "replace-type":
            {
                var slot = Pick(random, slots);
                var current = slot.Node?.GetValueKind() ?? JsonValueKind.Null;
                var value = RandomValue(random, 0, except: current);
                return ($"replace {slot.Path} ({current}) with {Describe(value)}", Serialize(Set(tree, slot, value)));
            }

            case "delete-properties":
            {
                var removable = slots.Where(s => s.Parent is JsonObject or JsonArray).ToList();
                if (removable.Count == 0)
                {
                    return ByteLevel(random, _original);
                }

                var removed = new List<string>();
                for (var n = 1 + random.Next(3); n > 0; n--)
                {
                    var slot = Pick(random, removable);
                    if (slot.Parent is JsonObject obj && obj.Remove(slot.Name!))
                    {
                        removed.Add(slot.Path);
                    }
                    else if (slot.Parent is JsonArray array && slot.Node is not null && array.Remove(slot.Node))
                    {
                        removed.Add(slot.Path);
                    }
                }

                return ($"delete {string.Join(", ", removed.DefaultIfEmpty("nothing"))}", Serialize(tree));
            }

            case "long-string":
            {
                var strings = slots.Where(s => s.Node?.GetValueKind() == JsonValueKind.String).ToList();
                var slot = strings.Count > 0 && random.Next(10) < 7 ? Pick(random, strings) : Pick(random, slots);
                var (what, text) = LongString(random);
                if (random.Next(8) == 0 && slot.Parent is JsonObject parent)
                {
                    // A long property name instead of a long value.
                    var value = slot.Node?.DeepClone();
                    parent.Remove(slot.Name!);
                    parent[text] = value;
                    return ($"rename {slot.Path} to {what}", Serialize(tree));
                }

                return ($"replace {slot.Path} with {what}", Serialize(Set(tree, slot, JsonValue.Create(text))));
            }

            case "huge-number":
            {
                var numbers = slots.Where(s => s.Node?.GetValueKind() == JsonValueKind.Number).ToList();
                var slot = numbers.Count > 0 && random.Next(2) == 0 ? Pick(random, numbers) : Pick(random, slots);
                var raw = Pick(random, RawNumbers);
                return ($"replace {slot.Path} with the number text {raw}", Raw(Set(tree, slot, JsonValue.Create(RawPlaceholder)), raw));
            }

            case "deep-nesting":
            {
                var (what, raw) = Nesting(random);
                if (random.Next(4) == 0)
                {
                    return ($"body is {what}", Encoding.UTF8.GetBytes(raw));
                }

                var slot = Pick(random, slots);
                return ($"replace {slot.Path} with {what}", Raw(Set(tree, slot, JsonValue.Create(RawPlaceholder)), raw));
            }

            case "escaped-string":
            {
                var slot = Pick(random, slots);
                var literal = Pick(random, EscapedStrings);
                if (random.Next(3) == 0 && slot.Parent is JsonObject parent)
                {
                    var value = slot.Node?.DeepClone();
                    parent.Remove(slot.Name!);
                    parent[RawPlaceholder] = value;
                    return ($"rename {slot.Path} to the JSON string {literal}", Raw(tree, literal));
                }

                return ($"replace {slot.Path} with the JSON string {literal}", Raw(Set(tree, slot, JsonValue.Create(RawPlaceholder)), literal));
            }

            case "graft":
            {
                var from = Pick(random, slots);
                var to = Pick(random, slots);
                return ($"copy {from.Path} over {to.Path}", Serialize(Set(tree, to, from.Node?.DeepClone())));
            }

            default:
                throw new InvalidOperationException($"Unknown mutation kind {kind}.");
        }
    }

    private static (string, byte[]) ByteLevel(Random random, byte[] body) => random.Next(5) switch
    {
        0 => FlipBits(random, body),
        1 => InsertBytes(random, body),
        2 => DeleteBytes(random, body),
        3 => DuplicateSpan(random, body),
        _ => Truncate(random, body),
    };

    private static (string, byte[]) FlipBits(Random random, byte[] body)
    {
        if (body.Length == 0)
        {
            return ("flip nothing (empty)", body);
        }

        var copy = (byte[])body.Clone();
        var flips = new List<string>();
        for (var n = 1 + random.Next(4); n > 0; n--)
        {
            var at = random.Next(copy.Length);
            var mask = random.Next(3) == 0 ? (byte)random.Next(1, 256) : (byte)(1 << random.Next(8));
            copy[at] ^= mask;
            flips.Add(string.Create(CultureInfo.InvariantCulture, $"{at}^0x{mask:X2}"));
        }

        return ($"flip bytes {string.Join(",", flips)}", copy);
    }

    private static (string, byte[]) InsertBytes(Random random, byte[] body)
    {
        var at = random.Next(body.Length + 1);
        byte[] inserted = random.Next(3) switch
        {
            0 => Encoding.UTF8.GetBytes(Pick(random, ["{", "}", "[", "]", "\"", ",", ":", "\\", "\\u", "null", "0", "-", "e", " ", "\0", "/*", "//"])),
            1 => [(byte)random.Next(256)],
            _ => [.. Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256))],
        };
        return ($"insert {Hex(inserted)} at {at}", [.. body[..at], .. inserted, .. body[at..]]);
    }

    private static (string, byte[]) DeleteBytes(Random random, byte[] body)
    {
        if (body.Length == 0)
        {
            return ("delete nothing (empty)", body);
        }

        var at = random.Next(body.Length);
        var length = Math.Min(body.Length - at, 1 + random.Next(random.Next(2) == 0 ? 4 : 64));
        return ($"delete {length} bytes at {at}", [.. body[..at], .. body[(at + length)..]]);
    }

    private static (string, byte[]) Truncate(Random random, byte[] body)
    {
        var at = random.Next(body.Length + 1);
        return ($"truncate at {at} of {body.Length}", body[..at]);
    }

    private static (string, byte[]) DuplicateSpan(Random random, byte[] body)
    {
        if (body.Length == 0)
        {
            return ("duplicate nothing (empty)", body);
        }

        var from = random.Next(body.Length);
        var length = Math.Min(body.Length - from, 1 + random.Next(256));
        var times = random.Next(4) == 0 ? 2 + random.Next(50) : 1;
        var to = random.Next(body.Length + 1);
        var span = body[from..(from + length)];
        var copies = Enumerable.Repeat(span, times).SelectMany(b => b);
        return ($"duplicate {length} bytes from {from} {times}x at {to}", [.. body[..to], .. copies, .. body[to..]]);
    }

    private (string, byte[]) InvalidUtf8Sequence(Random random, byte[] body)
    {
        var sequence = Pick(random, InvalidUtf8);
        var quotes = Enumerable.Range(0, body.Length).Where(i => body[i] == (byte)'"').ToList();
        var at = quotes.Count > 0 && random.Next(10) < 7 ? quotes[random.Next(quotes.Count)] + 1 : random.Next(body.Length + 1);
        if (random.Next(3) == 0 && at < body.Length)
        {
            var replaced = Math.Min(sequence.Length, body.Length - at);
            return ($"overwrite {replaced} bytes at {at} with {Hex(sequence)}", [.. body[..at], .. sequence, .. body[(at + replaced)..]]);
        }

        return ($"insert invalid UTF-8 {Hex(sequence)} at {at}", [.. body[..at], .. sequence, .. body[at..]]);
    }

    private (string, byte[]) Bom(Random random)
    {
        byte[] bom = [0xEF, 0xBB, 0xBF];
        return random.Next(4) switch
        {
            0 => ("BOM twice before the body", [.. bom, .. bom, .. _original]),
            1 => ("BOM before whitespace and the body", [.. bom, .. " \n"u8, .. _original]),
            2 => ("BOM alone", bom),
            _ => ("BOM before the body", [.. bom, .. _original]),
        };
    }

    private static (string, string) LongString(Random random)
    {
        const int n = LongStringLength;
        switch (random.Next(6))
        {
            case 0:
                var c = Pick(random, ["x", " ", "[", "{", "\\", "\"", "é", "😀", "\n"]);
                return ($"{n} x {Describe(c)}", string.Concat(Enumerable.Repeat(c, n / c.Length)));
            case 1:
                // Datadog title prefixes, tags and scopes, repeated: long inputs for the patterns that read them.
                var unit = Pick(random, ["[P1] ", "[Triggered] ", "[a", "service:a,", "a:", "$A", "[Triggered on {", "on {x} ", "a "]);
                return ($"{Describe(unit)} repeated to {n} chars", string.Concat(Enumerable.Repeat(unit, n / unit.Length)));
            case 2:
                return ($"\"[a\" + {n} spaces + \"x]\"", "[a" + new string(' ', n) + "x]");
            case 3:
                // A long string with a surrogate pair exactly where a 500 or 300 character cut would fall.
                var at = Pick(random, [298, 299, 300, 498, 499, 500, 199, 200, 999, 1000]);
                return ($"{n} chars with an emoji at {at}", new string('t', at) + "😀" + new string('t', n - at - 2));
            default:
                const string alphabet = "abcxyz ABC09[]{}:,.-_/\\\"'\té😀\u2028\u0001";
                var chars = new StringBuilder(n);
                while (chars.Length < n)
                {
                    var i = random.Next(alphabet.Length);
                    if (char.IsHighSurrogate(alphabet[i]))
                    {
                        chars.Append(alphabet, i, 2);
                    }
                    else if (!char.IsLowSurrogate(alphabet[i]))
                    {
                        chars.Append(alphabet[i]);
                    }
                }

                return ($"{n} random chars", chars.ToString());
        }
    }

    private static (string, string) Nesting(Random random)
    {
        const int n = DeepNesting;
        return random.Next(5) switch
        {
            0 => ($"arrays {n} deep", new string('[', n) + new string(']', n)),
            1 => ($"objects {n} deep", string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n)),
            2 => ($"arrays and objects {n} deep", string.Concat(Enumerable.Repeat("[{\"a\":", n / 2)) + "null" + string.Concat(Enumerable.Repeat("}]", n / 2))),
            3 => ($"{n} unclosed arrays", new string('[', n)),
            _ => ($"objects 70 deep (just past the parser's limit)", string.Concat(Enumerable.Repeat("{\"alerts\":", 70)) + "[]" + new string('}', 70)),
        };
    }

    private JsonNode? RandomValue(Random random, int depth, JsonValueKind except = JsonValueKind.Undefined)
    {
        JsonValueKind kind;
        do
        {
            kind = Pick(random, [JsonValueKind.String, JsonValueKind.Number, JsonValueKind.Null, JsonValueKind.True, JsonValueKind.False, JsonValueKind.Array, JsonValueKind.Object]);
        }
        while (kind == except || (depth >= 2 && kind is JsonValueKind.Array or JsonValueKind.Object));

        switch (kind)
        {
            case JsonValueKind.String:
                return JsonValue.Create(Pick(random, _strings));
            case JsonValueKind.Number:
                return random.Next(3) == 0
                    ? JsonValue.Create(random.NextDouble() * Math.Pow(10, random.Next(-5, 300)) * (random.Next(2) == 0 ? -1 : 1))
                    : JsonValue.Create(Pick(random, [0L, 1L, -1L, 42L, 1_700_000_000L, 1_700_000_000_000L, 100_000_000_000L, long.MaxValue, long.MinValue, int.MaxValue, 253_402_300_800_000L]));
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.True:
                return JsonValue.Create(true);
            case JsonValueKind.False:
                return JsonValue.Create(false);
            case JsonValueKind.Array:
                var array = new JsonArray();
                for (var n = random.Next(4); n > 0; n--)
                {
                    array.Add(RandomValue(random, depth + 1));
                }

                return array;
            default:
                var obj = new JsonObject();
                for (var n = random.Next(4); n > 0; n--)
                {
                    obj[Pick(random, _names)] = RandomValue(random, depth + 1);
                }

                return obj;
        }
    }

    /// <summary>A place in the tree: the root (no parent), an object's property or an array's item.</summary>
    private sealed record Slot(JsonNode? Node, JsonNode? Parent, string? Name, int Index, string Path);

    private static List<Slot> Slots(JsonNode? root)
    {
        var slots = new List<Slot> { new(root, null, null, -1, "$") };
        for (var i = 0; i < slots.Count; i++)
        {
            var (node, _, _, _, path) = slots[i];
            switch (node)
            {
                case JsonObject obj:
                    slots.AddRange(obj.Select(p => new Slot(p.Value, obj, p.Key, -1, $"{path}.{Short(p.Key)}")));
                    break;
                case JsonArray array:
                    slots.AddRange(array.Select((item, index) => new Slot(item, array, null, index, $"{path}[{index}]")));
                    break;
            }
        }

        return slots;
    }

    private static JsonNode? Set(JsonNode? root, Slot slot, JsonNode? value)
    {
        switch (slot.Parent)
        {
            case null:
                return value;
            case JsonObject obj:
                obj[slot.Name!] = value;
                return root;
            case JsonArray array:
                array[slot.Index] = value;
                return root;
            default:
                throw new InvalidOperationException("A slot's parent is an object or an array.");
        }
    }

    private static byte[] Serialize(JsonNode? root) =>
        root is null ? "null"u8.ToArray() : Encoding.UTF8.GetBytes(root.ToJsonString(Output));

    /// <summary>The tree serialised with the placeholder string (a value or a property name) replaced by raw JSON text.</summary>
    private static byte[] Raw(JsonNode? root, string raw)
    {
        var json = root is null ? "null" : root.ToJsonString(Output);
        var placeholder = $"\"{RawPlaceholder}\"";
        var at = json.IndexOf(placeholder, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(at < 0 ? raw : string.Concat(json.AsSpan(0, at), raw, json.AsSpan(at + placeholder.Length)));
    }

    private static void Collect(JsonNode? node, HashSet<string> strings, HashSet<string> names)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    names.Add(name);
                    Collect(value, strings, names);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item, strings, names);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                strings.Add(value.GetValue<string>());
                break;
        }
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Describe(JsonNode? value)
    {
        var json = value is null ? "null" : value.ToJsonString(Output);
        return json.Length <= 60 ? json : json[..60] + "...";
    }

    private static string Describe(string text) => JsonSerializer.Serialize(text.Length <= 40 ? text : text[..40] + "...");

    private static string Short(string name) => name.Length <= 40 ? name : name[..40] + "...";

    private static string Hex(byte[] bytes) => bytes.Length <= 16 ? Convert.ToHexString(bytes) : Convert.ToHexString(bytes[..16]) + "...";
}
