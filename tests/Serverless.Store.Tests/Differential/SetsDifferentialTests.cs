using System.Text;
using CsCheck;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>The set commands against redis-server 7.0, reply for reply.</summary>
[Trait("Needs", "redis-server")]
[Collection(RedisCollection.Name)]
public sealed class SetsDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    [Fact]
    public void Sadd_and_srem() => diff.Run(
        "SADD s a b c a",
        "SADD s a",
        "SADD s d \"\" \"with space\"",
        "SMEMBERS s",
        "SCARD s",
        "SREM s a zz a",
        "SREM s zz",
        "SREM nope a",
        "SREM s b c d \"\" \"with space\"",
        "EXISTS s",
        "SMEMBERS s",
        "SADD",
        "SADD s",
        "SREM s",
        "SET str x",
        "SADD str a",
        "SREM str a",
        "GET str");

    [Fact]
    public void Smembers_sismember_smismember_scard() => diff.Run(
        "SMEMBERS nope",
        "SISMEMBER nope a",
        "SMISMEMBER nope a b",
        "SCARD nope",
        "SADD s 1 2 x",
        "SMEMBERS s",
        "SISMEMBER s 1",
        "SISMEMBER s 3",
        "SISMEMBER s \"\"",
        "SMISMEMBER s 1 3 x x",
        "SCARD s",
        "SET str x",
        "SMEMBERS str",
        "SISMEMBER str a",
        "SMISMEMBER str a",
        "SCARD str",
        "SMISMEMBER s",
        "SISMEMBER s",
        "SISMEMBER s a b",
        "SMEMBERS s extra",
        "SCARD s extra");

    [Fact]
    public void Spop_shapes_counts_and_errors() => diff.Run(
        "SPOP nope",
        "SPOP nope 0",
        "SPOP nope 3",
        "SPOP nope -1",
        "SPOP nope x",
        "SADD s a b c",
        "SPOP s 0",
        "SPOP s -1",
        "SPOP s x",
        "SPOP s 99999999999999999999",
        "SPOP s 1 2",
        "SCARD s",
        "SPOP s 3",
        "EXISTS s",
        "SADD s a b c",
        "SPOP s 100",
        "EXISTS s",
        "SADD s a",
        "SPOP s",
        "EXISTS s",
        "SADD s 1 2 3",
        "SPOP s 9223372036854775807",
        "EXISTS s",
        "SET str x",
        "SPOP str",
        "SPOP str 0",
        "SPOP str -1",
        "SPOP");

    [Fact]
    public void Spop_single_empties_the_set_in_size_calls() => diff.Run(
        "SADD s a b c",
        "SPOP s",
        "SCARD s",
        "SPOP s",
        "SPOP s",
        "EXISTS s",
        "SPOP s");

    [Fact]
    public void Srandmember_shapes_counts_and_errors() => diff.Run(
        "SRANDMEMBER nope",
        "SRANDMEMBER nope 0",
        "SRANDMEMBER nope 3",
        "SRANDMEMBER nope -3",
        "SRANDMEMBER nope x",
        "SADD s a b c",
        "SRANDMEMBER s",
        "SRANDMEMBER s 0",
        "SRANDMEMBER s 2",
        "SRANDMEMBER s 3",
        "SRANDMEMBER s 10",
        "SRANDMEMBER s -2",
        "SRANDMEMBER s -10",
        "SRANDMEMBER s x",
        "SRANDMEMBER s 1.5",
        "SRANDMEMBER s 99999999999999999999",
        "SRANDMEMBER s -9223372036854775808",
        "SRANDMEMBER s -9223372036854775807 2",
        "SRANDMEMBER s 1 2",
        "SCARD s",
        "SET str x",
        "SRANDMEMBER str",
        "SRANDMEMBER str 0",
        "SRANDMEMBER str x",
        "SRANDMEMBER");

    [Fact]
    public void Srandmember_on_a_larger_set_both_strategies() => diff.Run(
        "SADD s " + string.Join(' ', Enumerable.Range(0, 100).Select(i => "m" + i)),
        "SRANDMEMBER s 5",
        "SRANDMEMBER s 40",
        "SRANDMEMBER s 99",
        "SRANDMEMBER s 100",
        "SRANDMEMBER s -500",
        "SCARD s");

    [Fact]
    public void Sinter_sunion_sdiff() => diff.Run(
        "SADD a 1 2 3 x y",
        "SADD b 2 3 4 y z",
        "SADD c 3 y q",
        "SINTER a",
        "SINTER a b",
        "SINTER a b c",
        "SINTER a a",
        "SINTER a nope",
        "SINTER nope a",
        "SINTER nope",
        "SUNION a",
        "SUNION a b c",
        "SUNION a nope",
        "SUNION nope nope2",
        "SDIFF a",
        "SDIFF a b",
        "SDIFF a b c",
        "SDIFF a a",
        "SDIFF a nope b",
        "SDIFF nope a",
        "SDIFF b a c",
        "SINTER",
        "SUNION",
        "SDIFF");

    [Fact]
    public void Sdiff_with_both_of_redis_algorithms() => diff.Run(
        "SADD big " + string.Join(' ', Enumerable.Range(0, 60)),
        "SADD small 1 2 3 x",
        "SADD other 2 x y",
        "SDIFF small big other",
        "SDIFF big small other",
        "SDIFF big small small small small small small small small small",
        "SDIFFSTORE d big small other",
        "SDIFFSTORE d small big other",
        "SMEMBERS d");

    [Fact]
    public void Multi_key_reads_check_every_type_even_after_a_missing_key() => diff.Run(
        "SADD s a b",
        "SET str x",
        "SINTER missing str",
        "SINTER s missing str",
        "SINTER str missing",
        "SINTER s str",
        "SUNION missing str",
        "SUNION s str",
        "SDIFF missing str",
        "SDIFF s str",
        "SDIFF str s",
        "SINTERSTORE d missing str",
        "SUNIONSTORE d s str",
        "SDIFFSTORE d s str",
        "EXISTS d",
        "SINTERCARD 2 missing str",
        "SINTERCARD 3 s missing str");

    [Fact]
    public void Store_commands_replace_the_destination() => diff.Run(
        "SADD a 1 2 3 x",
        "SADD b 2 3 y",
        "SET str v",
        "SINTERSTORE str a b",
        "TYPE str",
        "SMEMBERS str",
        "SET str2 v",
        "SUNIONSTORE str2 a b",
        "TYPE str2",
        "SMEMBERS str2",
        "SET str3 v",
        "SDIFFSTORE str3 a b",
        "TYPE str3",
        "SMEMBERS str3",
        "SADD d old",
        "SINTERSTORE d a b",
        "SMEMBERS d",
        "SUNIONSTORE d a b",
        "SMEMBERS d",
        "SDIFFSTORE d a b",
        "SMEMBERS d",
        "SINTERSTORE",
        "SINTERSTORE d",
        "SUNIONSTORE d",
        "SDIFFSTORE d");

    [Fact]
    public void Store_commands_delete_the_destination_on_an_empty_result() => diff.Run(
        "SADD a 1 2",
        "SADD b 3 4",
        "SET d x",
        "SINTERSTORE d a b",
        "EXISTS d",
        "SET d x",
        "SINTERSTORE d a missing",
        "EXISTS d",
        "SINTERSTORE d missing",
        "SET d x",
        "SUNIONSTORE d missing missing2",
        "EXISTS d",
        "SET d x",
        "SDIFFSTORE d a a",
        "EXISTS d",
        "SET d x",
        "SDIFFSTORE d missing a",
        "EXISTS d",
        "SDIFFSTORE a a b",
        "SMEMBERS a",
        "SDIFFSTORE a a a",
        "EXISTS a");

    [Fact]
    public void Store_commands_may_name_a_source_as_destination_and_drop_the_ttl() => diff.Run(
        "SADD a 1 2 3",
        "SADD b 3 4",
        "EXPIRE a 1000",
        "SUNIONSTORE a a b",
        "SMEMBERS a",
        "TTL a",
        "SINTERSTORE b a b",
        "SMEMBERS b",
        "SET d x EX 100",
        "SUNIONSTORE d a",
        "TTL d");

    [Fact]
    public void Smove() => diff.Run(
        "SADD a x y 1",
        "SADD b z",
        "SMOVE a b x",
        "SMEMBERS a",
        "SMEMBERS b",
        "SMOVE a b nope",
        "SMOVE a b z",
        "SMOVE b a z",
        "SMOVE a b z",
        "SMEMBERS a",
        "SMEMBERS b",
        "SMOVE a a y",
        "SMOVE a a nope",
        "SMOVE nope a y",
        "SMOVE a new 1",
        "SMEMBERS new",
        "SMOVE a new y",
        "EXISTS a",
        "SMEMBERS new",
        "SET str v",
        "SMOVE missing str x",
        "SMOVE new str x",
        "SMOVE str new x",
        "SMOVE str str x",
        "SMEMBERS new",
        "SMOVE a b",
        "SMOVE a b c d");

    [Fact]
    public void Sintercard() => diff.Run(
        "SADD a 1 2 3 4 x",
        "SADD b 2 3 4 5 x",
        "SADD c 3 4 x",
        "SINTERCARD 1 a",
        "SINTERCARD 2 a b",
        "SINTERCARD 3 a b c",
        "SINTERCARD 3 a b c LIMIT 0",
        "SINTERCARD 3 a b c LIMIT 1",
        "SINTERCARD 3 a b c limit 2",
        "SINTERCARD 3 a b c LIMIT 3",
        "SINTERCARD 3 a b c LIMIT 100",
        "SINTERCARD 2 a b LIMIT 1 LIMIT 2",
        "SINTERCARD 2 a a",
        "SINTERCARD 2 a missing",
        "SINTERCARD 1 missing",
        "SINTERCARD 0 a",
        "SINTERCARD -1 a",
        "SINTERCARD x a",
        "SINTERCARD 1.5 a",
        "SINTERCARD 9223372036854775808 a",
        "SINTERCARD 3 a b",
        "SINTERCARD 9223372036854775807 a",
        "SINTERCARD 1 a LIMIT -1",
        "SINTERCARD 1 a LIMIT x",
        "SINTERCARD 1 a LIMIT",
        "SINTERCARD 1 a FOO 1",
        "SINTERCARD 1 a b",
        "SINTERCARD 0 a LIMIT -1",
        "SINTERCARD 5 a LIMIT -1",
        "SET str v",
        "SINTERCARD 1 str",
        "SINTERCARD 2 missing str",
        "SINTERCARD 1 str LIMIT -1",
        "SINTERCARD",
        "SINTERCARD 1");

    [Fact]
    public void Sscan_of_intsets_and_small_sets() => diff.Run(
        "SSCAN nope 0",
        "SSCAN nope 0 COUNT 0",
        "SSCAN nope x",
        "SADD i 1 2 3 10 20 -5 9223372036854775807",
        "SSCAN i 0",
        "SSCAN i 0 COUNT 1",
        "SSCAN i 7",
        "SSCAN i 18446744073709551615",
        "SSCAN i -1",
        "SSCAN i 0 MATCH 1*",
        "SSCAN i 0 match *0 count 2",
        "SSCAN i 0 MATCH *",
        "SSCAN i 0 MATCH nomatch",
        "SSCAN i 0 COUNT 0",
        "SSCAN i 0 COUNT -1",
        "SSCAN i 0 COUNT x",
        "SSCAN i 0 COUNT",
        "SSCAN i 0 MATCH",
        "SSCAN i 0 TYPE set",
        "SSCAN i 0 FOO bar",
        "SSCAN i 18446744073709551616",
        "SSCAN i 1.5",
        "SADD s a b c",
        "SSCAN s 0",
        "SSCAN s 0 MATCH a*",
        "SET str v",
        "SSCAN str 0",
        "SSCAN str x",
        "SSCAN str 0 COUNT 0",
        "SSCAN s");

    [Fact]
    public void Sscan_of_a_512_member_intset_is_one_page_and_513_is_not_an_intset()
    {
        var ints = string.Join(' ', Enumerable.Range(1, 512));
        diff.Run("SADD i " + ints, "SSCAN i 0 COUNT 3", "SSCAN i 0 MATCH 5?? COUNT 1", "SCARD i");
        diff.Run("SADD i " + ints, "SADD i 513", "SADD j " + ints + " x", "SREM j x", "SCARD i", "SCARD j");
        AssertEncodings("i", "j");
    }

    [Fact]
    public void Binary_members() => diff.Run(
    [
        Cmd("SADD", "b", "\0", "\xff\xfe", "a\0b", "", "\r\n"),
        Cmd("SMEMBERS", "b"),
        Cmd("SISMEMBER", "b", "a\0b"),
        Cmd("SISMEMBER", "b", "a"),
        Cmd("SMISMEMBER", "b", "\xff\xfe", "\xff"),
        Cmd("SADD", "c", "\xff\xfe", "x"),
        Cmd("SINTER", "b", "c"),
        Cmd("SDIFF", "b", "c"),
        Cmd("SUNION", "b", "c"),
        Cmd("SMOVE", "b", "c", "\0"),
        Cmd("SMEMBERS", "c"),
        Cmd("SREM", "b", "\r\n", "a\0b"),
        Cmd("SMEMBERS", "b"),
        Cmd("SSCAN", "b", "0"),
        Cmd("SSCAN", "b", "0", "MATCH", "\xff*"),
        Cmd("SINTERCARD", "2", "b", "c"),
    ]);

    /// <summary>Latin-1 text to bytes, so "\xff" is the single byte 0xff.</summary>
    static byte[][] Cmd(params string[] args) => args.Select(a => a.Select(c => (byte)c).ToArray()).ToArray();

    [Fact]
    public void Arity_of_fixed_commands() => diff.Run(
        "SCARD",
        "SMEMBERS",
        "SISMEMBER s",
        "SMOVE a b",
        "SPOP",
        "SRANDMEMBER",
        "SSCAN s");

    /// <summary>
    /// Redis 7.0 keeps a set as an intset while every member is an integer and there are at
    /// most 512, and SSCAN depends on it: OBJECT ENCODING on redis must match our tracking.
    /// </summary>
    [Fact]
    public void Encoding_matches_redis_through_every_kind_of_write()
    {
        diff.Run(
            "SADD i1 1 2 3",
            "SADD h1 1 2 x",
            "SREM h1 x",
            "SADD h2 a 1",
            "SREM h2 a",
            "SADD m 1 2 x y",
            "SINTERSTORE st1 h1 m",
            "SUNIONSTORE st2 h1 i1",
            "SUNIONSTORE st3 h1 m",
            "SDIFFSTORE st4 m h2",
            "SMOVE m mv1 1",
            "SMOVE m mv2 x",
            "SADD mv1 y",
            "SMOVE mv1 mv3 y",
            "SPOP i1 0");
        AssertEncodings("i1", "h1", "h2", "m", "st1", "st2", "st3", "st4", "mv1", "mv2", "mv3");
    }

    [Fact]
    public void Sdiffstore_encoding_depends_on_redis_algorithm_choice()
    {
        // Algorithm 2 (copy then remove) keeps a hashtable; algorithm 1 builds a fresh intset.
        diff.Run(
            "SADD big " + string.Join(' ', Enumerable.Range(0, 60)) + " x",
            "SADD small x",
            "SDIFFSTORE d1 big small",
            "SDIFFSTORE d2 big small small small small small small small small small small small small",
            "SDIFFSTORE d3 big small missing missing missing");
        AssertEncodings("d1", "d2", "d3");
    }

    [Fact]
    public void Spop_keep_the_rest_strategy_matches_redis_encoding()
    {
        // Whether "a" survives is random on each side, so compare each side with its own content.
        for (var round = 0; round < 10; round++)
        {
            diff.Run(
                "SADD s a 1 2 3 4 5 6 7 8 9 10 11",
                "SPOP s 10",
                "SADD t a 1 2 3 4 5 6 7 8 9 10 11 12",
                "SPOP t 10");
            foreach (var key in new[] { "s", "t" })
            {
                var redisMembers = (ArrayReply)redis.Client.Call("SMEMBERS", key);
                var redisHasA = redisMembers.Items!.Any(r => r.Equals(Reply.Bulk("a")));
                var redisEncoding = ((BulkReply)redis.Client.Call("OBJECT", "ENCODING", key)).Value!;
                var oursHasA = diff.OnEngine(Cmd("SISMEMBER", key, "a")).Equals(Reply.One);
                var ours = diff.Keyspace.Get(Encoding.UTF8.GetBytes(key))!.Set!; // the encoding has no command to read it
                // s: rebuilt, so hashtable exactly when "a" is left; t: popped one by one, stays hashtable.
                Assert.Equal(key == "t" || redisHasA, Encoding.ASCII.GetString(redisEncoding) == "hashtable");
                Assert.Equal(key == "t" || oursHasA, ours.Hashtable);
            }
        }
    }

    /// <summary>
    /// The harness compares these replies as multisets, but for intsets Redis's order is defined
    /// (ascending by value): check it exactly.
    /// </summary>
    [Fact]
    public void Intset_replies_come_in_redis_order()
    {
        diff.Run(
            "SADD a 30 -2 7 100 0 5 9223372036854775807 -9223372036854775808",
            "SADD b 7 5 30 1000 -2",
            "SADD c 7 100",
            "SADD h x 7 5");
        string[] reads =
        [
            "SMEMBERS a", "SSCAN a 0", "SSCAN a 0 MATCH *0", "SUNION a b", "SDIFF a b", "SDIFF a h",
            "SINTER a b", "SINTER c a h", "SRANDMEMBER a 100", "SPOP c 100",
        ];
        foreach (var line in reads)
        {
            var (theirs, ours) = diff.Step(line);
            Assert.True(theirs.Equals(ours), $"{line}\nredis-server: {theirs}\nengine:       {ours}");
        }
    }

    void AssertEncodings(params string[] keys)
    {
        foreach (var key in keys)
        {
            var theirs = redis.Client.Call("OBJECT", "ENCODING", key);
            var state = diff.Keyspace.Get(Encoding.UTF8.GetBytes(key));
            var ours = state?.Set is null ? "(nil)" : state.Set.Hashtable ? "hashtable" : "intset";
            var expected = theirs is BulkReply { Value: { } v } ? Encoding.ASCII.GetString(v) : "(nil)";
            Assert.True(expected == ours, $"{key}: redis {expected}, engine {ours}");
        }
    }

    /// <summary>
    /// Hashtable-encoded sets page by different cursors on the two sides: iterate both to
    /// cursor 0 and compare what was seen.
    /// </summary>
    [Theory]
    [InlineData(50, "1", null)]
    [InlineData(300, "10", null)]
    [InlineData(300, "7", "m1*")]
    [InlineData(1000, "100", "*7")]
    public void Sscan_of_a_hashtable_set_covers_the_same_members(int size, string count, string? match)
    {
        diff.Run("SADD s " + string.Join(' ', Enumerable.Range(0, size).Select(i => "m" + i)));
        Assert.NotEmpty(diff.AssertSameScan($"SSCAN s 0 COUNT {count}" + (match is null ? "" : $" MATCH {match}")));
    }

    /// <summary>
    /// Random command sequences over a few keys and a small alphabet (integers and words, so
    /// both encodings and their conversions occur); after each sequence the encodings must match
    /// too. SPOP only with counts that take the whole set, so both sides stay equal.
    /// </summary>
    [Fact]
    public void Random_sequences_match_redis()
    {
        string[] keys = ["a", "b", "c"];
        string[] members = ["1", "2", "3", "-7", "10", "x", "y", "007"];
        var key = Gen.Int[0, keys.Length - 1].Select(i => keys[i]);
        var member = Gen.Int[0, members.Length - 1].Select(i => members[i]);
        var memberList = member.Array[1, 4].Select(ms => string.Join(' ', ms));
        var keyList = key.Array[1, 3].Select(ks => string.Join(' ', ks));
        var command = Gen.OneOf(
            Gen.Select(key, memberList).Select((k, m) => $"SADD {k} {m}"),
            Gen.Select(key, memberList).Select((k, m) => $"SADD {k} {m}"),
            Gen.Select(key, memberList).Select((k, m) => $"SREM {k} {m}"),
            Gen.Select(key, member).Select((k, m) => $"SISMEMBER {k} {m}"),
            Gen.Select(key, memberList).Select((k, m) => $"SMISMEMBER {k} {m}"),
            key.Select(k => $"SCARD {k}"),
            key.Select(k => $"SMEMBERS {k}"),
            key.Select(k => $"SSCAN {k} 0"),
            key.Select(k => $"SPOP {k} 100"),
            Gen.Select(key, Gen.Int[-5, 5]).Select((k, n) => $"SRANDMEMBER {k} {n}"),
            keyList.Select(ks => $"SINTER {ks}"),
            keyList.Select(ks => $"SUNION {ks}"),
            keyList.Select(ks => $"SDIFF {ks}"),
            Gen.Select(key, keyList).Select((d, ks) => $"SINTERSTORE {d} {ks}"),
            Gen.Select(key, keyList).Select((d, ks) => $"SUNIONSTORE {d} {ks}"),
            Gen.Select(key, keyList).Select((d, ks) => $"SDIFFSTORE {d} {ks}"),
            Gen.Select(key, key, member).Select((s, d, m) => $"SMOVE {s} {d} {m}"),
            Gen.Select(key.Array[1, 3], Gen.Int[0, 3]).Select((ks, l) => $"SINTERCARD {ks.Length} {string.Join(' ', ks)} LIMIT {l}"));
        command.Array[1, 30].Sample(sequence =>
        {
            diff.Run(sequence);
            AssertEncodings(keys);
        }, iter: 150, threads: 1);
    }
}
