using System.Globalization;
using System.Text;
using System.Text.Json;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Types;

/// <summary>
/// The string commands on the engine alone, with a fake clock: expiry, TTL keeping and clearing,
/// versions, "errors change nothing", and the JSON of string key states.
/// </summary>
public sealed class StringsTests(ITestOutputHelper output)
{
    readonly MemoryKeyspace keyspace = new();
    long now = 1_700_000_000_000;

    Reply Run(params string[] args) => Engine.Execute(new CommandContext(keyspace, now), args.Select(Encoding.UTF8.GetBytes).ToArray());

    static Reply Bulk(string s) => Reply.Bulk(Encoding.UTF8.GetBytes(s));

    KeyState? State(string key) => keyspace.Get(Encoding.UTF8.GetBytes(key));

    [Fact]
    public void Set_and_get_with_a_fake_clock_expire()
    {
        Assert.Equal(Reply.Ok, Run("SET", "k", "v", "EX", "10"));
        Assert.Equal(now + 10_000, State("k")!.ExpiresAt);
        now += 9_999;
        Assert.Equal(Bulk("v"), Run("GET", "k"));
        now += 1;
        Assert.Equal(Reply.Nil, Run("GET", "k"));
        Assert.Null(State("k")); // lazily dropped
    }

    [Fact]
    public void Relative_and_absolute_expire_options_compute_the_same_deadline()
    {
        Run("SET", "a", "v", "PX", "1500");
        Run("SET", "b", "v", "EXAT", ((now + 1500) / 1000).ToString());
        Run("SET", "c", "v", "PXAT", (now + 1500).ToString());
        Run("SETEX", "d", "2", "v");
        Run("PSETEX", "e", "1500", "v");
        Assert.Equal(now + 1500, State("a")!.ExpiresAt);
        Assert.Equal((now + 1500) / 1000 * 1000, State("b")!.ExpiresAt);
        Assert.Equal(now + 1500, State("c")!.ExpiresAt);
        Assert.Equal(now + 2000, State("d")!.ExpiresAt);
        Assert.Equal(now + 1500, State("e")!.ExpiresAt);
    }

    [Fact]
    public void Set_clears_the_ttl_unless_keepttl_and_counters_keep_it()
    {
        Run("SET", "k", "1", "EX", "100");
        Run("INCR", "k");
        Run("INCRBYFLOAT", "k", "0.5");
        Run("APPEND", "k", "0");
        Run("SETRANGE", "k", "0", "3");
        Assert.Equal(now + 100_000, State("k")!.ExpiresAt);
        Assert.Equal(Bulk("3.50"), Run("GET", "k"));
        Run("SET", "k", "v", "KEEPTTL");
        Assert.Equal(now + 100_000, State("k")!.ExpiresAt);
        Run("GETSET", "k", "w");
        Assert.Null(State("k")!.ExpiresAt);
        Run("SET", "k", "v", "EX", "100");
        Run("SET", "k", "v");
        Assert.Null(State("k")!.ExpiresAt);
    }

    [Fact]
    public void Getex_sets_persists_or_deletes()
    {
        Run("SET", "k", "v");
        Assert.Equal(Bulk("v"), Run("GETEX", "k", "PX", "500"));
        Assert.Equal(now + 500, State("k")!.ExpiresAt);
        Assert.Equal(Bulk("v"), Run("GETEX", "k", "PERSIST"));
        Assert.Null(State("k")!.ExpiresAt);
        Assert.Equal(Bulk("v"), Run("GETEX", "k", "PXAT", now.ToString()));
        Assert.Null(State("k")); // an absolute time not in the future deletes at once
    }

    [Fact]
    public void Every_write_bumps_the_version_and_reads_do_not()
    {
        Run("SET", "k", "1");
        var v = State("k")!.Version;
        Run("GET", "k");
        Run("STRLEN", "k");
        Run("GETRANGE", "k", "0", "-1");
        Run("MGET", "k");
        Run("GETEX", "k", "PERSIST"); // no TTL to remove: not a write
        Assert.Equal(v, State("k")!.Version);
        foreach (var cmd in new[] { new[] { "INCR", "k" }, ["APPEND", "k", "1"], ["SETRANGE", "k", "0", "2"], ["SET", "k", "3"], ["MSET", "k", "4"] })
        {
            Run(cmd);
            Assert.True(State("k")!.Version > v, string.Join(' ', cmd));
            v = State("k")!.Version;
        }
    }

