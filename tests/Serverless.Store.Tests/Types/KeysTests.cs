using System.Text;
using System.Text.Json;
using CsCheck;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Types;

/// <summary>Pure engine tests of the key commands, with a fake clock for expiry.</summary>
public sealed class KeysTests
{
    const long T0 = 1_700_000_000_000; // the fake clock's start, unix ms

    readonly MemoryKeyspace keyspace = new();

    Reply Run(long now, string command, Random? random = null) =>
        Engine.Execute(new CommandContext(keyspace, now, random), Args(command));

    static byte[][] Args(string command) =>
        Oracle.Differential.Tokenize(command).Select(Encoding.UTF8.GetBytes).ToArray();

    static Reply Int(long v) => Reply.Integer(v);
    static Reply Bulk(string s) => Reply.Bulk(s);

    void Put(string key, string value, long? expiresAt = null) =>
        keyspace.Set(Bytes.From(key), new KeyState { String = Bytes.From(value), ExpiresAt = expiresAt });

    KeyState? Raw(string key) => keyspace.Get(Bytes.From(key));

    static List<string> Texts(Reply reply) =>
        Assert.IsType<ArrayReply>(reply).Items!.Select(r => Encoding.UTF8.GetString(((BulkReply)r).Value!)).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void The_guides_cache_aside_example_counts_down_then_the_key_is_gone()
    {
        Assert.Equal(Reply.Ok, Run(T0, "SETEX user:42 300 {name:Ada}"));
        Assert.Equal(Int(300), Run(T0, "TTL user:42"));
        Assert.Equal(Int(180), Run(T0 + 120_000, "TTL user:42"));
        Assert.Equal(Int(1), Run(T0 + 299_400, "TTL user:42")); // 600 ms left: TTL rounds to the nearest second
        Assert.Equal(Bulk("{name:Ada}"), Run(T0 + 299_999, "GET user:42"));
        Assert.Equal(Reply.Nil, Run(T0 + 300_000, "GET user:42")); // expiry is inclusive
        Assert.Null(Raw("user:42")); // gone from the keyspace, not only unreadable
        Assert.Equal(Int(-2), Run(T0 + 300_000, "TTL user:42"));
        Assert.Equal(Int(0), Run(T0 + 300_000, "DBSIZE"));
    }

    [Fact]
    public void Expired_key_is_missing_for_every_reader_and_gets_removed()
    {
        Put("gone", "v", T0 + 1000);
        Put("live", "v", T0 + 5000);
        Put("forever", "v");
        var later = T0 + 1000; // expiry is inclusive: at == now means expired

        Assert.Equal(Int(0), Run(later, "EXISTS gone"));
        Assert.Null(Raw("gone"));

        Put("gone", "v", T0 + 1000);
        Assert.Equal(Reply.Simple("none"), Run(later, "TYPE gone"));
        Assert.Null(Raw("gone"));

        foreach (var ttl in new[] { "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME" })
        {
            Put("gone", "v", T0 + 1000);
            Assert.Equal(Int(-2), Run(later, $"{ttl} gone"));
            Assert.Null(Raw("gone"));
        }

        Put("gone", "v", T0 + 1000);
        Assert.Equal(Int(2), Run(later, "DBSIZE"));
        Assert.Null(Raw("gone"));

        Put("gone", "v", T0 + 1000);
        Assert.Equal(["forever", "live"], Texts(Run(later, "KEYS *")));
        Assert.Null(Raw("gone"));

        Put("gone", "v", T0 + 1000);
        var scan = Assert.IsType<ArrayReply>(Run(later, "SCAN 0 COUNT 100"));
        Assert.Equal(Bulk("0"), scan.Items![0]);
        Assert.Equal(["forever", "live"], Texts(scan.Items[1]));
        Assert.Null(Raw("gone"));

        Put("gone", "v", T0 + 1000);
        var random = new Random(7);
        for (var i = 0; i < 50; i++)
            Assert.NotEqual(Bulk("gone"), Run(later, "RANDOMKEY", random));
        Assert.Null(Raw("gone"));

        Put("gone", "v", T0 + 1000);
        Assert.Equal(Int(1), Run(later, "TOUCH gone live"));
        Assert.Equal(Int(0), Run(later, "PERSIST gone"));
        Assert.Equal(Int(0), Run(later, "EXPIRE gone 100"));
        Assert.Equal(Int(0), Run(later, "DEL gone"));
        Assert.Equal(Reply.Error("ERR no such key"), Run(later, "RENAME gone x"));
        Assert.Equal(Int(0), Run(later, "COPY gone x"));
        Assert.Null(Raw("x"));
    }

