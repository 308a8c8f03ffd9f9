using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Serverless.Store.Api;
using Serverless.Store.Tests.Api;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// Malformed requests over real HTTP: the router's table (with the host's configured limits) plus
/// what only a real server sees (broken framing, oversized bodies, URLs and headers, raw
/// percent-encoding, methods, tokens). Each must get its status and error, and the keyspace
/// (KEYS *, DBSIZE and every value) must be the same after all of them: a malformed request could
/// write any key, so this judges the whole keyspace, of a store of its own (<see cref="OwnStoreHost"/>).
/// In the store-host collection only so that it runs one after the other HTTP tests, not beside them.
/// </summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)]
public sealed class BadRequestHttpTests(OwnStoreHost store, ITestOutputHelper output) : IClassFixture<OwnStoreHost>
{
    const string Full = StoreHost.FullToken;
    const string ReadOnly = StoreHost.ReadOnlyToken;

    /// <summary>A case sent as raw bytes on its own connection; status 0 = the server must not answer before the deadline.</summary>
    sealed record RawCase(string Name, byte[] Request, int Status, string Fragment, TimeSpan? Wait = null);

    static IEnumerable<BadRequestCase> StoreCases()
    {
        return
        [
            // Commands refused by the store (not the router): Redis errors.
            new("POST", "", """["INCR","existing-string"]""", Full, 400, "ERR value is not an integer or out of range"),
            new("POST", "", """["LPUSH","existing-string","x"]""", Full, 400, "WRONGTYPE"),
            new("POST", "", """["HSET","existing-string","f","v"]""", Full, 400, "WRONGTYPE"),
            new("POST", "", """["ZADD","existing-hash","1","m"]""", Full, 400, "WRONGTYPE"),
            new("POST", "", """["HINCRBY","existing-hash","f","x"]""", Full, 400, "ERR value is not an integer or out of range"),
            new("POST", "", """["INCRBYFLOAT","existing-number","inf"]""", Full, 400, "ERR increment would produce NaN or Infinity"),
            new("POST", "", """["RENAME","no-such-key","other"]""", Full, 400, "ERR no such key"),
            new("POST", "", """["LSET","existing-list",99,"x"]""", Full, 400, "ERR index out of range"),
            new("POST", "", """["SET","k","v","PX",-5]""", Full, 400, "ERR invalid expire time in 'set' command"),
            new("POST", "", """["EXPIRE","existing-string","x"]""", Full, 400, "ERR value is not an integer or out of range"),
            new("POST", "", """["SETRANGE","k",-1,"v"]""", Full, 400, "ERR offset is out of range"),
            // A read-only token: writes refused, inside a pipeline answered in place (200), transactions refused whole.
            new("POST", "/pipeline", """[["GET","existing-string"],["SET","existing-string","changed"],["DEL","existing-list"]]""", ReadOnly, 200, "NOPERM"),
            new("POST", "/multi-exec", """[["INCR","existing-string"]]""", ReadOnly, 403, "NOPERM"),
            new("POST", "", """["MSET","existing-string","x","k","v"]""", ReadOnly, 403, "NOPERM"),
            new("POST", "", """["INCR","existing-string"]""", ReadOnly, 403, "NOPERM"),
            new("GET", "/flushall", null, ReadOnly, 403, "NOPERM"),
            new("GET", "/del/existing-hash", null, ReadOnly, 403, "NOPERM"),
            // Percent-encoded path segments are decoded to bytes: each of these is a bad command.
            new("GET", "/%73%65%74/k", null, Full, 400, "ERR wrong number of arguments for 'set' command"),
            new("GET", "/no%20such/k", null, Full, 400, "ERR unknown command 'no such'"),
            new("GET", "/%2e%2e/set/k/v", null, Full, 404, ""), // Kestrel decodes dot segments when routing: this leaves /api
            new("GET", "/x/%2e%2e/set/k/v", null, Full, 400, "ERR unknown command 'x'"), // routes to /api; the command keeps the raw segments
            new("GET", "/set%2Fk%2Fv", null, Full, 400, "ERR unknown command 'set/k/v'"),
            new("GET", "/get/a%2Fb/extra", null, Full, 400, "ERR wrong number of arguments for 'get' command"),
            new("GET", "/incrby/k/1%2E5", null, Full, 400, "ERR value is not an integer or out of range"),
            new("GET", "/set/k%zz", null, Full, 400, "ERR wrong number of arguments for 'set' command"),
            new("GET", "/%00", null, Full, 400, ""), // Kestrel refuses a NUL in the path
            new("GET", "/lpush/existing-string/%FF%FE", null, Full, 400, "WRONGTYPE"),
            new("GET", "/%53ET/%FF/v", null, ReadOnly, 403, "NOPERM"),
            new("GET", "/multi", null, Full, 400, "/multi-exec"),
            new("GET", "/Pipeline/x", null, Full, 400, "ERR unknown command 'Pipeline'"),
            // Tokens.
            new("GET", "/get/existing-string?_token=wrong", null, null, 401, "unauthorized"),
            new("POST", "/pipeline", """[["SET","k","v"]]""", null, 401, "unauthorized"),
            new("POST", "/multi-exec", """[["SET","k","v"]]""", "wrong", 401, "unauthorized"),
            new("POST", "", """["SET","k","v"]""", Full + "x", 401, "unauthorized"),
            new("POST", "", """["SET","k","v"]""", ReadOnly[..^1], 401, "unauthorized"),
        ];
    }