    /// <summary>
    /// A string past what a key's stored state can hold (Serverless.Store.Types.Strings.MaxStoredLength, under Redis's 512 MiB)
    /// is refused with Redis's proto-max-bulk-len error by every command that builds one, and the key
    /// keeps its value: the durable store never gets a state it cannot write.
    /// </summary>
    [Fact]
    public void Strings_past_what_the_store_keeps_are_refused_before_anything_changes()
    {
        const string tooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
        var last = (Serverless.Store.Types.Strings.MaxStoredLength - 1).ToString(CultureInfo.InvariantCulture);
        Assert.Equal(Serverless.Store.Types.Strings.MaxStoredLength, ((IntegerReply)Run("SETRANGE", "big", last, "x")).Value); // exactly the limit: kept
        Assert.Equal(tooLong, ((ErrorReply)Run("APPEND", "big", "x")).Message);
        Assert.Equal(tooLong, ((ErrorReply)Run("SETRANGE", "big", last, "xy")).Message);
        Assert.Equal(tooLong, ((ErrorReply)Run("SETBIT", "big", (Serverless.Store.Types.Strings.MaxStoredLength * 8).ToString(CultureInfo.InvariantCulture), "1")).Message);
        Assert.Equal(tooLong, ((ErrorReply)Run("BITFIELD", "big", "SET", "u8", (Serverless.Store.Types.Strings.MaxStoredLength * 8).ToString(CultureInfo.InvariantCulture), "1")).Message);
        Assert.Equal(Serverless.Store.Types.Strings.MaxStoredLength, State("big")!.String!.Length);
        Assert.Equal(tooLong, ((ErrorReply)Run("SETBIT", "fresh", "1000000000", "1")).Message);
        Assert.Null(State("fresh"));
        Assert.Equal(0, ((IntegerReply)Run("GETBIT", "fresh", "4294967295")).Value); // reads keep Redis's 2^32 bits
    }

    [Fact]
    public void Errors_change_nothing()
    {
        Run("SET", "k", "abc", "EX", "100");
        var before = JsonSerializer.Serialize(State("k"));
        Assert.IsType<ErrorReply>(Run("SET", "k", "x", "EX", "0"));
        Assert.IsType<ErrorReply>(Run("SET", "k", "x", "NX", "XX"));
        Assert.IsType<ErrorReply>(Run("INCR", "k"));
        Assert.IsType<ErrorReply>(Run("INCRBYFLOAT", "k", "1"));
        Assert.IsType<ErrorReply>(Run("SETRANGE", "k", "536870912", "x"));
        Assert.IsType<ErrorReply>(Run("SETRANGE", "k", "-1", "x"));
        Assert.IsType<ErrorReply>(Run("GETEX", "k", "EX", "-1"));
        Assert.IsType<ErrorReply>(Run("MSET", "k", "1", "j"));
        Assert.IsType<ErrorReply>(Run("DECRBY", "k", "-9223372036854775808"));
        Assert.Equal(before, JsonSerializer.Serialize(State("k")));
        Assert.Null(State("j"));

        Run("SET", "f", "1.5");
        Assert.Equal(Reply.Error("ERR increment would produce NaN or Infinity"), Run("INCRBYFLOAT", "f", "inf"));
        Assert.Equal(Bulk("1.5"), Run("GET", "f"));
    }

    [Fact]
    public void Wrong_type_is_refused_but_set_overwrites()
    {
        Assert.Equal(Reply.One, Run("HSET", "h", "f", "v"));
        var wrong = Reply.Error(Errors.WrongType);
        foreach (var cmd in new[]
                 {
                     new[] { "GET", "h" }, ["GETSET", "h", "v"], ["GETDEL", "h"], ["GETEX", "h"], ["INCR", "h"], ["DECRBY", "h", "1"],
                     ["INCRBYFLOAT", "h", "1"], ["APPEND", "h", "x"], ["STRLEN", "h"], ["GETRANGE", "h", "0", "1"],
                     ["SETRANGE", "h", "0", "x"], ["SET", "h", "v", "GET"],
                 })
            Assert.Equal(wrong, Run(cmd));
        Assert.Equal(RedisType.Hash, State("h")!.Type);
        Assert.Equal(new ArrayReply([Reply.Nil]), Run("MGET", "h"));
        Assert.Equal(Reply.Ok, Run("SET", "h", "v"));
        Assert.Equal(RedisType.String, State("h")!.Type);
    }