    [Fact]
    public void Everything_expired_reads_as_an_empty_keyspace()
    {
        Put("a", "v", T0 + 10);
        Put("b", "v", T0 + 20);
        var later = T0 + 20;
        Assert.Equal(Int(0), Run(later, "DBSIZE"));
        Assert.Equal(Reply.Nil, Run(later, "RANDOMKEY"));
        Assert.Equal(Reply.EmptyArray, Run(later, "KEYS *"));
        Assert.Equal(0, keyspace.Count);
    }

    [Fact]
    public void A_key_is_live_one_millisecond_before_its_expiry()
    {
        Put("k", "v", T0 + 1000);
        Assert.Equal(Int(1), Run(T0 + 999, "EXISTS k"));
        Assert.Equal(Int(1), Run(T0 + 999, "PTTL k"));
        Assert.Equal(Int(0), Run(T0 + 999, "TTL k")); // 1 ms rounds to 0 s
        Assert.Equal(Int(1), Run(T0 + 999, "DBSIZE"));
        Assert.Equal(Int(0), Run(T0 + 1000, "EXISTS k"));
    }

    [Fact]
    public void Expire_stores_an_absolute_time_from_the_command_clock()
    {
        Put("k", "v");
        Assert.Equal(Int(1), Run(T0, "EXPIRE k 10"));
        Assert.Equal(T0 + 10_000, Raw("k")!.ExpiresAt);
        Assert.Equal(Int(1), Run(T0, "PEXPIRE k 1234"));
        Assert.Equal(T0 + 1234, Raw("k")!.ExpiresAt);
        Assert.Equal(Int(1), Run(T0, "EXPIREAT k 1800000000"));
        Assert.Equal(1_800_000_000_000, Raw("k")!.ExpiresAt);
        Assert.Equal(Int(1), Run(T0, "PEXPIREAT k 1800000000123"));
        Assert.Equal(1_800_000_000_123, Raw("k")!.ExpiresAt);
        Assert.Equal(Int(1_800_000_000), Run(T0, "EXPIRETIME k"));
        Assert.Equal(Int(1_800_000_000_123), Run(T0, "PEXPIRETIME k"));
    }

    [Theory]
    [InlineData(1499, 1)]
    [InlineData(1500, 2)]
    [InlineData(499, 0)]
    [InlineData(500, 1)]
    [InlineData(10_000, 10)]
    public void Ttl_rounds_to_the_nearest_second(long remainingMs, long seconds)
    {
        Put("k", "v", T0 + remainingMs);
        Assert.Equal(Int(seconds), Run(T0, "TTL k"));
        Assert.Equal(Int(remainingMs), Run(T0, "PTTL k"));
    }

    [Fact]
    public void Expiretime_rounds_too()
    {
        Put("k", "v", 1_800_000_000_499);
        Assert.Equal(Int(1_800_000_000), Run(T0, "EXPIRETIME k"));
        Put("k", "v", 1_800_000_000_500);
        Assert.Equal(Int(1_800_000_001), Run(T0, "EXPIRETIME k"));
    }

    [Fact]
    public void Expire_at_or_before_now_deletes()
    {
        Put("k", "v");
        Assert.Equal(Int(1), Run(T0, $"PEXPIREAT k {T0}"));
        Assert.Null(Raw("k"));
        Put("k", "v");
        Assert.Equal(Int(1), Run(T0, $"PEXPIREAT k {T0 + 1}"));
        Assert.NotNull(Raw("k"));
    }

    [Theory]
    // option, current TTL (ms from T0, null = none), new TTL (ms), expected reply, expected TTL after
    [InlineData("NX", null, 5000, 1, 5000L)]
    [InlineData("NX", 3000, 5000, 0, 3000L)]
    [InlineData("XX", null, 5000, 0, null)]
    [InlineData("XX", 3000, 5000, 1, 5000L)]
    [InlineData("GT", null, 5000, 0, null)]
    [InlineData("GT", 3000, 5000, 1, 5000L)]
    [InlineData("GT", 3000, 3000, 0, 3000L)]
    [InlineData("GT", 3000, 2000, 0, 3000L)]
    [InlineData("LT", null, 5000, 1, 5000L)]
    [InlineData("LT", 3000, 5000, 0, 3000L)]
    [InlineData("LT", 3000, 3000, 0, 3000L)]
    [InlineData("LT", 3000, 2000, 1, 2000L)]
    [InlineData("XX GT", 3000, 5000, 1, 5000L)]
    [InlineData("XX LT", null, 5000, 0, null)]
    public void Expire_conditions(string option, int? currentMs, long newMs, long reply, long? afterMs)
    {
        Put("k", "v", currentMs is { } c ? T0 + c : null);
        Assert.Equal(Int(reply), Run(T0, $"PEXPIRE k {newMs} {option}"));
        Assert.Equal(afterMs is { } a ? T0 + a : null, Raw("k")!.ExpiresAt);
    }

