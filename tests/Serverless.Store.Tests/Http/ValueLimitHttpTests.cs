using System.Text;
using System.Text.Json;
using Serverless.Store.Keyspace;
using Serverless.Store.RdbFiles;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// One key's value limit (<c>MaxValueBytes</c>, docs/limits.md) on a running store, lowered to 256 KiB
/// so it is cheap to reach: a write that would take a list, hash, set, sorted set, stream or string
/// past it is refused with its error, through every path that writes (one command, a pipeline, a
/// multi-key command and a transaction over several entities, a script, a restore), and leaves the
/// value as it was; the same write below the limit is served. Each test owns its keys (a per-run prefix).
/// </summary>
[Trait("Needs", "store")]
public sealed class ValueLimitHttpTests(SmallValueStoreHost store, ITestOutputHelper output) : IClassFixture<SmallValueStoreHost>
{
    const int Limit = SmallValueStoreHost.MaxValueBytes;
    /// <summary>Four of these elements make 64 KiB: three such writes fit under the limit, the fourth passes it.</summary>
    const int Element = 16 * 1024;
    readonly string run = Guid.NewGuid().ToString("N")[..8];

    string K(string name) => $"vl:{run}:{name}";

    /// <summary>A command that adds four elements of 16 KiB (seeded by <paramref name="step"/>) to a key of each type.</summary>
    static string[] Grow(string type, string key, int step)
    {
        var e = Enumerable.Range(0, 4).Select(i => StoreHost.Letters(Element, step * 10 + i)).ToArray();
        return type switch
        {
            "list" => ["RPUSH", key, .. e],
            "set" => ["SADD", key, .. e],
            "hash" => ["HSET", key, .. e.SelectMany((v, i) => new[] { $"f{step}-{i}", v })],
            "zset" => ["ZADD", key, .. e.SelectMany((v, i) => new[] { $"{step * 10 + i}", v })],
            "stream" => ["XADD", key, "*", .. e.SelectMany((v, i) => new[] { $"f{i}", v })],
            _ => ["APPEND", key, StoreHost.Letters(70_000, step)], // string: 3 x 70,000 fit, 280,000 does not
        };
    }

    /// <summary>The whole value as the store answers it: what must not change when a write is refused.</summary>
    static string[] ReadAll(string type, string key) => type switch
    {
        "list" => ["LRANGE", key, "0", "-1"],
        "set" => ["SMEMBERS", key],
        "hash" => ["HGETALL", key],
        "zset" => ["ZRANGE", key, "0", "-1", "WITHSCORES"],
        "stream" => ["XRANGE", key, "-", "+"],
        _ => ["GET", key],
    };

    [Theory]
    [InlineData("list")]
    [InlineData("set")]
    [InlineData("hash")]
    [InlineData("zset")]
    [InlineData("stream")]
    [InlineData("string")]
    public async Task A_write_that_would_take_a_value_past_the_limit_is_refused_and_changes_nothing(string type)
    {
        var key = K(type);
        for (var step = 0; step < 3; step++)
        {
            var (okStatus, okBody) = await store.SendAsync(Grow(type, key, step));
            Assert.True(okStatus == 200, $"{type} step {step} -> {okStatus} {okBody}");
        }
        var before = await store.SendAsync(ReadAll(type, key));
        var memory = (await store.ResultAsync("MEMORY", "USAGE", key)).GetInt64();

        var (status, body) = await store.SendAsync(Grow(type, key, 3));
        Assert.Equal(400, status);
        Assert.Matches($@"^ERR this would make a key's value about \d+ bytes, past the {Limit} one key holds \(MaxValueBytes\): split it over more keys$", StoreHost.ErrorOf(body));
        Assert.Equal(before, await store.SendAsync(ReadAll(type, key)));
        Assert.Equal(memory, (await store.ResultAsync("MEMORY", "USAGE", key)).GetInt64());
        output.WriteLine($"{type}: MEMORY USAGE {memory} at three writes; the fourth: {StoreHost.ErrorOf(body)}");

        // A write that does not grow it past the limit is still served, and so is one that shrinks it.
        Assert.Equal(200, (await store.SendAsync(type switch
        {
            "list" => ["LPOP", key],
            "set" => ["SPOP", key],
            "hash" => ["HDEL", key, "f0-0"],
            "zset" => ["ZPOPMIN", key],
            "stream" => ["XTRIM", key, "MAXLEN", "1"],
            _ => ["SETRANGE", key, "0", "x"],
        })).Status);
    }

