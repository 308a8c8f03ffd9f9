using System.Globalization;
using System.Text;
using System.Text.Json;
using Serverless.Store.Commands;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// One generated hostile request: the exact bytes sent on a connection of its own (request line,
/// headers and body, every one with <c>Connection: close</c>), and how the body is sent.
/// <see cref="ServerMayAnswer"/>: broken framing, URLs, headers: Kestrel may answer before the
/// store does, with an empty body. <see cref="Commands"/> counts the commands a batch holds.
/// </summary>
public sealed record HostileRequest(int Index, string Family, byte[] Head, byte[] Body, bool ServerMayAnswer, int Commands = 1, int SlowChunks = 0)
{
    public string Describe()
    {
        var text = Encoding.UTF8.GetString(Head).Replace("\r\n", "\\r\\n");
        if (text.Length > 300) text = text[..300] + $"...({Head.Length} bytes)";
        var body = Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 300)));
        return $"#{Index} [{Family}] {text} body({Body.Length} bytes): {body}{(Body.Length > 300 ? "..." : "")}";
    }
}

/// <summary>
/// The hostile-input generator (issue #21): case <c>i</c> of seed <c>s</c> is drawn from its own
/// <see cref="Random"/> seeded by (s, i), so any case can be rebuilt alone from its index, and a
/// run of N cases is the same on every machine. Families: commands of the whole command table with
/// wrong arity and hostile arguments (as JSON, in pipelines and transactions, path style), broken
/// JSON (random bytes, invalid UTF-8, deep and wide arrays, odd numbers, non-string elements),
/// sizes at and past the body limit, path traversal and encoding tricks, methods, content types,
/// tokens, oversized headers, broken framing and slow bodies.
/// Keys the generator names never start with <see cref="ReservedPrefix"/>.
/// </summary>
public sealed class HostileCorpus(int seed, int maxBodyBytes, string fullToken, string readOnlyToken, string keyPrefix = "h:")
{
    /// <summary>Keys under this prefix are the test's own: no generated request names one.</summary>
    public const string ReservedPrefix = "__seed";

    static readonly CommandSpec[] Specs = CommandTable.All.ToArray();

    /// <summary>Host routes that hold a connection open (event streams) or restore whole snapshots: never a generated path's first segment.</summary>
    static readonly string[] HostRoutes = ["subscribe", "psubscribe", "restore", "snapshots"];

    static readonly string[] Families =
    [
        "command", "command", "command", "command", "command", "command", "command",
        "pipeline", "multi-exec", "path", "path", "path", "json", "json", "json", "numbers",
        "http", "http", "tokens", "raw",
    ];

    public HostileRequest Case(int index)
    {
        var r = new Random(unchecked(seed * 1_000_003 + index)); // not HashCode.Combine: its seed changes per process
        var roll = r.Next(1000);
        // Rare and costly families first: sizes at the body limit (each moves about 1 MiB), wide JSON, slow bodies.
        if (roll < 3) return Size(index, r);
        if (roll < 13) return Wide(index, r);
        if (roll < 23) return Slow(index, r);
        return Families[r.Next(Families.Length)] switch
        {
            "command" => Json(index, "command", "", JsonSerializer.SerializeToUtf8Bytes(Command(r)), Token(r, 0.9)),
            "pipeline" => Batch(index, r, "/pipeline"),
            "multi-exec" => Batch(index, r, "/multi-exec"),
            "path" => Path(index, r),
            "json" => BrokenJson(index, r),
            "numbers" => Numbers(index, r),
            "http" => HttpLevel(index, r),
            "tokens" => Tokens(index, r),
            _ => RawFraming(index, r),
        };
    }

    // ---- commands ----

