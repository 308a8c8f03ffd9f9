using System.Text;
using System.Text.Json;
using Serverless.Store.Api;

namespace Serverless.Store.Tests.Api;

/// <summary>The REST protocol over the in-memory store: shapes, statuses, auth, encodings.</summary>
public sealed class RestRouterTests
{
    const string Full = "full-secret";
    const string ReadOnly = "read-secret";

    static readonly RestLimits Limits = new(MaxBodyBytes: 4096, MaxCommands: 10, MaxArguments: 20);

    readonly MemoryStore store = new();
    readonly RestRouter router;

    public RestRouterTests() => router = new RestRouter(store, new AccessPolicy(Full, ReadOnly), Limits);

    internal static RestRequest Request(string method, string path, string? body = null, string? token = Full,
        Dictionary<string, string>? headers = null, Dictionary<string, string>? query = null)
    {
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (token is not null) all["Authorization"] = "Bearer " + token;
        foreach (var (k, v) in headers ?? []) all[k] = v;
        return new RestRequest(method, path, query ?? [], h => all.GetValueOrDefault(h), Encoding.UTF8.GetBytes(body ?? ""));
    }

    async Task<(int Status, JsonElement Json)> Send(RestRequest request)
    {
        var response = await router.HandleAsync(request);
        var json = response.Body.Length == 0 ? default : JsonDocument.Parse(response.Body).RootElement.Clone();
        return (response.Status, json);
    }

    [Fact]
    public async Task Json_array_command_returns_result()
    {
        var (status, json) = await Send(Request("POST", "", """["SET","k","v","EX",100]"""));
        Assert.Equal(200, status);
        Assert.Equal("OK", json.GetProperty("result").GetString());
        (status, json) = await Send(Request("POST", "/", """["get","k"]"""));
        Assert.Equal("v", json.GetProperty("result").GetString());
        (_, json) = await Send(Request("POST", "", """["TTL","k"]"""));
        Assert.InRange(json.GetProperty("result").GetInt64(), 99, 100);
    }

    [Fact]
    public async Task Path_style_commands_decode_segments_and_take_the_body_as_last_argument()
    {
        await Send(Request("GET", "/set/user%3A1/hello%20world"));
        var (_, json) = await Send(Request("GET", "/get/user:1"));
        Assert.Equal("hello world", json.GetProperty("result").GetString());
        await Send(Request("POST", "/set/k2", "body value"));
        (_, json) = await Send(Request("GET", "get/k2"));
        Assert.Equal("body value", json.GetProperty("result").GetString());
    }

