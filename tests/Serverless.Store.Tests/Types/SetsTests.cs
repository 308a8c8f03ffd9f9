using System.Text;
using System.Text.Json;
using CsCheck;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Types;

/// <summary>Pure engine tests of the set type: randomness, encoding tracking, JSON, the value's invariants.</summary>
public sealed class SetsTests(ITestOutputHelper output)
{
    readonly MemoryKeyspace keyspace = new();
    long now = 1_000_000;

    Reply Run(params string[] args) => Run(new Random(), args);

    Reply Run(Random random, params string[] args) =>
        Engine.Execute(new CommandContext(keyspace, now, random), args.Select(Encoding.UTF8.GetBytes).ToArray());

    static HashSet<string> Strings(Reply reply) =>
        ((ArrayReply)reply).Items!.Select(r => Encoding.UTF8.GetString(((BulkReply)r).Value!)).ToHashSet();

    static List<string> StringList(Reply reply) =>
        ((ArrayReply)reply).Items!.Select(r => Encoding.UTF8.GetString(((BulkReply)r).Value!)).ToList();

    SetValue? Set(string key) => keyspace.Get(Encoding.UTF8.GetBytes(key))?.Set;

    void Fill(string key, int n, string prefix = "m")
    {
        var args = new List<string> { "SADD", key };
        for (var i = 0; i < n; i++) args.Add(prefix + i);
        Run(args.ToArray());
    }

    [Fact]
    public void Sadd_srem_scard_and_emptied_key_is_deleted()
    {
        Assert.Equal(Reply.Integer(3), Run("SADD", "s", "a", "b", "a", "c"));
        Assert.Equal(Reply.Integer(0), Run("SADD", "s", "a"));
        Assert.Equal(Reply.Integer(3), Run("SCARD", "s"));
        Assert.Equal(Reply.Integer(2), Run("SREM", "s", "a", "b", "zz"));
        Assert.Equal(Reply.Integer(1), Run("SREM", "s", "c"));
        Assert.Null(keyspace.Get(Encoding.UTF8.GetBytes("s")));
        Assert.Equal(Reply.Integer(0), Run("SCARD", "s"));
    }

    [Fact]
    public void Every_write_bumps_the_version_and_noops_do_not()
    {
        Run("SADD", "s", "a");
        var v = keyspace.Get(Encoding.UTF8.GetBytes("s"))!.Version;
        Run("SADD", "s", "a");
        Run("SREM", "s", "zz");
        Assert.Equal(v, keyspace.Get(Encoding.UTF8.GetBytes("s"))!.Version);
        Run("SADD", "s", "b");
        Assert.Equal(v + 1, keyspace.Get(Encoding.UTF8.GetBytes("s"))!.Version);
    }

    [Fact]
    public void Expired_set_is_missing_and_sadd_starts_a_new_one()
    {
        Run("SADD", "s", "a", "b");
        keyspace.Get(Encoding.UTF8.GetBytes("s"))!.ExpiresAt = now + 10;
        now += 10;
        Assert.Equal(Reply.Integer(0), Run("SCARD", "s"));
        Assert.Equal(Reply.Integer(1), Run("SADD", "s", "c"));
        Assert.Equal(new HashSet<string> { "c" }, Strings(Run("SMEMBERS", "s")));
        Assert.Null(keyspace.Get(Encoding.UTF8.GetBytes("s"))!.ExpiresAt);
    }