    /// <summary>A command of the table (sometimes an unknown one) with an argument count around its arity and hostile arguments.</summary>
    public string[] Command(Random r)
    {
        if (r.Next(30) == 0) return [Pick(r, ["nosuchcommand", "", " ", "GET ", "g\u00e9t", new string('x', 200), "\u0000", "SET\u0000"]), .. Args(r, r.Next(4))];
        var spec = Specs[r.Next(Specs.Length)];
        var arity = Math.Abs(spec.Arity);
        var argc = r.Next(7) switch
        {
            0 => 1,
            1 => Math.Max(1, arity - 1),
            2 or 3 => arity,
            4 => arity + 1,
            5 => arity + 2 + r.Next(3),
            _ => 1 + r.Next(12),
        };
        var name = r.Next(5) switch
        {
            0 => spec.Name.ToUpperInvariant(),
            1 => new string(spec.Name.Select(c => r.Next(2) == 0 ? char.ToUpperInvariant(c) : c).ToArray()),
            _ => spec.Name,
        };
        var args = new List<string> { name };
        if (spec.Subcommands is { } subs && argc > 1 && r.Next(5) > 0) args.Add(Pick(r, subs.Select(s => s.Name).ToArray()));
        while (args.Count < argc) args.Add(Arg(r));
        return Tame(spec, args.ToArray());
    }