    [Fact]
    public async Task Replies_map_to_json_types()
    {
        await Send(Request("POST", "", """["RPUSH","l","a","b"]"""));
        var (_, json) = await Send(Request("POST", "", """["LRANGE","l",0,-1]"""));
        Assert.Equal("""["a","b"]""", json.GetProperty("result").GetRawText());
        (_, json) = await Send(Request("POST", "", """["GET","missing"]"""));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("result").ValueKind);
        (_, json) = await Send(Request("POST", "", """["INCRBY","n",5]"""));
        Assert.Equal(5, json.GetProperty("result").GetInt64());
    }

    [Fact]
    public async Task Redis_errors_are_400_with_redis_text()
    {
        await Send(Request("POST", "", """["SET","s","x"]"""));
        var (status, json) = await Send(Request("POST", "", """["LPUSH","s","x"]"""));
        Assert.Equal(400, status);
        Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Base64_encoding_encodes_every_string_but_OK()
    {
        var headers = new Dictionary<string, string> { ["Upstash-Encoding"] = "base64" };
        var (_, json) = await Send(Request("POST", "", """["SET","k","hello"]""", headers: headers));
        Assert.Equal("OK", json.GetProperty("result").GetString());
        (_, json) = await Send(Request("POST", "", """["GET","k"]""", headers: headers));
        Assert.Equal(Convert.ToBase64String("hello"u8), json.GetProperty("result").GetString());
        (_, json) = await Send(Request("POST", "", """["PING"]""", headers: headers));
        Assert.Equal(Convert.ToBase64String("PONG"u8), json.GetProperty("result").GetString());
    }

    [Fact]
    public async Task Pipeline_runs_in_order_and_errors_stay_in_place()
    {
        var (status, json) = await Send(Request("POST", "/pipeline", """[["SET","a","1"],["INCR","a"],["LPUSH","a","x"],["GET","a"]]"""));
        Assert.Equal(200, status);
        Assert.Equal("""[{"result":"OK"},{"result":2},{"error":"WRONGTYPE Operation against a key holding the wrong kind of value"},{"result":"2"}]""", json.GetRawText());
    }

    [Fact]
    public async Task Multi_exec_is_all_or_nothing_on_queue_errors_and_per_command_on_runtime_errors()
    {
        var (status, json) = await Send(Request("POST", "/multi-exec", """[["SET","a","1"],["INCR","a"],["LPUSH","a","x"]]"""));
        Assert.Equal(200, status);
        Assert.Equal("""[{"result":"OK"},{"result":2},{"error":"WRONGTYPE Operation against a key holding the wrong kind of value"}]""", json.GetRawText());

        (status, json) = await Send(Request("POST", "/multi-exec", """[["SET","b","1"],["NOSUCHCOMMAND"]]"""));
        Assert.Equal(400, status);
        Assert.Equal("EXECABORT Transaction discarded because of previous errors.", json.GetProperty("error").GetString());
        (_, json) = await Send(Request("POST", "", """["EXISTS","b"]"""));
        Assert.Equal(0, json.GetProperty("result").GetInt64());
    }

    [Fact]
    public async Task Read_only_token_runs_reads_only()
    {
        await Send(Request("POST", "", """["SET","k","v"]"""));
        var (status, json) = await Send(Request("POST", "", """["GET","k"]""", token: ReadOnly));
        Assert.Equal(200, status);
        Assert.Equal("v", json.GetProperty("result").GetString());
        (status, json) = await Send(Request("POST", "", """["SET","k","w"]""", token: ReadOnly));
        Assert.Equal(403, status);
        Assert.Equal("NOPERM this user has no permissions to run the 'set' command", json.GetProperty("error").GetString());
        (status, _) = await Send(Request("POST", "", """["FLUSHALL"]""", token: ReadOnly));
        Assert.Equal(403, status);
        (_, json) = await Send(Request("POST", "", """["GET","k"]"""));
        Assert.Equal("v", json.GetProperty("result").GetString());
    }

    [Fact]
    public async Task Token_may_come_in_the_query()
    {
        var (status, _) = await Send(Request("GET", "/ping", token: null, query: new() { ["_token"] = Full }));
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Cors_preflight_allows_what_the_upstash_clients_send_and_exposes_the_sync_token()
    {
        var response = await router.HandleAsync(Request("OPTIONS", "/", token: null));
        Assert.Equal(204, response.Status);
        Assert.Equal("*", response.Headers["Access-Control-Allow-Origin"]);
        var allowed = response.Headers["Access-Control-Allow-Headers"].Split(',', StringSplitOptions.TrimEntries);
        // What @upstash/redis 1.39 sends from a browser with its default options (tests/upstash-browser runs it).
        foreach (var header in new[] { "Authorization", "Content-Type", "Upstash-Encoding", "upstash-sync-token",
                     "Upstash-Telemetry-Runtime", "Upstash-Telemetry-Platform", "Upstash-Telemetry-Sdk", "Upstash-Telemetry-Retry" })
            Assert.Contains(header, allowed, StringComparer.OrdinalIgnoreCase);
        // It reads the sync token back from every answer, errors included.
        var error = await router.HandleAsync(Request("POST", "", "[\"GET\"]"));
        Assert.Equal("upstash-sync-token", error.Headers["Access-Control-Expose-Headers"]);
    }

    [Fact]
    public void Default_limits_take_the_upstash_clients_own_batches_and_come_from_settings()
    {
        // @upstash/redis auto-pipelines up to 1,000 commands into one request (MAX_PIPELINE_SIZE).
        Assert.Equal(1000, RestLimits.Default.MaxCommands);
        Assert.True(RestLimits.Default.MaxBodyBytes >= 1000 * 64 * 1024, "1,000 commands of 64 KB values must fit");
        var settings = new Dictionary<string, string?> { [RestLimits.MaxBodySetting] = "2048", [RestLimits.MaxCommandsSetting] = "5" };
        Assert.Equal(new RestLimits(2048, 5), RestLimits.FromSettings(name => settings.GetValueOrDefault(name)));
        Assert.Equal(RestLimits.Default, RestLimits.FromSettings(_ => null));
        Assert.Throws<FormatException>(() => RestLimits.FromSettings(name => name == RestLimits.MaxBodySetting ? "1MB" : null));
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_naming_the_setting()
    {
        var (status, json) = await Send(Request("POST", "/pipeline", "[" + string.Join(",", Enumerable.Repeat("[\"SET\",\"k\",\"v\"]", 400)) + "]"));
        Assert.Equal(413, status);
        Assert.Contains(RestLimits.MaxBodySetting, json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Escaped_string_with_bytes_that_are_not_utf8_is_a_400_not_a_500()
    {
        byte[] body = [.. "[\"SET\",\"k\",\"\\n"u8, 0xFF, .. "\"]"u8];
        var request = Request("POST", "") with { Body = body };
        var (status, json) = await Send(request);
        Assert.Equal(400, status);
        Assert.Contains("not valid UTF-8", json.GetProperty("error").GetString());
        Assert.Empty(store.Keyspace.Entries);
    }

    /// <summary>Malformed requests (the shared table, with this router's limits): each gets its status and a clear error, and changes nothing.</summary>
    public static TheoryData<string, string, string?, string?, int, string> BadRequests()
    {
        var data = new TheoryData<string, string, string?, string?, int, string>();
        foreach (var c in BadRequestCases.For(Limits, Full, ReadOnly)) data.Add(c.Method, c.Path, c.Body, c.Token, c.Status, c.Fragment);
        return data;
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_requests_get_a_clear_error_and_change_nothing(string method, string path, string? body, string? token, int status, string fragment)
    {
        await Send(Request("POST", "", """["SET","existing","1"]"""));
        var before = Snapshot();
        var (actualStatus, json) = await Send(Request(method, path, body, token));
        Assert.Equal(status, actualStatus);
        var error = json.GetProperty("error").GetString()!;
        Assert.Contains(fragment, error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, Snapshot());
    }

    string Snapshot() => string.Join(";", store.Keyspace.Entries
        .Select(e => $"{Encoding.UTF8.GetString(e.Key)}={JsonSerializer.Serialize(e.Value)}").Order());
}