    [Fact]
    public void Failed_expire_changes_nothing()
    {
        Put("k", "v", T0 + 5000);
        var version = Raw("k")!.Version;
        foreach (var bad in new[] { "EXPIRE k 10 NX XX", "EXPIRE k 10 GT LT", "EXPIRE k 10 foo", "EXPIRE k abc", "EXPIRE k 9223372036854775807", "EXPIRE k 10 NX" })
            Run(T0, bad);
        Assert.Equal(T0 + 5000, Raw("k")!.ExpiresAt);
        Assert.Equal(version, Raw("k")!.Version);
    }

    [Fact]
    public void Expire_and_persist_bump_the_version()
    {
        Put("k", "v");
        var v0 = Raw("k")!.Version;
        Run(T0, "EXPIRE k 100");
        var v1 = Raw("k")!.Version;
        Assert.True(v1 > v0);
        Run(T0, "PERSIST k");
        Assert.True(Raw("k")!.Version > v1);
        Assert.Null(Raw("k")!.ExpiresAt);
    }

    [Fact]
    public void Ttl_survives_a_json_round_trip()
    {
        Put("k", "v");
        Run(T0, "PEXPIRE k 12345");
        var json = JsonSerializer.Serialize(Raw("k"));
        var back = JsonSerializer.Deserialize<KeyState>(json)!;
        Assert.Equal(T0 + 12345, back.ExpiresAt);
        keyspace.Set(Bytes.From("k"), back);
        Assert.Equal(Int(12345), Run(T0, "PTTL k"));
        Run(T0, "PERSIST k");
        Assert.DoesNotContain("\"x\"", JsonSerializer.Serialize(Raw("k")));
    }

    [Fact]
    public void Rename_carries_ttl_and_outgrows_the_destination_version()
    {
        Put("src", "a", T0 + 9000);
        Put("dst", "b");
        Raw("dst")!.Version = 42;
        Assert.Equal(Reply.Ok, Run(T0, "RENAME src dst"));
        Assert.Null(Raw("src"));
        var moved = Raw("dst")!;
        Assert.Equal("a", Encoding.UTF8.GetString(moved.String!));
        Assert.Equal(T0 + 9000, moved.ExpiresAt);
        Assert.True(moved.Version > 42);
    }

    [Fact]
    public void Rename_over_an_expired_destination_and_renamenx_onto_it()
    {
        Put("src", "a");
        Put("dst", "old", T0 + 10);
        Assert.Equal(Int(1), Run(T0 + 10, "RENAMENX src dst"));
        Assert.Equal("a", Encoding.UTF8.GetString(Raw("dst")!.String!));
        Assert.Null(Raw("dst")!.ExpiresAt);
    }

    [Fact]
    public void Copy_makes_an_independent_state()
    {
        Put("src", "a", T0 + 9000);
        Assert.Equal(Int(1), Run(T0, "COPY src dst"));
        var src = Raw("src")!;
        var dst = Raw("dst")!;
        Assert.NotSame(src, dst);
        Assert.Equal(T0 + 9000, dst.ExpiresAt);
        Run(T0, "PERSIST dst");
        Assert.Equal(T0 + 9000, Raw("src")!.ExpiresAt);
    }

    [Fact]
    public void Copy_to_another_database_is_refused()
    {
        Put("src", "a");
        Assert.Equal(Reply.Error("ERR DB index is out of range"), Run(T0, "COPY src dst DB 1"));
        Assert.Equal(Reply.Error("ERR DB index is out of range"), Run(T0, "COPY src dst DB 15 REPLACE"));
        Assert.Equal(Reply.Error("ERR syntax error"), Run(T0, "COPY src dst DB 3 foo"));
        Assert.Null(Raw("dst"));
        Assert.Equal(Int(1), Run(T0, "COPY src dst db 0"));
    }

    [Fact]
    public void Flush_empties_everything_including_expired_keys()
    {
        Put("a", "v");
        Put("b", "v", T0 - 1);
        Assert.Equal(Reply.Ok, Run(T0, "FLUSHALL"));
        Assert.Equal(0, keyspace.Count);
        Put("a", "v");
        Assert.Equal(Reply.Ok, Run(T0, "FLUSHDB ASYNC"));
        Assert.Equal(0, keyspace.Count);
    }