    /// <summary>
    /// Keeps a generated command from doing what the judgment cannot allow: FLUSHALL/FLUSHDB in a form
    /// that would run (they legitimately write every key, the reserved ones too), and blocking commands
    /// that would wait (any timeout-like number becomes 0.01 s, so no case waits more than 2 s).
    /// </summary>
    static string[] Tame(CommandSpec spec, string[] args)
    {
        if (spec.Name is "flushall" or "flushdb" && (args.Length == 1 || args.Length == 2 && args[1].ToUpperInvariant() is "ASYNC" or "SYNC"))
            return [args[0], "NOT-A-MODE"];
        if (spec.Flags.HasFlag(CommandFlags.Blocking))
            for (var i = 1; i < args.Length; i++)
                if (double.TryParse(args[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsNaN(d) && (d == 0 || d >= 0.05) && args[i] is not ("1" or "2"))
                    args[i] = "0.01";
        return args;
    }

    string[] Args(Random r, int n) => Enumerable.Range(0, n).Select(_ => Arg(r)).ToArray();

    static readonly string[] Integers =
    [
        "0", "1", "-1", "2", "-2", "3", "10", "100", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "18446744073709551616", "99999999999999999999999999", "4294967295",
        "4294967296", "2147483647", "2147483648", "-2147483649", "1.5", "-0.5", "-0", "+1", "0x10", "1e3", "1E308", "1e400",
        "-1e400", "nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "", " ", " 1", "1 ", "01", "00", "1_000", "\u0661",
        "\uff11", "0.0000001", "4.9e-324", "1.7976931348623157e308", "123abc", "--1", "1-",
    ];

    static readonly string[] Words =
    [
        "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "NX", "XX", "GT", "LT", "CH", "INCR", "GET", "COUNT", "MATCH", "TYPE", "LIMIT",
        "WITHSCORES", "WITHSCORE", "BYSCORE", "BYLEX", "REV", "LEFT", "RIGHT", "BEFORE", "AFTER", "BLOCK", "STREAMS", "MAXLEN",
        "MINID", "~", "=", "*", "$", ">", "+", "-", "(1", "[a", "(", "[", "OVERFLOW", "WRAP", "SAT", "FAIL", "SET", "INCRBY",
        "u8", "i64", "u63", "i65", "u0", "#1", "#-1", "STORE", "STOREDIST", "ASC", "DESC", "WITHCOORD", "WITHDIST", "WITHHASH",
        "FROMLONLAT", "FROMMEMBER", "BYRADIUS", "BYBOX", "m", "km", "ft", "AND", "OR", "XOR", "NOT", "RANK", "MAXLEN", "IDLE",
        "JUSTID", "FORCE", "RETRYCOUNT", "MKSTREAM", "ENTRIESREAD", "AGGREGATE", "SUM", "MIN", "MAX", "WEIGHTS", "FIELDS",
        "PERSIST", "FNX", "FXX", "BIT", "BYTE", "ALPHA", "BY", "NOSORT", "LEN", "IDX", "MINMATCHLEN", "WITHMATCHLEN", "REPLACE",
        "ABSTTL", "FREQ", "DB", "ASYNC", "SYNC", "NOMKSTREAM", "LASTID", "DELETED", "NOACK", "ACKED", "KEEPREF", "DELREF",
    ];

    static readonly string[] StreamIds = ["0-0", "0-1", "0", "1-", "-1-1", "18446744073709551615-18446744073709551615", "0-18446744073709551616", "1-1-1", "99999999999999999999-0", "*", "1-*"];

    static readonly string[] Patterns = ["*", "?", "[", "[a-", "\\", "[^", "**********************************************a", "[z-a]", "h:*", "*\\"];

    static readonly string[] Scripts =
    [
        "return 1", "return redis.call('get', KEYS[1])", "return redis.call('set', KEYS[1], ARGV[1])", "return {1,2,{3,'x'}}",
        "return redis.call('nosuch')", "return redis.pcall('incr', KEYS[1])", "error('x')", "return nil", "local t = {} return t[1][2]",
        "return redis.call()", "}{", "return string.rep('x', 1000)", "#!lua name=hostile\nredis.register_function('f', function() return 1 end)",
        "return redis.sha1hex('x')", "return cjson.decode('[')", "return tonumber('x') + 1",
    ];

    string Key(Random r) => r.Next(12) switch
    {
        0 => keyPrefix + RandomText(r, r.Next(1, 20)),
        1 => keyPrefix + "{t}" + r.Next(4),
        2 => "",
        3 => keyPrefix + new string('k', Pick(r, [499, 500, 501, 1024, 4096])),
        _ => keyPrefix + (char)('a' + r.Next(8)),
    };

    string Arg(Random r) => r.Next(14) switch
    {
        0 or 1 or 2 => Key(r),
        3 or 4 or 5 => Pick(r, Integers),
        6 or 7 => Pick(r, Words),
        8 => Pick(r, StreamIds),
        9 => Pick(r, Patterns),
        10 => Pick(r, Scripts),
        11 => RandomText(r, r.Next(0, 40)),
        12 => new string(Pick(r, ['x', '\u00e9', '\ud83d']), Pick(r, [1000, 65536, 200_000])),
        _ => Pick(r, ["\u0000", "\ud800", "\udc00x", "\u0000\u0001\u0002", "\r\n", "\"", "\\", "'", "%", "%00", "../", "\u202e", "\ufeff"]),
    };

    /// <summary>Text that may hold anything UTF-16 holds: control characters, lone surrogates, non-ASCII; never the reserved prefix.</summary>
    static string RandomText(Random r, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
            chars[i] = r.Next(6) switch
            {
                0 => (char)r.Next(0, 32),
                1 => (char)r.Next(0x80, 0x800),
                2 => (char)r.Next(0xD800, 0xE000),
                _ => (char)r.Next(32, 127),
            };
        var text = new string(chars);
        return text.Contains(ReservedPrefix, StringComparison.Ordinal) ? text.Replace(ReservedPrefix, "x") : text;
    }

    HostileRequest Batch(int index, Random r, string route)
    {
        var n = r.Next(8) == 0 ? 0 : 1 + r.Next(6);
        var commands = Enumerable.Range(0, n).Select(_ => Command(r)).ToList();
        byte[] body = r.Next(6) switch
        {
            0 => JsonSerializer.SerializeToUtf8Bytes(commands.SelectMany(c => c).ToArray()), // 1-D where 2-D goes
            1 => Encoding.UTF8.GetBytes("[" + string.Join(",", commands.Select(c => JsonSerializer.Serialize(c))) + "," + Pick(r, ["1", "\"x\"", "null", "{}", "[]", "[[]]", "true"]) + "]"),
            _ => JsonSerializer.SerializeToUtf8Bytes(commands),
        };
        return Json(index, route.TrimStart('/'), route, body, Token(r, 0.9), commands: Math.Max(1, n));
    }

    // ---- path style ----

    static readonly string[] PathTricks =
    [
        "..", "%2e%2e", "..%2F", "%2e%2e%2f", "%252F", "%252e%252e", "%C0%AE%C0%AE", "%C0%AF", "%E0%80%AF", "%00", "%", "%Z1", "%E2%82",
        "%F0%9F%98%80", "%FF%FE", "+", "%20", ";", ";x=1", "\\", "%5C", "%2F", ".", "%u002e", "%%32%65", "~", "%0D%0A", "%0A",
    ];

    HostileRequest Path(int index, Random r)
    {
        var command = Command(r);
        var segments = new List<string>();
        for (var i = 0; i < command.Length; i++)
        {
            var s = r.Next(4) switch
            {
                0 => Uri.EscapeDataString(command[i]),
                1 => string.Concat(Encoding.UTF8.GetBytes(command[i]).Select(b => $"%{b:X2}")),
                2 => Pick(r, PathTricks) + Uri.EscapeDataString(command[i]),
                _ => Uri.EscapeDataString(command[i]) + (r.Next(3) == 0 ? Pick(r, PathTricks) : ""),
            };
            if (s.Length > 20_000) s = s[..20_000];
            segments.Add(s);
        }
        if (segments.Count > 0 && HostRoutes.Contains(Uri.UnescapeDataString(segments[0]).ToLowerInvariant())) segments[0] = "x" + segments[0];
        var path = "/" + string.Join(Pick(r, ["/", "/", "/", "//", "/./", "%2F"]), segments);
        if (r.Next(8) == 0) path += Pick(r, ["?", "?_token=", "?x=%", "#frag", "/", "?a=1&a=2", "?_token=" + fullToken]);
        if (r.Next(10) == 0) path = Pick(r, ["/..", "/../..", "/%2e%2e/%2e%2e", "/.%2e/api", "//", "/x/../../"]) + path;
        var method = Pick(r, ["GET", "GET", "POST", "POST", "HEAD", "PUT", "get"]);
        var body = method.StartsWith('P') && r.Next(2) == 0 ? Encoding.UTF8.GetBytes(Arg(r)) : [];
        return Request(index, "path", method, path, body, Token(r, 0.9), contentType: null, serverMayAnswer: true);
    }

    // ---- broken JSON ----

    HostileRequest BrokenJson(int index, Random r)
    {
        byte[] body = r.Next(16) switch
        {
            0 => RandomBytes(r, r.Next(1, 2000)),
            1 => [.. "[\"SET\",\""u8, .. RandomBytes(r, r.Next(1, 50)), .. "\",\"v\"]"u8],
            2 => [.. "[\"SET\",\"k\",\"\\u00e9"u8, (byte)Pick(r, [0xFF, 0xC0, 0xED, 0xF8, 0x80]), (byte)Pick(r, [0xAF, 0xA0, 0x80, 0x00]), .. "\"]"u8],
            3 => Encoding.UTF8.GetBytes(new string('[', r.Next(5, 200)) + "\"PING\"" + new string(']', r.Next(0, 200))),
            4 => Encoding.UTF8.GetBytes(Pick(r, ["[", "]", "[[", "[]]", "{}", "[{}]", "[\"GET\",]", "[,]", "['GET']", "[\"GET\" \"k\"]", "[\"GET\"\u0000]", "\ufeff[\"PING\"]", "[\"PING\"]\u0000", "[\"PING\"] //c", "/*c*/[\"PING\"]", "[\"PING\",\"\\x41\"]", "[\"PING\",\"\\u12\"]", "[\"PING\",\"\\ud800\"]", "[\"ECHO\",\"\\udc00\\ud800\"]", "[\"ECHO\",\"a\nb\"]", "[\"ECHO\",\"\t\"]"])),
            5 => JsonArray(r, ["SET", Key(r)], Pick(r, ["{}", "{\"a\":1}", "true", "false", "null", "[]", "[1]", "[\"v\"]", "{\"__proto__\":1}"])),
            6 => JsonArray(r, [Pick(r, ["ECHO", "SET", "GET", "HSET", "ZADD"])], Pick(r, ["true", "false", "1.0", "-0", "1e999", "-1E-999", "0.1e1", "123456789012345678901234567890"])),
            7 => Encoding.UTF8.GetBytes("{\"cmd\":" + JsonSerializer.Serialize(Command(r)) + "}"),
            8 => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(string.Join(' ', Command(r)))),
            9 => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Command(r))[..^1]), // cut short
            10 => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Command(r)) + Pick(r, [" ", "\n", "[]", "x", ",", "]"])),
            11 => Encoding.Unicode.GetBytes(JsonSerializer.Serialize(Command(r))), // UTF-16
            12 => [0xEF, 0xBB, 0xBF, .. JsonSerializer.SerializeToUtf8Bytes(Command(r))],
            13 => [],
            14 => Encoding.UTF8.GetBytes(Pick(r, ["\"\"", "0", "null", "true", "[null]", "[[\"PING\"]]", "[\"PING\",[\"x\"]]"])),
            _ => Deep(r),
        };
        return Json(index, "json", Pick(r, ["", "", "", "/pipeline", "/multi-exec"]), body, Token(r, 0.95));
    }

    static byte[] Deep(Random r)
    {
        var depth = Pick(r, [5, 65, 1000, 100_000]);
        return Encoding.ASCII.GetBytes(new string('[', depth) + "\"PING\"" + new string(']', depth));
    }

    static byte[] JsonArray(Random r, string[] strings, string raw) =>
        Encoding.UTF8.GetBytes("[" + string.Join(",", strings.Select(s => JsonSerializer.Serialize(s))) + "," + raw + "]");

    static byte[] RandomBytes(Random r, int n)
    {
        var bytes = new byte[n];
        r.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Commands whose arguments are JSON numbers written every way JSON allows (and a few it does not).</summary>
    HostileRequest Numbers(int index, Random r)
    {
        string[] numeric = ["0", "-0", "1", "-1", "1.5", "-1.5", "1e3", "1E+3", "1e-3", "1e400", "-1e400", "9223372036854775807", "9223372036854775808",
            "-9223372036854775809", "18446744073709551616", "1.7976931348623157e308", "5e-324", "0.1e1", "123456789012345678901234567890", "00", "01", ".5", "+1", "NaN", "Infinity", "0x10", "1.", "-"];
        var command = Command(r);
        var parts = command.Select((a, i) => i > 0 && r.Next(2) == 0 ? Pick(r, numeric) : JsonSerializer.Serialize(a));
        return Json(index, "numbers", "", Encoding.UTF8.GetBytes("[" + string.Join(",", parts) + "]"), Token(r, 0.95));
    }

    /// <summary>Wide JSON: arrays of tens of thousands of elements, around the argument and command limits.</summary>
    HostileRequest Wide(int index, Random r)
    {
        var n = Pick(r, [1001, 10_000, 100_000, 100_001]);
        var sb = new StringBuilder();
        string route;
        int commands = 1;
        switch (r.Next(4))
        {
            case 0:
                route = "";
                sb.Append("[\"").Append(Pick(r, ["ECHO", "DEL", "MGET", "EXISTS", "SADD", "HSET", "RPUSH", "ZADD", "PFADD"])).Append("\",\"").Append(keyPrefix).Append("wide");
                for (var i = 0; i < n - 1; i++) sb.Append("\",\"").Append(i % 10);
                sb.Append("\"]");
                break;
            case 1:
                route = "";
                sb.Append("[\"EXISTS\"");
                for (var i = 0; i < n; i++) sb.Append(',').Append(Pick(r, ["1", "true", "null", "{}", "1e9"]));
                sb.Append(']');
                break;
            default:
                route = Pick(r, ["/pipeline", "/multi-exec"]);
                n = Pick(r, [1000, 1001, 5000]);
                commands = n;
                sb.Append('[');
                for (var i = 0; i < n; i++) sb.Append(i > 0 ? "," : "").Append(Pick(r, ["[\"PING\"]", "[\"GET\"]", "[\"EXISTS\",\"" + keyPrefix + "a\"]", "[]", "[\"NOSUCH\",1]"]));
                sb.Append(']');
                break;
        }
        var body = Encoding.UTF8.GetBytes(sb.ToString());
        if (body.Length > maxBodyBytes) body = body[..maxBodyBytes];
        return Json(index, "wide", route, body, fullToken, commands);
    }

    /// <summary>Keys and values at and over the body limit (1 MiB in the test's own store).</summary>
    HostileRequest Size(int index, Random r)
    {
        var over = r.Next(2) == 0;
        var target = maxBodyBytes + (over ? Pick(r, [1, 100, 4096]) : 0);
        var frame = JsonSerializer.Serialize(new[] { "SET", keyPrefix + "big", "" });
        var fill = new string('v', target - Encoding.UTF8.GetByteCount(frame));
        var keyed = r.Next(3) == 0;
        var body = keyed
            ? JsonSerializer.Serialize(new[] { "SET", keyPrefix + fill, "" })
            : JsonSerializer.Serialize(new[] { "SET", keyPrefix + "big", fill });
        return Json(index, over ? "size-over" : "size-at", "", Encoding.UTF8.GetBytes(body), fullToken);
    }

    // ---- HTTP level ----

    HostileRequest HttpLevel(int index, Random r)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(Command(r));
        switch (r.Next(8))
        {
            case 0:
                return Request(index, "method", Pick(r, ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "FOO", "post", "G\u00c9T"]),
                    "", body, fullToken, "application/json", serverMayAnswer: true);
            case 1:
                return Request(index, "content-type", "POST", Pick(r, ["", "/pipeline"]), body, fullToken,
                    Pick(r, ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/octet-stream", "", ";;;", "application/json; charset=\u00ff"]), serverMayAnswer: true); // Kestrel refuses a header byte that is not ASCII
            case 2:
                return Request(index, "big-header", "POST", "", body, fullToken, "application/json", serverMayAnswer: true,
                    extra: $"X-Big: {new string('h', Pick(r, [8_000, 33_000, 70_000]))}\r\n");
            case 3:
                return Request(index, "many-headers", "POST", "", body, fullToken, "application/json", serverMayAnswer: true,
                    extra: string.Concat(Enumerable.Range(0, Pick(r, [50, 101, 500])).Select(i => $"X-H{i}: {i}\r\n")));
            case 4:
                return Request(index, "odd-headers", "POST", "", body, fullToken, "application/json", serverMayAnswer: true,
                    extra: Pick(r, ["Upstash-Encoding: base64\r\n", "Upstash-Encoding: \u00ff\r\n", "upstash-sync-token: -1\r\n", "upstash-sync-token: 99999999999999999999\r\n",
                        "upstash-sync-token: 9223372036854775807\r\n", "Expect: 100-continue\r\n", "Content-Encoding: gzip\r\n", "Accept: text/event-stream\r\n",
                        "X-Forwarded-For: ' or 1=1\r\n", "Host: evil\r\n", "Transfer-Encoding: identity\r\n", "Header-Without-Colon\r\n", " folded: line\r\n"]));
            case 5:
                return Request(index, "restore", "POST", "/restore" + Pick(r, ["", "?mode=merge", "?mode=x", "?snapshot=nosuch", "?snapshot=../../x"]),
                    Pick(r, [RandomBytes(r, r.Next(0, 200)), [.. "REDIS0009"u8, .. RandomBytes(r, r.Next(0, 100))], "REDIS"u8.ToArray()]), Token(r, 0.7), "application/octet-stream", serverMayAnswer: false);
            case 6:
                return Request(index, "host-routes", Pick(r, ["GET", "POST"]), Pick(r, ["/snapshots/..%2F..%2Fetc%2Fpasswd", "/snapshots/%00", "/snapshots/latest%2F..", "/stats", "/stats/x", "/negotiate", "/subscribe-token", "/unsubscribe", "/console", "/snapshots/" + new string('x', 2000)]),
                    r.Next(2) == 0 ? [] : RandomBytes(r, r.Next(1, 100)), Token(r, 0.7), "application/json", serverMayAnswer: true);
            default:
                return Request(index, "upstash-headers", "POST", "", body, Token(r, 0.9), "application/json", serverMayAnswer: false,
                    extra: "Upstash-Encoding: base64\r\nUpstash-Telemetry-Sdk: hostile\r\n");
        }
    }

    HostileRequest Tokens(int index, Random r)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(Command(r));
        var header = r.Next(16) switch
        {
            0 => "",
            1 => "Authorization: Bearer\r\n",
            2 => "Authorization: Bearer \r\n",
            3 => $"Authorization: bearer {fullToken}\r\n",
            4 => $"Authorization: Bearer  {fullToken} \r\n",
            5 => $"Authorization: Basic {fullToken}\r\n",
            6 => $"Authorization: {fullToken}\r\n",
            7 => $"Authorization: Bearer {fullToken}x\r\n",
            8 => $"Authorization: Bearer {fullToken[..^1]}\r\n",
            9 => $"Authorization: Bearer {new string('t', 20_000)}\r\n",
            10 => $"Authorization: Bearer {fullToken}\r\nAuthorization: Bearer wrong\r\n",
            11 => $"Authorization: Bearer {readOnlyToken}\r\n",
            12 => "Authorization: Bearer \u00e9\u00e9\u00e9\r\n",
            13 => $"Authorization: Bearer {fullToken.ToUpperInvariant()}\r\n",
            14 => $"Authorization: Bearer {fullToken}\u0000\r\n",
            _ => $"Authorization: Bearer {readOnlyToken}{fullToken}\r\n",
        };
        var query = r.Next(4) == 0 ? Pick(r, ["?_token=", "?_token=" + fullToken + "x", "?_token=%00", "?_token=" + readOnlyToken, "?_token=a&_token=b"]) : "";
        return Request(index, "tokens", "POST", query, body, token: null, "application/json", serverMayAnswer: true, extra: header);
    }

    HostileRequest RawFraming(int index, Random r)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(Command(r));
        var auth = $"Authorization: Bearer {fullToken}\r\n";
        string head = r.Next(10) switch
        {
            0 => $"POST /api HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Length: {body.Length - Math.Min(body.Length, 3)}\r\n\r\n",
            1 => $"POST /api HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Length: {Pick(r, ["abc", "-1", "1e3", "99999999999999999999", " ", "0x10"])}\r\n\r\n",
            2 => $"POST /api HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Transfer-Encoding: chunked\r\n\r\n{Pick(r, ["zz", "-1", "ffffffffffffffff", "1;ext=\"x\""])}\r\n",
            3 => $"POST /api HTTP/1.0\r\n{auth}Content-Length: {body.Length}\r\n\r\n",
            4 => $"POST /api HTTP/2.0\r\nHost: x\r\n{auth}Content-Length: {body.Length}\r\n\r\n",
            5 => $"POST /api\r\nHost: x\r\n{auth}Content-Length: {body.Length}\r\n\r\n",
            6 => $"POST  /api  HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Length: {body.Length}\r\n\r\n",
            7 => $"POST http://127.0.0.1/api HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Length: {body.Length}\r\n\r\n",
            8 => $"POST /api\u0000/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Length: {body.Length}\r\n\r\n",
            _ => $"POST /api HTTP/1.1\nHost: x\nConnection: close\n{auth.Replace("\r\n", "\n")}Content-Length: {body.Length}\n\n",
        };
        return new HostileRequest(index, "raw", Encoding.Latin1.GetBytes(head), body, ServerMayAnswer: true);
    }

    /// <summary>A body sent in small chunks with pauses (bounded: at most 8 chunks of 40 ms).</summary>
    HostileRequest Slow(int index, Random r)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(Command(r));
        var request = Json(index, "slow", Pick(r, ["", "/pipeline"]), body, fullToken);
        return request with { SlowChunks = 2 + r.Next(7) };
    }

    // ---- building requests ----

    string? Token(Random r, double right) => r.NextDouble() < right ? (r.Next(5) == 0 ? readOnlyToken : fullToken) : Pick<string?>(r, [null, "", "wrong", fullToken + " "]);

    HostileRequest Json(int index, string family, string route, byte[] body, string? token, int commands = 1) =>
        Request(index, family, "POST", route, body, token, "application/json", serverMayAnswer: false, commands: commands);

    static HostileRequest Request(int index, string family, string method, string path, byte[] body, string? token, string? contentType,
        bool serverMayAnswer, string extra = "", int commands = 1)
    {
        var head = new StringBuilder();
        head.Append(method).Append(" /api").Append(path).Append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if (token is not null) head.Append("Authorization: Bearer ").Append(token).Append("\r\n");
        if (contentType is { Length: > 0 }) head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        head.Append(extra);
        if (body.Length > 0 || method is "POST" or "PUT") head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        head.Append("\r\n");
        // Latin-1 keeps every char below 256 a single byte; the rest go as UTF-8 (request lines with raw non-ASCII).
        var text = head.ToString();
        var bytes = text.All(c => c < 256) ? Encoding.Latin1.GetBytes(text) : Encoding.UTF8.GetBytes(text);
        return new HostileRequest(index, family, bytes, body, serverMayAnswer, commands);
    }

    static T Pick<T>(Random r, T[] items) => items[r.Next(items.Length)];
}