    static IEnumerable<RawCase> RawCases()
    {
        static byte[] Http(string head, string body = "") => Encoding.UTF8.GetBytes(head.Replace("\n", "\r\n") + "\r\n" + body);
        var auth = $"Authorization: Bearer {Full}\nHost: 127.0.0.1\nConnection: close\n";
        var set = """["SET","k","v"]""";
        var huge = "[\"SET\",\"k\",\"" + new string('x', OwnStoreHost.Limits.MaxBodyBytes + 10) + "\"]";
        var hugeChunked = new StringBuilder();
        for (var i = 0; i < 20; i++) hugeChunked.Append($"{64 * 1024:x}\r\n").Append('x', 64 * 1024).Append("\r\n");
        hugeChunked.Append("0\r\n\r\n");
        return
        [
            new("Content-Length longer than the body (client stalls)", Http($"POST /api HTTP/1.1\n{auth}Content-Length: 100\n", set), 408, "", TimeSpan.FromSeconds(20)),
            new("Content-Length shorter than the body", Http($"POST /api HTTP/1.1\n{auth}Content-Length: 5\n", set), 400, "not valid JSON"),
            new("Content-Length not a number", Http($"POST /api HTTP/1.1\n{auth}Content-Length: abc\n", set), 400, ""),
            new("Content-Length negative", Http($"POST /api HTTP/1.1\n{auth}Content-Length: -1\n", set), 400, ""),
            new("two different Content-Lengths", Http($"POST /api HTTP/1.1\n{auth}Content-Length: 15\nContent-Length: 16\n", set), 400, ""),
            new("Content-Length and chunked together, body not chunked", Http($"POST /api HTTP/1.1\n{auth}Content-Length: 15\nTransfer-Encoding: chunked\n", set), 400, ""),
            new("broken chunk size", Http($"POST /api HTTP/1.1\n{auth}Transfer-Encoding: chunked\n", "zz\r\n" + set + "\r\n0\r\n\r\n"), 400, "could not be read"),
            new("chunk longer than declared", Http($"POST /api HTTP/1.1\n{auth}Transfer-Encoding: chunked\n", "3\r\n" + set + "\r\n0\r\n\r\n"), 400, "could not be read"),
            // Found by the hostile corpus (HostileInputTests): a chunk size past 2^31 overflowed in the server's
            // parser and the request got a 500 with no body; broken chunks got an empty 400 and a logged stack trace.
            new("chunk size past 2^63", Http($"POST /api HTTP/1.1\n{auth}Transfer-Encoding: chunked\n", "ffffffffffffffff\r\n" + set + "\r\n0\r\n\r\n"), 400, "could not be read"),
            new("chunk size past 2^31", Http($"POST /api HTTP/1.1\n{auth}Transfer-Encoding: chunked\n", "80000000\r\n" + set + "\r\n0\r\n\r\n"), 400, "could not be read"),
            new("body over 1 MiB with Content-Length", Http($"POST /api HTTP/1.1\n{auth}Content-Length: {Encoding.UTF8.GetByteCount(huge)}\n", huge), 413, "byte limit"),
            new("body over 1 MiB chunked", Http($"POST /api HTTP/1.1\n{auth}Transfer-Encoding: chunked\n", hugeChunked.ToString()), 413, "byte limit"),
            new("pipeline body over 1 MiB", Http($"POST /api/pipeline HTTP/1.1\n{auth}Content-Length: {Encoding.UTF8.GetByteCount(huge)}\n", huge), 413, "byte limit"),
            new("HEAD", Http($"HEAD /api HTTP/1.1\n{auth}"), 405, ""),
            new("OPTIONS with a body is not a command", Http($"OPTIONS /api HTTP/1.1\n{auth}Content-Length: 15\n", set), 204, ""),
            new("TRACE", Http($"TRACE /api HTTP/1.1\n{auth}"), 405, "not allowed"),
            new("unknown method", Http($"FOO /api HTTP/1.1\n{auth}Content-Length: 15\n", set), 405, "not allowed"),
            new("URL over the host's request-line limit (1 MiB)", Http($"GET /api/set/k/{new string('v', (1 << 20) + 10)} HTTP/1.1\n{auth}"), 414, ""),
            new("headers over Kestrel's limit", Http($"POST /api HTTP/1.1\n{auth}X-Big: {new string('h', 40_000)}\nContent-Length: 15\n", set), 431, ""),
            new("dot segments leave /api", Http($"GET /api/../set/k/v HTTP/1.1\n{auth}"), 404, ""),
            new("not HTTP at all", Encoding.ASCII.GetBytes("SET k v\r\n\r\n"), 400, ""),
            new("HTTP/1.1 without Host", Http($"POST /api HTTP/1.1\nAuthorization: Bearer {Full}\nConnection: close\nContent-Length: 15\n", set), 400, ""),
            new("Basic instead of Bearer", Http($"POST /api HTTP/1.1\nAuthorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes(":" + Full))}\nHost: x\nConnection: close\nContent-Length: 15\n", set), 401, "unauthorized"),
            // Unescaped bytes that are not UTF-8 pass through as raw bytes (binary-safe); these fail for other reasons.
            new("body not UTF-8, wrong arity", [.. Http($"POST /api HTTP/1.1\n{auth}Content-Length: 19\n"), .. "[\"GET\",\""u8.ToArray(), 0xFF, .. "\",\"extra\"]"u8.ToArray()], 400, "ERR wrong number of arguments for 'get' command"),
            new("escaped string with bytes that are not UTF-8", [.. Http($"POST /api HTTP/1.1\n{auth}Content-Length: 17\n"), .. "[\"SET\",\"k\",\"\\n"u8.ToArray(), 0xFF, (byte)'"', (byte)']'], 400, "not valid"),
        ];
    }