    [Fact]
    public void Whole_keyspace_commands_need_an_enumerable_keyspace()
    {
        var single = new SingleKeyspace();
        var ctx = new CommandContext(single, T0);
        foreach (var command in new[] { "KEYS *", "SCAN 0", "DBSIZE", "RANDOMKEY", "FLUSHALL" })
            Assert.IsType<ErrorReply>(Engine.Execute(ctx, Args(command)));
        // Commands that name their keys still work there.
        single.Set(Bytes.From("k"), KeyState.OfString(Bytes.From("v")));
        Assert.Equal(Int(1), Engine.Execute(ctx, Args("EXISTS k")));
        Assert.Equal(Reply.Simple("string"), Engine.Execute(ctx, Args("TYPE k")));
    }

    [Fact]
    public void Randomkey_reaches_every_key()
    {
        for (var i = 0; i < 5; i++) Put("k" + i, "v");
        var seen = new HashSet<string>();
        var random = new Random(1);
        for (var i = 0; i < 200; i++) seen.Add(Run(T0, "RANDOMKEY", random).ToString());
        Assert.Equal(5, seen.Count);
    }

    [Fact]
    public void Keys_matches_globs_on_binary_names()
    {
        keyspace.Set([0, 255, (byte)'x'], KeyState.OfString([1]));
        Put("x", "v");
        var reply = Assert.IsType<ArrayReply>(Engine.Execute(new CommandContext(keyspace, T0), [Bytes.From("KEYS"), [0, (byte)'*']]));
        Assert.Equal([Reply.Bulk(new byte[] { 0, 255, (byte)'x' })], reply.Items!);
    }

    /// <summary>
    /// SCAN's promise: a key present for the whole iteration is returned at least once, whatever
    /// is added or removed between pages, and the iteration ends.
    /// </summary>
    [Fact]
    public void Scan_returns_every_key_present_throughout_despite_changes()
    {
        var gen = Gen.Select(
            Gen.Int[0, 60].HashSet[0, 40],   // keys present throughout
            Gen.Int[61, 120].HashSet[0, 40], // keys that come and go
            Gen.Int[1, 12],                  // COUNT
            Gen.Int[0, 1000]);               // seed for the churn
        gen.Sample((stable, churn, count, seed) =>
        {
            var ks = new MemoryKeyspace();
            foreach (var k in stable) ks.Set(Bytes.From("k" + k), KeyState.OfString([1]));
            var random = new Random(seed);
            var seen = new HashSet<string>();
            var cursor = "0";
            var rounds = 0;
            do
            {
                var reply = (ArrayReply)Engine.Execute(new CommandContext(ks, T0), Args($"SCAN {cursor} COUNT {count}"));
                cursor = Encoding.ASCII.GetString(((BulkReply)reply.Items![0]).Value!);
                foreach (var item in ((ArrayReply)reply.Items[1]).Items!) seen.Add(Encoding.UTF8.GetString(((BulkReply)item).Value!));
                foreach (var k in churn)
                {
                    var key = Bytes.From("k" + k);
                    if (random.Next(2) == 0) ks.Remove(key);
                    else ks.Set(key, KeyState.OfString([2]));
                }
                if (++rounds > 1000) return false;
            } while (cursor != "0");
            return stable.All(k => seen.Contains("k" + k));
        }, iter: 200);
    }

    [Fact]
    public void Scan_count_bounds_the_page_and_filters_come_after()
    {
        for (var i = 0; i < 50; i++) Put("k" + i, "v");
        var page = (ArrayReply)Run(T0, "SCAN 0 COUNT 5");
        Assert.Equal(5, ((ArrayReply)page.Items![1]).Items!.Count);
        Assert.NotEqual(Bulk("0"), page.Items[0]);
        var filtered = (ArrayReply)Run(T0, "SCAN 0 COUNT 5 MATCH nothing*");
        Assert.Empty(((ArrayReply)filtered.Items![1]).Items!);
        Assert.Equal(page.Items[0], filtered.Items[0]);
    }

    /// <summary>A keyspace that knows one key at a time, like a key entity: it cannot be listed.</summary>
    sealed class SingleKeyspace : IKeyspace
    {
        readonly Dictionary<byte[], KeyState> keys = new(Bytes.Comparer);
        public KeyState? Get(byte[] key) => keys.GetValueOrDefault(key);
        public void Set(byte[] key, KeyState state) => keys[key] = state;
        public void Remove(byte[] key) => keys.Remove(key);
    }
}
