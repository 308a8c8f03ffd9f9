using System.Text;
using System.Text.Json;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Types;

/// <summary>
/// Key states are the durable entities' state: every type must survive a System.Text.Json round
/// trip (the Durable Task data converter) with its value, expiry and version, and stay small.
/// </summary>
public sealed class KeyStateTests(ITestOutputHelper output)
{
    const long Now = 1_700_000_000_000;

    static KeyState Build(params string[][] commands)
    {
        var ks = new MemoryKeyspace();
        foreach (var c in commands)
            Engine.Execute(new CommandContext(ks, Now), c.Select(Encoding.UTF8.GetBytes).ToArray());
        return ks.Get("k"u8.ToArray()) ?? throw new InvalidOperationException("the commands left no key 'k'");
    }

    /// <summary>What a key holds, read back through read commands, for comparing two states.</summary>
    static string Describe(KeyState state)
    {
        var ks = new MemoryKeyspace();
        ks.Set("k"u8.ToArray(), state);
        string Run(params string[] a) => Engine.Execute(new CommandContext(ks, Now), a.Select(Encoding.UTF8.GetBytes).ToArray()).ToString();
        var content = state.Type switch
        {
            RedisType.String => Run("GET", "k"),
            RedisType.Hash => string.Join(",", Run("HGETALL", "k")),
            RedisType.List => Run("LRANGE", "k", "0", "-1"),
            RedisType.Set => Run("SMEMBERS", "k"),
            RedisType.ZSet => Run("ZRANGE", "k", "0", "-1", "WITHSCORES"),
            _ => "none",
        };
        return $"{state.Type} {content} pttl={Run("PTTL", "k")} v={state.Version}";
    }

    public static TheoryData<string, string[][]> States => new()
    {
        { "string", [["SET", "k", "hello"]] },
        { "string with expiry", [["SET", "k", "hello", "PX", "5000"]] },
        { "integer string", [["SET", "k", "12345"], ["INCR", "k"]] },
        { "hash", [["HSET", "k", "f1", "v1", "f2", "v2"]] },
        { "list", [["RPUSH", "k", "a", "b", "c"], ["LPUSH", "k", "z"]] },
        { "set", [["SADD", "k", "a", "b", "1"]] },
        { "sorted set", [["ZADD", "k", "1", "a", "2.5", "b", "-inf", "c", "+inf", "d"]] },
        { "hash with expiry", [["HSET", "k", "f", "v"], ["PEXPIRE", "k", "100000"]] },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void Every_type_round_trips_through_json(string name, string[][] commands)
    {
        var state = Build(commands);
        var json = JsonSerializer.Serialize(state);
        var back = JsonSerializer.Deserialize<KeyState>(json)!;
        output.WriteLine($"{name}: {json.Length} bytes: {json}");
        Assert.Equal(Describe(state), Describe(back));
        Assert.Equal(state.ExpiresAt, back.ExpiresAt);
        Assert.Equal(state.Version, back.Version);
    }

    [Fact]
    public void Binary_values_round_trip_and_utf8_stays_readable()
    {
        var binary = new KeyState { String = [0xff, 0x00, 0xfe, (byte)'a'] };
        var json = JsonSerializer.Serialize(binary);
        Assert.Equal(binary.String, JsonSerializer.Deserialize<KeyState>(json)!.String);
        Assert.Contains("[", json); // non-UTF-8 goes as [base64]

        var text = new KeyState { String = Encoding.UTF8.GetBytes("héllo \"q\"") };
        var textJson = JsonSerializer.Serialize(text);
        Assert.Equal(text.String, JsonSerializer.Deserialize<KeyState>(textJson)!.String);
        Assert.DoesNotContain("[", textJson);
    }

    [Fact]
    public void Large_values_serialized_sizes_are_reported()
    {
        var ks = new MemoryKeyspace();
        void Run(params string[] a) => Engine.Execute(new CommandContext(ks, Now), a.Select(Encoding.UTF8.GetBytes).ToArray());
        for (var i = 0; i < 10_000; i++)
        {
            Run("HSET", "hash", $"field:{i}", $"value:{i}");
            Run("ZADD", "zset", (i * 1.5).ToString(System.Globalization.CultureInfo.InvariantCulture), $"member:{i}");
            Run("RPUSH", "list", $"item:{i}");
            Run("SADD", "set", $"member:{i}");
        }
        foreach (var key in new[] { "hash", "zset", "list", "set" })
        {
            var state = ks.Get(Encoding.UTF8.GetBytes(key))!;
            var json = JsonSerializer.SerializeToUtf8Bytes(state);
            var back = JsonSerializer.Deserialize<KeyState>(json)!;
            Assert.Equal(Describe(state), Describe(back));
            output.WriteLine($"{key} with 10,000 elements: {json.Length:N0} bytes of JSON");
            Assert.True(json.Length < 10_000 * 40, $"{key} state is {json.Length} bytes: not compact");
        }
    }
}