    [Fact]
    public async Task Malformed_requests_get_their_status_and_error_and_change_nothing()
    {
        await store.ResultAsync("SET", "existing-string", "abc");
        await store.ResultAsync("SET", "existing-number", "1");
        await store.ResultAsync("HSET", "existing-hash", "f", "v");
        await store.ResultAsync("RPUSH", "existing-list", "a", "b");
        var before = await SnapshotAsync();
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        var count = 0;

        foreach (var c in BadRequestCases.For(OwnStoreHost.Limits, Full, ReadOnly).Concat(StoreCases()))
        {
            count++;
            var (status, body) = await SendAsync(c);
            var problem = Check(status, body, c.Status, c.Fragment);
            if (problem is not null) failures.Add($"{c}: {problem}");
        }
        foreach (var c in RawCases())
        {
            count++;
            var (status, body) = await RawAsync(c.Request, c.Wait ?? TimeSpan.FromSeconds(10));
            var problem = Check(status, body, c.Status, c.Fragment);
            if (problem is not null) failures.Add($"{c.Name}: {problem}");
        }

        var after = await SnapshotAsync();
        output.WriteLine($"{count} malformed requests in {clock.Elapsed.TotalSeconds:F1} s; keyspace {before.Keys.Count} keys");
        Assert.True(count >= 100, $"only {count} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases failed:\n{string.Join('\n', failures)}");
        before.AssertUnchanged(after, clock.Elapsed);
    }

