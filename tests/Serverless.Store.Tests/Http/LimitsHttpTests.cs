using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Serverless.Store.Durable;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// The limits a client can meet on the running standalone store that the malformed-request tests
/// (<see cref="BadRequestHttpTests"/>) do not cover: how large a value one key holds, a hash tag's
/// bytes, the keys a script may reach, the pub/sub endpoints' body, name and token-lifetime limits.
/// Each refusal must carry its error and status and change nothing. The table: docs/limits.md.
/// Each test owns its keys (a per-run prefix).
/// </summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)]
public sealed class LimitsHttpTests(StoreHost store, ITestOutputHelper output)
{
    readonly string run = Guid.NewGuid().ToString("N")[..8];

    string K(string name) => $"lim:{run}:{name}";

    [Fact]
    public async Task Long_keys_work_in_json_bodies_path_style_pipelines_and_transactions()
    {
        foreach (var length in new[] { 1024, 64 * 1024, 1 << 20 })
        {
            var key = K("url:") + StoreHost.Letters(length, length);
            Assert.Equal((200, """{"result":"OK"}"""), await store.SendAsync(["SET", key, "v" + length]));
            Assert.Equal((200, $$"""{"result":"v{{length}}"}"""), await store.SendAsync(["GET", key]));
            Assert.Equal((200, """[{"result":1},{"result":"v"}]"""), await store.PostAsync("/pipeline", JsonSerializer.Serialize(new[] { new[] { "EXISTS", key }, new[] { "GETRANGE", key, "0", "0" } })));
            Assert.Equal((200, """[{"result":"OK"},{"result":1}]"""), await store.PostAsync("/multi-exec", JsonSerializer.Serialize(new[] { new[] { "SET", K("short"), "x" }, new[] { "DEL", key } })));
        }
        // Path style: the key in the URL, percent-encoded (the standalone host takes request lines up to 1 MiB).
        var pathKey = K("path/") + StoreHost.Letters(64 * 1024, 7) + "/é?#";
        Assert.Equal(200, (await store.SendRequestAsync(new HttpRequestMessage(HttpMethod.Post, store.BaseUrl + "/set/" + Uri.EscapeDataString(pathKey) + "/pv"))).Status);
        Assert.Equal((200, """{"result":"pv"}"""), await store.SendRequestAsync(new HttpRequestMessage(HttpMethod.Get, store.BaseUrl + "/get/" + Uri.EscapeDataString(pathKey))));
        Assert.Equal((200, """{"result":1}"""), await store.SendAsync(["DEL", pathKey]));
    }