    [Fact]
    public void Setrange_pads_with_zero_bytes_and_does_not_share_arrays()
    {
        Run("SETRANGE", "k", "3", "ab");
        Assert.Equal(new byte[] { 0, 0, 0, (byte)'a', (byte)'b' }, State("k")!.String);
        var copy = State("k")!.Clone();
        Run("SETRANGE", "k", "0", "z");
        Run("APPEND", "k", "!");
        Assert.Equal(new byte[] { 0, 0, 0, (byte)'a', (byte)'b' }, copy.String); // the clone kept its bytes
        Assert.Equal(Reply.Integer(6), Run("STRLEN", "k"));
    }

    [Fact]
    public void Incrbyfloat_stores_the_text_it_replies()
    {
        Assert.Equal(Bulk("1000.09999999999999998"), Run("INCRBYFLOAT", "f", "1000.1"));
        Assert.Equal(Bulk("1000.29999999999999999"), Run("INCRBYFLOAT", "f", "0.2"));
        Assert.Equal("1000.29999999999999999", Encoding.ASCII.GetString(State("f")!.String!));
        Assert.Equal(Bulk("3"), Run("INCRBYFLOAT", "i", "3.0"));
        Assert.Equal(Reply.Integer(4), Run("INCR", "i")); // "3" is an integer again
    }

    [Theory]
    [InlineData("plain", """{"s":"plain","v":1}""")]
    [InlineData("", """{"s":"","v":1}""")]
    [InlineData("héllo ✓", """{"s":"h\u00E9llo \u2713","v":1}""")]
    public void Json_round_trips_text_values(string value, string expected)
    {
        Run("SET", "k", value);
        var json = JsonSerializer.Serialize(State("k"));
        Assert.Equal(expected, json);
        var back = JsonSerializer.Deserialize<KeyState>(json)!;
        Assert.Equal(Encoding.UTF8.GetBytes(value), back.String);
    }

    [Fact]
    public void Json_round_trips_binary_values_and_expiry()
    {
        var key = Encoding.UTF8.GetBytes("b");
        byte[] bin = [0, 0xff, 0x80, (byte)'x', 0xc3];
        Engine.Execute(new CommandContext(keyspace, now), [Encoding.ASCII.GetBytes("SET"), key, bin, Encoding.ASCII.GetBytes("PX"), Encoding.ASCII.GetBytes("100")]);
        var json = JsonSerializer.Serialize(keyspace.Get(key));
        output.WriteLine(json);
        var back = JsonSerializer.Deserialize<KeyState>(json)!;
        Assert.Equal(bin, back.String);
        Assert.Equal(now + 100, back.ExpiresAt);
        Assert.Equal(RedisType.String, back.Type);
    }

    [Fact]
    public void Json_size_of_a_10000_byte_string()
    {
        var text = new string('a', 10_000);
        Run("SET", "t", text);
        var json = JsonSerializer.Serialize(State("t"));
        output.WriteLine($"10,000-byte text string: {json.Length} JSON characters");
        Assert.True(json.Length < 10_100);
        var bin = new byte[10_000];
        new Random(1).NextBytes(bin);
        Engine.Execute(new CommandContext(keyspace, now), [Encoding.ASCII.GetBytes("SET"), Encoding.ASCII.GetBytes("b"), bin]);
        var binJson = JsonSerializer.Serialize(State("b"));
        output.WriteLine($"10,000 random bytes: {binJson.Length} JSON characters");
        Assert.Equal(bin, JsonSerializer.Deserialize<KeyState>(binJson)!.String);
        Assert.True(binJson.Length < 13_500); // base64
    }

    [Fact]
    public void Simple_command_throughput_is_reported_and_counts_are_right()
    {
        var set = new[] { "SET", "k", "v" }.Select(Encoding.UTF8.GetBytes).ToArray();
        var get = new[] { "GET", "k" }.Select(Encoding.UTF8.GetBytes).ToArray();
        var incr = new[] { "INCR", "c" }.Select(Encoding.UTF8.GetBytes).ToArray();
        var ctx = new CommandContext(keyspace, now);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        const int n = 100_000;
        for (var i = 0; i < n; i++)
        {
            Engine.Execute(ctx, set);
            Engine.Execute(ctx, get);
            Engine.Execute(ctx, incr);
        }
        var perSecond = 3.0 * n / sw.Elapsed.TotalSeconds;
        output.WriteLine($"{perSecond:N0} SET/GET/INCR per second");
        Assert.Equal(Reply.Integer(n), Engine.Execute(ctx, new[] { "GET", "c" }.Select(Encoding.UTF8.GetBytes).ToArray()) is BulkReply b
            ? Reply.Integer(long.Parse(Encoding.ASCII.GetString(b.Value!))) : null);
    }
}