    [Fact]
    public async Task In_a_pipeline_the_refused_write_answers_its_error_in_place()
    {
        var key = K("pipe");
        for (var step = 0; step < 3; step++) Assert.Equal(200, (await store.SendAsync(Grow("list", key, step))).Status);
        var pipeline = JsonSerializer.Serialize(new[] { new[] { "SET", K("other"), "v" }, Grow("list", key, 3), new[] { "LLEN", key } });
        var (status, body) = await store.PostAsync("/pipeline", pipeline);
        Assert.Equal(200, status);
        var replies = JsonDocument.Parse(body).RootElement;
        Assert.Equal("OK", replies[0].GetProperty("result").GetString());
        Assert.StartsWith("ERR this would make a key's value about", replies[1].GetProperty("error").GetString());
        Assert.Equal(12, replies[2].GetProperty("result").GetInt64());
    }

    [Fact]
    public async Task A_multi_key_command_over_several_entities_is_refused_alone_and_leaves_its_keys_unlocked()
    {
        // Two sets of about 128 KiB each (separate entities: no hash tag); their union would pass the limit.
        string a = K("a"), b = K("b"), dest = K("dest");
        for (var step = 0; step < 2; step++)
        {
            Assert.Equal(200, (await store.SendAsync(Grow("set", a, step))).Status);
            Assert.Equal(200, (await store.SendAsync(Grow("set", b, step + 10))).Status);
        }
        Assert.Equal("OK", (await store.ResultAsync("SET", dest, "was-here")).GetString());

        var (status, body) = await store.SendAsync(["SUNIONSTORE", dest, a, b]);
        Assert.Equal(400, status);
        Assert.StartsWith("ERR this would make a key's value about", StoreHost.ErrorOf(body));

        // In a transaction that command alone fails, as one Redis refuses at run time; the others apply.
        var transaction = JsonSerializer.Serialize(new[] { new[] { "SADD", a, "one-more" }, new[] { "SUNIONSTORE", dest, a, b }, new[] { "INCR", K("counter") } });
        (status, body) = await store.PostAsync("/multi-exec", transaction);
        Assert.True(status == 200, $"multi-exec -> {status} {body}");
        var replies = JsonDocument.Parse(body).RootElement;
        Assert.Equal(1, replies[0].GetProperty("result").GetInt64());
        Assert.StartsWith("ERR this would make a key's value about", replies[1].GetProperty("error").GetString());
        Assert.Equal(1, replies[2].GetProperty("result").GetInt64());

        Assert.Equal("was-here", (await store.ResultAsync("GET", dest)).GetString());
        Assert.Equal(9, (await store.ResultAsync("SCARD", a)).GetInt64());
        Assert.Equal(8, (await store.ResultAsync("SCARD", b)).GetInt64());
        // Every key is unlocked: each takes a write at once.
        Assert.Equal(1, (await store.ResultAsync("SADD", a, "x")).GetInt64());
        Assert.Equal(1, (await store.ResultAsync("SADD", b, "x")).GetInt64());
        Assert.Equal("OK", (await store.ResultAsync("SET", dest, "still-here")).GetString());
        // Below the limit the same command is served.
        Assert.Equal(10, (await store.ResultAsync("SUNIONSTORE", dest, a, K("missing"))).GetInt64());
    }

    [Fact]
    public async Task A_script_that_would_grow_a_value_past_the_limit_is_refused_and_writes_nothing()
    {
        var key = K("script");
        const string script = "for i = 1, tonumber(ARGV[1]) do redis.call('RPUSH', KEYS[1], string.rep('x', 16384)) end return redis.call('LLEN', KEYS[1])";
        Assert.Equal(8, (await store.ResultAsync("EVAL", script, "1", key, "8")).GetInt64());
        var (status, body) = await store.SendAsync(["EVAL", script, "1", key, "16"]);
        Assert.Equal(400, status);
        Assert.StartsWith("ERR this would make a key's value about", StoreHost.ErrorOf(body));
        Assert.Equal(8, (await store.ResultAsync("LLEN", key)).GetInt64());
    }

    [Fact]
    public async Task A_restore_of_a_file_holding_a_value_past_the_limit_is_refused_before_anything_changes()
    {
        var big = Enumerable.Range(0, 20).Select(i => Encoding.UTF8.GetBytes(StoreHost.Letters(Element, i))).ToList();
        var small = KeyState.OfString(Encoding.UTF8.GetBytes("v"));
        using var file = new MemoryStream();
        RdbWriter.WriteFile(file, [
            KeyValuePair.Create(Encoding.UTF8.GetBytes(K("restored-small")), small),
            KeyValuePair.Create(Encoding.UTF8.GetBytes(K("restored-big")), new KeyState { List = new Serverless.Store.Types.ListValue(big) }),
        ], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var (status, body) = await store.PostBytesAsync("/restore?mode=merge", file.ToArray());
        Assert.Equal(400, status);
        Assert.Matches($@"^ERR restore refused, nothing was changed: .*the file's key '{K("restored-big")}' holds a list of about \d+ bytes; this store keeps a key's value up to {Limit} bytes \(MaxValueBytes, docs/limits.md\)$", StoreHost.ErrorOf(body));
        Assert.Equal(0, (await store.ResultAsync("EXISTS", K("restored-small"), K("restored-big"))).GetInt64());
    }

}