    [Fact]
    public async Task A_key_holds_a_value_as_large_as_a_request_body_allows_and_gives_it_back_whole()
    {
        // Past ~45 KB the backend keeps an entity's state in a blob; nothing else bounds one key's value
        // below the request body limit (100 MiB by default): these sizes must all round-trip.
        foreach (var megabytes in new[] { 1, 10, 50 })
        {
            var key = K($"big{megabytes}");
            var value = StoreHost.Letters(megabytes << 20, megabytes);
            var clock = Stopwatch.StartNew();
            var (status, body) = await store.SendAsync(["SET", key, value]);
            Assert.True(status == 200, $"SET of {megabytes} MiB -> {status} {Trim(body)}\n{store.RecentLog()}");
            var set = clock.Elapsed;
            clock.Restart();
            (status, body) = await store.SendAsync(["GET", key]);
            Assert.Equal(200, status);
            var read = JsonDocument.Parse(body).RootElement.GetProperty("result").GetString();
            Assert.True(read == value, $"GET of {megabytes} MiB gave back {read?.Length} characters, not the value written");
            Assert.Equal(megabytes << 20, (await store.ResultAsync("STRLEN", key)).GetInt64());
            output.WriteLine($"{megabytes} MiB: SET {set.TotalSeconds:F1} s, GET {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Equal(1, (await store.ResultAsync("DEL", key)).GetInt64());
        }
    }

    [Fact]
    public async Task A_hash_tag_past_its_byte_limit_refuses_the_write_and_keeps_what_it_held()
    {
        // The key-count limit is checked in Durable/HashTagTests; this is the byte limit, over HTTP.
        var tag = $"{{lim-{run}}}";
        var held = StoreHost.Letters(600 * 1024, 1);
        Assert.Equal("OK", (await store.ResultAsync("SET", tag + ":a", held)).GetString());

        var (status, body) = await store.SendAsync(["SET", tag + ":b", StoreHost.Letters(600 * 1024, 2)]);
        Assert.Equal(400, status);
        Assert.StartsWith("ERR this hash tag's keys would pass what one entity holds", StoreHost.ErrorOf(body));
        Assert.Contains($"at most {GroupLimits.MaxKeys} keys and {GroupLimits.MaxBytes} bytes", StoreHost.ErrorOf(body));
        // One value alone past the limit is refused the same way.
        (status, body) = await store.SendAsync(["APPEND", tag + ":a", StoreHost.Letters(500 * 1024, 3)]);
        Assert.Equal(400, status);
        Assert.StartsWith("ERR this hash tag's keys would pass what one entity holds", StoreHost.ErrorOf(body));

        Assert.Equal(JsonValueKind.Null, (await store.ResultAsync("GET", tag + ":b")).ValueKind);
        Assert.True((await store.ResultAsync("GET", tag + ":a")).GetString() == held, "the tag's key changed");
        // A write that does not grow it still works.
        Assert.Equal(1, (await store.ResultAsync("DEL", tag + ":a")).GetInt64());
    }

    [Fact]
    public async Task A_script_that_reaches_more_keys_than_one_run_holds_is_refused_and_writes_nothing()
    {
        // Computed key names: the first run reads them as missing and asks for all of them at once.
        var count = DurableStore.MaxReachedKeys + 1;
        var script = $"for i = 1, {count} do redis.call('SET', ARGV[1] .. i, 'x') end return 1";
        var (status, body) = await store.SendAsync(["EVAL", script, "0", K("many:")]);
        Assert.Equal(400, status);
        Assert.Equal($"ERR this script uses more than {DurableStore.MaxReachedKeys} keys, more than the store holds for one run: name fewer, or list fewer with KEYS/SCAN", StoreHost.ErrorOf(body));
        Assert.Equal(0, (await store.ResultAsync("EXISTS", K("many:1"), K("many:" + count))).GetInt64());
        // As many as one run holds are served.
        Assert.Equal(1, (await store.ResultAsync("EVAL", $"for i = 1, 3 do redis.call('SET', ARGV[1] .. i, 'x') end return 1", "0", K("few:"))).GetInt64());
        Assert.Equal(3, (await store.ResultAsync("EXISTS", K("few:1"), K("few:2"), K("few:3"))).GetInt64());
    }

    [Fact]
    public async Task A_script_whose_keys_take_more_runs_to_find_than_allowed_is_refused_and_writes_nothing()
    {
        // Each key's name is the previous key's value: a run finds one more key, and the run that holds
        // them all is one more. A chain of MaxReachRounds keys needs one run too many; one key fewer fits.
        var chain = Enumerable.Range(0, DurableStore.MaxReachRounds).Select(i => K($"chain{i}")).ToArray();
        for (var i = 0; i < chain.Length; i++)
            Assert.Equal("OK", (await store.ResultAsync("SET", chain[i], i + 1 < chain.Length ? chain[i + 1] : "end")).GetString());
        const string script = "local k = ARGV[1] while true do local v = redis.call('GET', k) if v == 'end' or not v then break end k = v end redis.call('SET', k, 'reached') return k";

        var (status, body) = await store.SendAsync(["EVAL", script, "0", chain[0]]);
        Assert.Equal(400, status);
        Assert.Equal(DurableStore.TooManyRunsError, StoreHost.ErrorOf(body));
        Assert.Equal("end", (await store.ResultAsync("GET", chain[^1])).GetString());
        Assert.Equal(chain[^1], (await store.ResultAsync("EVAL", script, "0", chain[1])).GetString());
        Assert.Equal("reached", (await store.ResultAsync("GET", chain[^1])).GetString());
    }

    [Fact]
    public async Task Pubsub_requests_past_their_limits_are_refused()
    {
        // A body over 64 KiB: 413 before it is parsed.
        var big = $$"""{"patterns":["lim.{{run}}"],"pad":"{{new string('x', 64 * 1024)}}"}""";
        var (status, body) = await store.PostAsync("/subscribe-token", big);
        Assert.Equal(413, status);
        Assert.Equal("ERR a pub/sub request body holds at most 65536 bytes", StoreHost.ErrorOf(body));

        // A pattern over 512 bytes (a SignalR group name is at most 1024 characters in Azure).
        (status, body) = await store.PostAsync("/subscribe-token", $$"""{"patterns":["{{new string('p', 513)}}"]}""");
        Assert.Equal(400, status);
        Assert.StartsWith("ERR every name in patterns must be 1 to 512 bytes long", StoreHost.ErrorOf(body));
        (status, _) = await store.PostAsync("/subscribe-token", $$"""{"patterns":["{{new string('p', 512)}}"]}""");
        Assert.Equal(200, status);

        // A subscribe token lives at most 7 days.
        (status, body) = await store.PostAsync("/subscribe-token", $$"""{"patterns":["lim.{{run}}"],"ttlSeconds":604801}""");
        Assert.Equal(400, status);
        Assert.Equal("ERR ttlSeconds must be a whole number from 1 to 604800", StoreHost.ErrorOf(body));
        (status, _) = await store.PostAsync("/subscribe-token", $$"""{"patterns":["lim.{{run}}"],"ttlSeconds":604800}""");
        Assert.Equal(200, status);
    }

    static string Trim(string s) => s.Length > 300 ? s[..300] + "..." : s;
}