    static string? Check(int status, string body, int expectedStatus, string fragment)
    {
        if (status != expectedStatus) return $"status {status}, expected {expectedStatus}; body {Trim(body)}";
        if (fragment.Length == 0) return null;
        string text;
        try
        {
            var json = JsonDocument.Parse(body).RootElement;
            // Top-level errors carry "error"; a pipeline answers 200 with the errors in place.
            text = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var e) ? e.GetString()! : json.GetRawText();
        }
        catch (JsonException)
        {
            return $"body is not JSON: {Trim(body)}";
        }
        return text.Contains(fragment, StringComparison.OrdinalIgnoreCase) ? null : $"error '{Trim(text)}' lacks '{fragment}'";
    }

    static string Trim(string s) => s.Length > 300 ? s[..300] + "..." : s;

    async Task<(int, string)> SendAsync(BadRequestCase c)
    {
        var path = c.Path.Length == 0 || c.Path == "/" ? "" : "/" + c.Path.TrimStart('/');
        // Keep percent-encoding exactly as written: Uri would otherwise unescape some of it.
        var uri = new Uri(store.BaseUrl.TrimEnd('/') + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), uri);
        if (c.Body is not null) request.Content = new StringContent(c.Body, Encoding.UTF8, "application/json");
        if (c.Token is not null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + c.Token);
        return await store.SendRequestAsync(request, token: null);
    }

    /// <summary>Sends bytes on a fresh connection and reads one HTTP response (status 0 if none came).</summary>
    async Task<(int Status, string Body)> RawAsync(byte[] request, TimeSpan wait)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", store.Port);
        var stream = tcp.GetStream();
        using var cts = new CancellationTokenSource(wait);
        try
        {
            await stream.WriteAsync(request, cts.Token);
        }
        catch (IOException)
        {
            // The server may answer and close before reading everything (413, 431): read what it sent.
        }
        var received = new MemoryStream();
        var buffer = new byte[65536];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, cts.Token)) > 0)
            {
                received.Write(buffer, 0, n);
                if (Complete(received.ToArray())) break;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException) { }
        return Parse(received.ToArray());
    }

    /// <summary>One response is complete at the end of its headers plus Content-Length bytes or the last chunk.</summary>
    static bool Complete(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var head = text[..end];
        var body = text[(end + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)) return body.Contains("0\r\n\r\n");
        var length = head.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        // Without either, the response ends when the server closes the connection (every case sends Connection: close).
        return length is not null && body.Length >= int.Parse(length[15..].Trim());
    }

    static (int, string) Parse(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        if (!text.StartsWith("HTTP/1.1 ")) return (0, text);
        var status = int.Parse(text[9..12]);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return (status, "");
        var head = text[..end];
        var body = text[(end + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            var sb = new StringBuilder();
            while (true)
            {
                var line = body.IndexOf("\r\n", StringComparison.Ordinal);
                if (line < 0) break;
                var size = Convert.ToInt32(body[..line], 16);
                if (size == 0) break;
                sb.Append(body.AsSpan(line + 2, size));
                body = body[(line + 2 + size + 2)..];
            }
            body = sb.ToString();
        }
        return (status, body);
    }

    /// <summary>KEYS *, DBSIZE and every key's type, value and whether it has a TTL, read over HTTP with base64 replies.</summary>
    async Task<Snapshot> SnapshotAsync()
    {
        var keysReply = JsonDocument.Parse((await store.SendAsync(["KEYS", "*"], base64: true)).Body).RootElement.GetProperty("result");
        var keys = keysReply.EnumerateArray().Select(k => Convert.FromBase64String(k.GetString()!)).ToList();
        var dbsize = (await store.ResultAsync("DBSIZE")).GetInt64();
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var ttls = new Dictionary<string, long>();
        var named = keys.Where(k => IsUtf8(k)).Select(k => Encoding.UTF8.GetString(k)).ToList();
        foreach (var k in keys.Where(k => !IsUtf8(k))) values[Convert.ToBase64String(k)] = "(binary key)";
        foreach (var chunk in named.Chunk(250))
        {
            var types = await PipelineAsync(chunk.Select(k => new[] { "TYPE", k }));
            var reads = await PipelineAsync(chunk.Select((k, i) => ReadCommand(k, Encoding.UTF8.GetString(Convert.FromBase64String(types[i].GetProperty("result").GetString()!)))));
            var pttls = await PipelineAsync(chunk.Select(k => new[] { "PTTL", k }));
            for (var i = 0; i < chunk.Length; i++)
            {
                values[chunk[i]] = Canonical(reads[i]);
                ttls[chunk[i]] = pttls[i].GetProperty("result").GetInt64();
            }
        }
        return new Snapshot(dbsize, values, ttls);
    }

    async Task<JsonElement[]> PipelineAsync(IEnumerable<string[]> commands)
    {
        var (status, body) = await store.PostAsync("/pipeline", JsonSerializer.Serialize(commands), base64: true);
        Assert.True(status == 200, $"snapshot pipeline -> {status} {body}");
        return JsonDocument.Parse(body).RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    static string[] ReadCommand(string key, string type) => type switch
    {
        "string" => ["GET", key],
        "hash" => ["HGETALL", key],
        "list" => ["LRANGE", key, "0", "-1"],
        "set" => ["SMEMBERS", key],
        "zset" => ["ZRANGE", key, "0", "-1", "WITHSCORES"],
        _ => ["TYPE", key],
    };

    /// <summary>Unordered replies (HGETALL pairs, SMEMBERS) sorted so that equal contents compare equal.</summary>
    static string Canonical(JsonElement reply)
    {
        if (!reply.TryGetProperty("result", out var r) || r.ValueKind != JsonValueKind.Array) return reply.GetRawText();
        var items = r.EnumerateArray().Select(e => e.GetRawText()).ToList();
        return string.Join(",", items.Order(StringComparer.Ordinal)) + $" ({items.Count})";
    }

    static bool IsUtf8(byte[] bytes)
    {
        try
        {
            new UTF8Encoding(false, true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    sealed record Snapshot(long DbSize, SortedDictionary<string, string> Keys, Dictionary<string, long> Ttls)
    {
        /// <summary>The same keys, values and TTLs (nothing here expires: the store is this test's own).</summary>
        public void AssertUnchanged(Snapshot after, TimeSpan elapsed)
        {
            var lost = Keys.Keys.Except(after.Keys.Keys).ToList();
            var added = after.Keys.Keys.Except(Keys.Keys).ToList();
            var changed = Keys.Keys.Intersect(after.Keys.Keys).Where(k => Keys[k] != after.Keys[k]).Select(k => $"{k}: {Keys[k]} -> {after.Keys[k]}").ToList();
            Assert.True(lost.Count == 0 && added.Count == 0 && changed.Count == 0,
                $"keyspace changed in {elapsed.TotalSeconds:F0} s: added [{string.Join(", ", added)}], lost [{string.Join(", ", lost)}], changed:\n{string.Join('\n', changed)}");
            Assert.Equal(Ttls, after.Ttls);
            Assert.Equal(DbSize, after.DbSize);
            Assert.Equal(Keys.Count, DbSize);
        }
    }
}