    [Fact]
    public void Spop_single_returns_a_member_and_removes_it()
    {
        Fill("s", 50);
        var seen = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            var popped = Encoding.UTF8.GetString(((BulkReply)Run("SPOP", "s")).Value!);
            Assert.StartsWith("m", popped);
            Assert.True(seen.Add(popped), "popped twice: " + popped);
            Assert.Equal(Reply.Integer(0), Run("SISMEMBER", "s", popped));
            Assert.Equal(Reply.Integer(49 - i), Run("SCARD", "s"));
        }
        Assert.Null(Set("s"));
        Assert.Equal(Reply.Nil, Run("SPOP", "s"));
    }

    [Theory]
    [InlineData(100, 1)]
    [InlineData(100, 30)]
    [InlineData(100, 83)] // remaining * 5 <= count: Redis's "keep the rest" strategy
    [InlineData(100, 99)]
    [InlineData(100, 100)]
    [InlineData(100, 1000)]
    public void Spop_with_count_returns_distinct_members_and_removes_exactly_them(int size, int count)
    {
        Fill("s", size);
        var before = Strings(Run("SMEMBERS", "s"));
        var popped = StringList(Run("SPOP", "s", count.ToString()));
        Assert.Equal(Math.Min(size, count), popped.Count);
        Assert.Equal(popped.Count, popped.Distinct().Count());
        Assert.Subset(before, popped.ToHashSet());
        var after = Set("s") is null ? [] : Strings(Run("SMEMBERS", "s"));
        Assert.Equal(before.Count - popped.Count, after.Count);
        Assert.Empty(after.Intersect(popped));
        Assert.Equal(before, after.Union(popped).ToHashSet());
        if (count >= size) Assert.Null(Set("s"));
    }

    [Fact]
    public void Spop_count_zero_and_errors_change_nothing()
    {
        Fill("s", 5);
        Assert.Equal(Reply.EmptyArray, Run("SPOP", "s", "0"));
        Assert.Equal(Reply.Error(Errors.NotPositive), Run("SPOP", "s", "-1"));
        Assert.Equal(Reply.Error(Errors.NotPositive), Run("SPOP", "s", "x"));
        Assert.Equal(Reply.Error(Errors.Syntax), Run("SPOP", "s", "1", "2"));
        Assert.Equal(Reply.Integer(5), Run("SCARD", "s"));
    }

    [Theory]
    [InlineData(1000, 1)]
    [InlineData(1000, 200)] // few of many: random positions
    [InlineData(1000, 900)] // close to all: partial shuffle
    [InlineData(1000, 1000)]
    [InlineData(1000, 5000)]
    public void Srandmember_positive_count_gives_distinct_members_and_leaves_the_set(int size, int count)
    {
        Fill("s", size);
        var before = Strings(Run("SMEMBERS", "s"));
        var picked = StringList(Run("SRANDMEMBER", "s", count.ToString()));
        Assert.Equal(Math.Min(size, count), picked.Count);
        Assert.Equal(picked.Count, picked.Distinct().Count());
        Assert.Subset(before, picked.ToHashSet());
        Assert.Equal(before, Strings(Run("SMEMBERS", "s")));
    }

    [Fact]
    public void Srandmember_negative_count_may_repeat_and_has_exact_length()
    {
        Run("SADD", "s", "a", "b");
        var picked = StringList(Run("SRANDMEMBER", "s", "-100"));
        Assert.Equal(100, picked.Count);
        Assert.All(picked, p => Assert.Contains(p, new[] { "a", "b" }));
        Assert.Equal(2, picked.Distinct().Count()); // 2^-99 chance of a false failure
        Assert.Equal(Reply.Integer(2), Run("SCARD", "s"));
    }

    [Fact]
    public void Srandmember_picks_every_member_eventually()
    {
        Fill("s", 10);
        var seen = new HashSet<string>();
        var random = new Random(42);
        for (var i = 0; i < 500; i++) seen.Add(Encoding.UTF8.GetString(((BulkReply)Run(random, "SRANDMEMBER", "s")).Value!));
        Assert.Equal(10, seen.Count);
    }

    [Fact]
    public void Srandmember_shapes_and_errors()
    {
        Assert.Equal(Reply.Nil, Run("SRANDMEMBER", "nope"));
        Assert.Equal(Reply.EmptyArray, Run("SRANDMEMBER", "nope", "-3"));
        Run("SADD", "s", "a");
        Assert.Equal(Reply.EmptyArray, Run("SRANDMEMBER", "s", "0"));
        Assert.Equal(Reply.Error(Errors.NotInteger), Run("SRANDMEMBER", "s", "x"));
        Assert.Equal(
            Reply.Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
            Run("SRANDMEMBER", "s", "-9223372036854775808"));
    }

    [Fact]
    public void Encoding_follows_redis_intset_rules()
    {
        Run("SADD", "i", "1", "2", "-9223372036854775808");
        Assert.False(Set("i")!.Hashtable);
        Run("SADD", "i", "007");
        Assert.True(Set("i")!.Hashtable);
        Run("SREM", "i", "007");
        Assert.True(Set("i")!.Hashtable); // Redis never converts back

        var args = new List<string> { "SADD", "big" };
        for (var i = 0; i < 512; i++) args.Add(i.ToString());
        Run(args.ToArray());
        Assert.False(Set("big")!.Hashtable);
        Run("SADD", "big", "512");
        Assert.True(Set("big")!.Hashtable);

        Run("SADD", "h", "a", "1", "2");
        Run("SINTERSTORE", "d", "h", "i");
        Assert.False(Set("d")!.Hashtable); // the *STORE result starts as an intset
    }

    [Fact]
    public void Spop_keep_the_rest_strategy_reencodes_like_redis()
    {
        // 12 members, pop 10: 2 * 5 <= 10, so Redis rebuilds the set from the 2 left.
        Run("SADD", "s", "a", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11");
        Run("SPOP", "s", "10");
        var left = Strings(Run("SMEMBERS", "s"));
        Assert.Equal(!left.Contains("a"), !Set("s")!.Hashtable);

        // 13 members, pop 10: 3 * 5 > 10, popped one by one, stays a hashtable.
        keyspace.Remove(Encoding.UTF8.GetBytes("s"));
        Run("SADD", "s", "a", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12");
        Run("SPOP", "s", "10");
        Assert.True(Set("s")!.Hashtable);
    }

    [Fact]
    public void Sscan_of_a_hashtable_set_visits_every_member_once_across_pages()
    {
        Fill("s", 300);
        var seen = new List<string>();
        var cursor = "0";
        var calls = 0;
        do
        {
            var reply = (ArrayReply)Run("SSCAN", "s", cursor, "COUNT", "7");
            cursor = Encoding.UTF8.GetString(((BulkReply)reply.Items![0]).Value!);
            seen.AddRange(StringList(reply.Items[1]));
            calls++;
        } while (cursor != "0");
        Assert.True(calls > 30);
        Assert.Equal(300, seen.Count);
        Assert.Equal(Strings(Run("SMEMBERS", "s")), seen.ToHashSet());
    }

    [Fact]
    public void Sscan_of_an_intset_returns_everything_at_once()
    {
        Run("SADD", "s", "1", "2", "3", "10", "20", "30");
        var reply = (ArrayReply)Run("SSCAN", "s", "77", "COUNT", "1", "MATCH", "1*");
        Assert.Equal(Reply.Bulk("0"), reply.Items![0]);
        Assert.Equal(new HashSet<string> { "1", "10" }, Strings(reply.Items[1]));
    }

    [Fact]
    public void Set_value_keeps_its_positions_consistent_under_random_operations()
    {
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 40]).Array[0, 300].Sample(ops =>
        {
            var set = new SetValue();
            var model = new HashSet<string>();
            var random = new Random(7);
            foreach (var (op, n) in ops)
            {
                var m = Encoding.UTF8.GetBytes(n.ToString());
                switch (op)
                {
                    case 0:
                        Assert.Equal(model.Add(n.ToString()), set.Add(m));
                        break;
                    case 1:
                        Assert.Equal(model.Remove(n.ToString()), set.Remove(m));
                        break;
                    case 2 when model.Count > 0:
                        var popped = Encoding.UTF8.GetString(set.PopRandom(random));
                        Assert.True(model.Remove(popped));
                        break;
                    case 3 when model.Count > 0:
                        Assert.Contains(Encoding.UTF8.GetString(set.RandomMember(random)), model);
                        break;
                }
                Assert.Equal(model.Count, set.Count);
                foreach (var x in model) Assert.True(set.Contains(Encoding.UTF8.GetBytes(x)));
            }
            Assert.Equal(model, set.Members.Select(Encoding.UTF8.GetString).ToHashSet());
        }, iter: 200);
    }

    [Fact]
    public void Clone_is_independent_and_keeps_the_encoding()
    {
        Run("SADD", "s", "1", "x");
        Run("SREM", "s", "x");
        var original = Set("s")!;
        var copy = original.Clone();
        Assert.True(copy.Hashtable);
        copy.Add(Encoding.UTF8.GetBytes("y"));
        Assert.Equal(1, original.Count);
        Assert.Equal(2, copy.Count);
    }

    static SetValue RoundTrip(SetValue value, out string json)
    {
        var state = new KeyState { Set = value, Version = 3 };
        json = JsonSerializer.Serialize(state);
        var back = JsonSerializer.Deserialize<KeyState>(json)!;
        Assert.Equal(3, back.Version);
        return back.Set!;
    }

    static void AssertSame(SetValue expected, SetValue actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Hashtable, actual.Hashtable);
        foreach (var m in expected.Members) Assert.True(actual.Contains(m), "missing " + BulkReply.Escape(m));
    }

    static SetValue Of(params byte[][] members)
    {
        var set = new SetValue();
        foreach (var m in members) set.Add(m);
        return set;
    }

    [Fact]
    public void Json_round_trips_every_shape()
    {
        static byte[] b(string s) => Encoding.UTF8.GetBytes(s);
        var shapes = new (string Name, SetValue Value)[]
        {
            ("empty", new SetValue()),
            ("intset", Of(b("1"), b("-2"), b("9223372036854775807"), b("-9223372036854775808"), b("0"))),
            ("strings", Of(b("a"), b(""), b("with \"quotes\""), b("ünïcødé"), b("-0"), b("007"), b("1.5"), b("1e3"))),
            ("binary", Of(new byte[] { 0xff, 0x00, 0xfe }, new byte[] { 0xc3 }, new byte[] { 0x00 }, b("ok"))),
            ("mixed", Of(b("1"), b("x"), new byte[] { 0x80 })),
        };
        foreach (var (name, value) in shapes)
        {
            var back = RoundTrip(value, out var json);
            output.WriteLine($"{name}: {json}");
            AssertSame(value, back);
        }

        // A hashtable that now holds only integers keeps its encoding through JSON.
        var shrunk = Of(b("1"), b("2"), b("x"));
        shrunk.Remove(b("x"));
        var again = RoundTrip(shrunk, out var shrunkJson);
        Assert.Contains("[true,", shrunkJson);
        AssertSame(shrunk, again);

        // More than 512 integers: a hashtable without needing the marker.
        var big = new SetValue();
        for (var i = 0; i < 600; i++) big.Add(Encoding.ASCII.GetBytes(i.ToString()));
        var bigBack = RoundTrip(big, out var bigJson);
        Assert.DoesNotContain("true", bigJson);
        AssertSame(big, bigBack);
    }

    [Fact]
    public void Json_of_large_sets_is_compact()
    {
        var strings = new SetValue();
        var ints = new SetValue();
        for (var i = 0; i < 10_000; i++)
        {
            strings.Add(Encoding.UTF8.GetBytes("member:" + i));
            ints.Add(Encoding.ASCII.GetBytes((i * 7919L).ToString()));
        }
        var s = JsonSerializer.Serialize(new KeyState { Set = strings });
        var n = JsonSerializer.Serialize(new KeyState { Set = ints });
        output.WriteLine($"10,000 string members ('member:N'): {s.Length:N0} bytes of JSON");
        output.WriteLine($"10,000 integer members: {n.Length:N0} bytes of JSON");
        // Each member costs its text plus a comma (and quotes for strings): no per-member overhead beyond that.
        Assert.True(s.Length < 10_000 * ("member:9999".Length + 3) + 20);
        Assert.True(n.Length < 10_000 * ("79190000".Length + 1) + 20);
        AssertSame(strings, JsonSerializer.Deserialize<KeyState>(s)!.Set!);
        AssertSame(ints, JsonSerializer.Deserialize<KeyState>(n)!.Set!);
    }

    [Fact]
    public void Smove_to_itself_and_to_a_new_key()
    {
        Run("SADD", "a", "x", "5");
        Assert.Equal(Reply.One, Run("SMOVE", "a", "a", "x"));
        Assert.Equal(Reply.Zero, Run("SMOVE", "a", "a", "nope"));
        Assert.Equal(Reply.One, Run("SMOVE", "a", "b", "5"));
        Assert.False(Set("b")!.Hashtable);
        Assert.Equal(Reply.One, Run("SMOVE", "a", "b", "x"));
        Assert.Null(Set("a"));
        Assert.Equal(new HashSet<string> { "x", "5" }, Strings(Run("SMEMBERS", "b")));
    }

    [Fact]
    public void Store_commands_drop_the_destination_ttl()
    {
        Run("SADD", "a", "x");
        Run("SADD", "d", "old");
        keyspace.Get(Encoding.UTF8.GetBytes("d"))!.ExpiresAt = now + 100_000;
        Assert.Equal(Reply.One, Run("SUNIONSTORE", "d", "a"));
        Assert.Null(keyspace.Get(Encoding.UTF8.GetBytes("d"))!.ExpiresAt);
    }
}
