using System.Text;
using CsCheck;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>Every hash command against redis-server 7.0: happy paths, options, errors, edge cases.</summary>
[Trait("Needs", "redis-server")]
[Collection(RedisCollection.Name)]
public sealed class HashesDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    static byte[][][] Parse(string[] commands) => commands.Select(c => Oracle.Differential.Tokenize(c).Select(B).ToArray()).ToArray();

    static readonly string Long65 = new('x', 65);

    // ---------- HSET / HMSET / HSETNX ----------

    [Fact]
    public void HSet_adds_updates_and_counts_only_new_fields() => diff.Run(
        "HSET h a 1",
        "HSET h a 2 b 3",
        "HSET h a 2 a 5",
        "HGET h a",
        "hset h c 1 d 2 e 3",
        "HSET h \"\" \"\"",
        "HGET h \"\"",
        "HSTRLEN h \"\"",
        "HGETALL h",
        "HLEN h");

    [Fact]
    public void HSet_and_HMSet_with_an_odd_field_value_count_are_arity_errors_and_create_nothing()
    {
        diff.Run(
            "HSET h a 1 b",
            "HMSET h a 1 b",
            "HSET h a",
            "HMSET h a",
            "HSET h",
            "HLEN h",
            "HMSET h a 1 b 2",
            "HMSET h a 9",
            "HGETALL h");
        diff.Run("SET s x", "HSET s a 1 b", "HMSET s a 1 b", "HSET s a 1", "HMSET s a 1", "GET s");
    }

    [Fact]
    public void HSetNx_sets_only_missing_fields() => diff.Run(
        "HSETNX h a 1",
        "HSETNX h a 2",
        "HGET h a",
        "HSETNX h b \"\"",
        "HGETALL h",
        "HSETNX h a " + Long65,
        "HSCAN h 0",
        "HSETNX h c " + Long65,
        "HGET h c");

    [Fact]
    public void Every_command_on_a_string_key_is_wrongtype() => diff.Run(
        "SET s x",
        "HSET s a 1", "HMSET s a 1", "HSETNX s a 1", "HGET s a", "HMGET s a b", "HGETALL s", "HDEL s a",
        "HEXISTS s a", "HLEN s", "HKEYS s", "HVALS s", "HINCRBY s a 1", "HINCRBYFLOAT s a 1", "HSTRLEN s a",
        "HRANDFIELD s", "HRANDFIELD s 0", "HRANDFIELD s -2 WITHVALUES", "HSCAN s 0", "HSCAN s 0 COUNT 5",
        "HSCAN s 0 BOGUS",
        // argument errors Redis checks before the key's type
        "HINCRBY s a x", "HINCRBYFLOAT s a x", "HINCRBYFLOAT s a inf", "HRANDFIELD s x", "HRANDFIELD s 1 bogus",
        "HSCAN s x", "HSCAN s -x",
        "GET s");

    // ---------- reads on missing keys and fields ----------

    [Fact]
    public void Reads_of_a_missing_key_have_redis_shapes() => diff.Run(
        "HGET nokey a",
        "HMGET nokey a b a",
        "HGETALL nokey",
        "HKEYS nokey",
        "HVALS nokey",
        "HLEN nokey",
        "HEXISTS nokey a",
        "HSTRLEN nokey a",
        "HDEL nokey a b",
        "HRANDFIELD nokey",
        "HRANDFIELD nokey 0",
        "HRANDFIELD nokey 3",
        "HRANDFIELD nokey -3",
        "HRANDFIELD nokey 3 WITHVALUES",
        "HSCAN nokey 0",
        "HSCAN nokey 0 BOGUS OPTION",
        "HSCAN nokey 0 COUNT 0",
        "HSCAN nokey 5 MATCH *");

    [Fact]
    public void Reads_of_fields() => diff.Run(
        "HSET h a 1 b 22 c \"\"",
        "HGET h a",
        "HGET h zz",
        "HMGET h a zz b a c",
        "HEXISTS h a",
        "HEXISTS h zz",
        "HEXISTS h A",
        "HSTRLEN h b",
        "HSTRLEN h c",
        "HSTRLEN h zz",
        "HKEYS h",
        "HVALS h",
        "HGETALL h",
        "HLEN h");

    [Fact]
    public void HStrLen_of_integer_and_long_values() => diff.Run(
        "HSET h n -12345 z 0 big 9223372036854775807 long " + Long65,
        "HSTRLEN h n",
        "HSTRLEN h z",
        "HSTRLEN h big",
        "HSTRLEN h long",
        "HINCRBY h n 1",
        "HSTRLEN h n");

    // ---------- HDEL ----------

    [Fact]
    public void HDel_counts_removed_fields_and_deletes_the_emptied_key()
    {
        diff.Run(
            "HSET h a 1 b 2 c 3",
            "HDEL h a a zz",
            "HDEL h zz",
            "HLEN h",
            "HDEL h b c",
            "HLEN h",
            "HGETALL h",
            "HDEL h b",
            "HSET h x 1",
            "HGETALL h");
        diff.Run("HSET h a 1", "HDEL h a", "EXISTS h", "TYPE h");
    }

    // ---------- HINCRBY ----------

    [Fact]
    public void HIncrBy_happy_paths() => diff.Run(
        "HINCRBY h a 5",
        "HINCRBY h a -7",
        "HINCRBY h a 0",
        "HSET h s 10",
        "HINCRBY h s 1",
        "HINCRBY h neg -9223372036854775808",
        "HINCRBY h pos 9223372036854775807",
        "HGETALL h");

    [Fact]
    public void HIncrBy_errors() => diff.Run(
        "HSET h s abc e \"\" sp \" 1\" lead 01 plus +1 fl 1.5 max 9223372036854775807 min -9223372036854775808 ok 1",
        "HINCRBY h s 1",
        "HINCRBY h e 1",
        "HINCRBY h sp 1",
        "HINCRBY h lead 1",
        "HINCRBY h plus 1",
        "HINCRBY h fl 1",
        "HINCRBY h max 1",
        "HINCRBY h min -1",
        "HINCRBY h max -1",
        "HINCRBY h min 1",
        "HINCRBY h ok x",
        "HINCRBY h ok 1.5",
        "HINCRBY h ok \"\"",
        "HINCRBY h ok +1",
        "HINCRBY h ok \"1 \"",
        "HINCRBY h ok 9223372036854775808",
        "HINCRBY h ok -9223372036854775809",
        "HINCRBY h s x",
        "HINCRBY missing f x",
        "HLEN missing",
        "HGETALL h");

    // ---------- HINCRBYFLOAT ----------

    [Fact]
    public void HIncrByFloat_happy_paths() => diff.Run(
        "HINCRBYFLOAT h a 10.5",
        "HINCRBYFLOAT h a 0.25",
        "HINCRBYFLOAT h a -0.75",
        "HINCRBYFLOAT h b .5",
        "HINCRBYFLOAT h c 5.",
        "HINCRBYFLOAT h d +1.5",
        "HINCRBYFLOAT h e 5.0e3",
        "HINCRBYFLOAT h f 3.0",
        "HINCRBYFLOAT h g -0",
        "HSET h i 7",
        "HINCRBYFLOAT h i 1",
        "HSET h j 2.5",
        "HINCRBYFLOAT h j -2.5",
        "HGETALL h");

    [Fact]
    public void HIncrByFloat_errors_in_redis_order() => diff.Run(
        "HSET h s abc e \"\" sp \" 1\" tr \"1 \" inf inf nan nan ok 1",
        "HINCRBYFLOAT h ok x",
        "HINCRBYFLOAT h ok nan",
        "HINCRBYFLOAT h ok inf",
        "HINCRBYFLOAT h ok -inf",
        "HINCRBYFLOAT h ok +inf",
        "HINCRBYFLOAT h ok \"\"",
        "HINCRBYFLOAT h ok \" 1\"",
        "HINCRBYFLOAT h ok \"1 \"",
        "HINCRBYFLOAT h ok 1e99999",
        "HINCRBYFLOAT h s 1",
        "HINCRBYFLOAT h e 1",
        "HINCRBYFLOAT h sp 1",
        "HINCRBYFLOAT h tr 1",
        "HINCRBYFLOAT h nan 1",
        "HINCRBYFLOAT h inf 1",
        "HINCRBYFLOAT h s x",
        "HINCRBYFLOAT missing f x",
        "HINCRBYFLOAT missing f inf",
        "HLEN missing",
        "HGETALL h");

    /// <summary>Needs the exact 80-bit long double (Protocol/LongDouble.cs): the double stub differs here.</summary>
    [Fact]
    public void HIncrByFloat_long_double_precision_and_formatting() => diff.Run(
        "HINCRBYFLOAT h a 1.1",
        "HINCRBYFLOAT h a 2.2",
        "HINCRBYFLOAT h b 1e-5",
        "HINCRBYFLOAT h c 1e17",
        "HINCRBYFLOAT h d 123456789012345678",
        "HINCRBYFLOAT h e 0x10",
        "HSET h z -0",
        "HINCRBYFLOAT h z -0",
        "HINCRBYFLOAT h n 1e308",
        "HINCRBYFLOAT h n 1e308",
        "HSET h big 1e400",
        "HINCRBYFLOAT h big 1",
        "HINCRBYFLOAT h f 1e300",
        "HSTRLEN h f",
        "HGETALL h");

    // ---------- HRANDFIELD ----------

    [Fact]
    public void HRandField_shapes_counts_and_options() => diff.Run(
        "HSET h a 1 b 2 c 3 d 4 e 5",
        "HRANDFIELD h",
        "HRANDFIELD h 0",
        "HRANDFIELD h 0 WITHVALUES",
        "HRANDFIELD h 1",
        "HRANDFIELD h 3",
        "HRANDFIELD h 5",
        "HRANDFIELD h 6",
        "HRANDFIELD h 100",
        "HRANDFIELD h -1",
        "HRANDFIELD h -3",
        "HRANDFIELD h -20",
        "HRANDFIELD h 2 WITHVALUES",
        "HRANDFIELD h 9 withvalues",
        "HRANDFIELD h -7 WithValues",
        "HRANDFIELD h 4611686018427387903 WITHVALUES",
        "HRANDFIELD h 9223372036854775807");

    [Fact]
    public void HRandField_argument_errors_in_redis_order() => diff.Run(
        "HSET h a 1",
        "HRANDFIELD h x",
        "HRANDFIELD h 1.5",
        "HRANDFIELD h 01",
        "HRANDFIELD h \"\"",
        "HRANDFIELD h 9223372036854775808",
        "HRANDFIELD h -9223372036854775808",
        "HRANDFIELD h -9223372036854775808 WITHVALUES",
        "HRANDFIELD h -9223372036854775808 bogus",
        "HRANDFIELD h 1 WITHVALUE",
        "HRANDFIELD h 1 WITHVALUES extra",
        "HRANDFIELD h 9223372036854775807 bogus",
        "HRANDFIELD h 9223372036854775807 WITHVALUES",
        "HRANDFIELD h 4611686018427387904 WITHVALUES",
        "HRANDFIELD h -4611686018427387904 WITHVALUES",
        "HRANDFIELD nokey x",
        "HRANDFIELD nokey 1 bogus",
        "HRANDFIELD nokey 4611686018427387904 WITHVALUES");

    [Fact]
    public void HRandField_replies_hold_fields_of_the_hash_with_their_values_on_both_sides()
    {
        var fields = Enumerable.Range(0, 40).Select(i => $"f{i}").ToArray();
        var seed = "HSET h " + string.Join(' ', fields.Select(f => $"{f} v{f}"));
        string[] probes = ["HRANDFIELD h", "HRANDFIELD h 7", "HRANDFIELD h 30", "HRANDFIELD h 50", "HRANDFIELD h -60",
            "HRANDFIELD h 7 WITHVALUES", "HRANDFIELD h 30 WITHVALUES", "HRANDFIELD h -60 WITHVALUES"];
        var commands = Parse([seed, .. probes]);
        diff.Run(commands[..1]);
        for (var i = 1; i < commands.Length; i++)
        {
            var (fromRedis, fromEngine) = diff.Step(commands[i]);
            foreach (var reply in new[] { fromRedis, fromEngine })
            {
                var withValues = commands[i].Length == 4;
                var items = reply is ArrayReply a ? a.Items!.Select(Text).ToList() : [Text(reply)];
                var width = withValues ? 2 : 1;
                for (var j = 0; j < items.Count; j += width)
                {
                    Assert.Contains(items[j], fields);
                    if (withValues) Assert.Equal("v" + items[j], items[j + 1]);
                }
                var count = commands[i].Length > 2 ? long.Parse(Encoding.ASCII.GetString(commands[i][2])) : 0;
                if (count > 0)
                {
                    var picked = items.Where((_, j) => j % width == 0).ToList();
                    Assert.Equal(picked.Count, picked.Distinct().Count()); // a positive count never repeats
                }
            }
        }
    }

    static string Text(Reply r) => r is BulkReply { Value: { } v } ? Encoding.UTF8.GetString(v) : r.ToString();

    // ---------- HSCAN ----------

    [Fact]
    public void HScan_of_a_listpack_hash_returns_it_whole_with_cursor_zero() => diff.Run(
        "HSET h a 1 b 2 c 3 ab 4 abc 5",
        "HSCAN h 0",
        "HSCAN h 0 COUNT 1",
        "HSCAN h 12345",
        "HSCAN h -1",
        "HSCAN h 18446744073709551615",
        "HSCAN h 0 MATCH a*",
        "HSCAN h 0 match ?b* count 2",
        "HSCAN h 0 MATCH zz*",
        "HSCAN h 0 MATCH *",
        "HSCAN h 0 MATCH [ab]",
        "HSCAN h 0 COUNT 1 MATCH a*");

    [Fact]
    public void HScan_errors_in_redis_order() => diff.Run(
        "HSET h a 1",
        "HSCAN h x",
        "HSCAN h 1.5",
        "HSCAN h 18446744073709551616",
        "HSCAN h \" 1\"",
        "HSCAN h 0 COUNT 0",
        "HSCAN h 0 COUNT -1",
        "HSCAN h 0 COUNT x",
        "HSCAN h 0 COUNT",
        "HSCAN h 0 MATCH",
        "HSCAN h 0 TYPE string",
        "HSCAN h 0 BOGUS 1",
        "HSCAN h 0 COUNT 1 BOGUS",
        "HSCAN nokey x");

    [Fact]
    public void HScan_of_small_hashes_at_the_encoding_limits_matches_directly()
    {
        // 128 fields of 64 bytes: still listpack, whole in one call.
        var pairs = Enumerable.Range(0, 128).SelectMany(i => new[] { $"{i}".PadLeft(64, 'f'), $"{i}".PadLeft(64, 'v') });
        diff.Run(
            "HSET h " + string.Join(' ', pairs),
            "HSCAN h 0 COUNT 3",
            "HSCAN h 99 MATCH *1*",
            "HLEN h");
        // A hashtable that shrank back under the limits: Redis pages it, but with fewer fields than
        // COUNT the whole of it fits on the first page, cursor 0.
        diff.Run(
            "HSET h a " + Long65 + " b 2 c 3",
            "HSET h a 1",
            "HSCAN h 0",
            "HSCAN h 0 MATCH ?");
    }

    [Fact]
    public void HScan_of_large_hashes_visits_the_same_fields_as_redis()
    {
        var fields = Enumerable.Range(0, 500).Select(i => $"field:{i}").ToList();
        diff.Run(Parse(["HSET h " + string.Join(' ', fields.Select((f, i) => $"{f} {i}")), "HLEN h"]));
        foreach (var options in new[] { "", " COUNT 7", " COUNT 1000", " MATCH field:1*", " MATCH field:4? COUNT 3" })
            diff.AssertSameScan("HSCAN h 0" + options);

        // The same across an encoding change: 513 small fields make a hashtable too.
        diff.Run(Parse(["HSET g " + string.Join(' ', Enumerable.Range(0, 513).Select(i => $"{i} {i}")), "HLEN g", "OBJECT ENCODING g"]));
        Assert.Equal(513, diff.AssertSameScan("HSCAN g 0").Count);
    }

    // ---------- encodings, binary data, expiry ----------

    [Fact]
    public void Encoding_limits_do_not_change_replies() => diff.Run(
        "HSET h f " + Long65,
        "HSET h g 1",
        "HGETALL h",
        "HSTRLEN h f",
        "HINCRBYFLOAT h g 1.5",
        "HDEL h f",
        "HSCAN h 0",
        "HDEL h g",
        "HLEN h");

    [Fact]
    public void Binary_fields_and_values_round_trip()
    {
        byte[] f1 = [0, 0xff, 0x80, (byte)'\r', (byte)'\n'], v1 = [0xc3, 0x28, 0];
        byte[] f2 = [0xfe], v2 = [];
        var commands = new[]
        {
            new[] { B("HSET"), B("h"), f1, v1, f2, v2 },
            new[] { B("HGET"), B("h"), f1 },
            new[] { B("HMGET"), B("h"), f2, f1, [0xff] },
            new[] { B("HGETALL"), B("h") },
            new[] { B("HKEYS"), B("h") },
            new[] { B("HVALS"), B("h") },
            new[] { B("HSTRLEN"), B("h"), f1 },
            new[] { B("HEXISTS"), B("h"), f2 },
            new[] { B("HSCAN"), B("h"), B("0"), B("MATCH"), [0xfe] },
            new[] { B("HSETNX"), B("h"), f1, B("x") },
            new[] { B("HINCRBY"), B("h"), [0x01, 0x02], B("3") },
            new[] { B("HDEL"), B("h"), f1, f2 },
            new[] { B("HGETALL"), B("h") },
        };
        diff.Run(commands);
    }

    [Fact]
    public void An_expired_hash_is_missing_for_every_command()
    {
        void Expired(params string[] commands)
        {
            diff.Run("HSET h a 1 b 2", "PEXPIRE h 1");
            Thread.Sleep(10);
            diff.Continue(commands);
        }
        Expired("HGET h a", "HLEN h", "HGETALL h", "HEXISTS h a", "HSCAN h 0", "HRANDFIELD h", "HRANDFIELD h 2",
            "HDEL h a", "HSTRLEN h a", "EXISTS h");
        Expired("HSETNX h a 5", "HGETALL h", "TTL h", "PTTL h");
        Expired("HINCRBY h a 5", "HGETALL h", "PTTL h");
        Expired("HINCRBYFLOAT h b 1.5", "HGETALL h", "PTTL h");
    }

    // ---------- random sequences ----------

    [Fact]
    public void Random_sequences_of_hash_commands_answer_like_redis()
    {
        var field = Gen.OneOf<string>("a", "b", "c", "d", "e", "f", "g", "\"\"");
        // HINCRBY works on a..d, HINCRBYFLOAT on e..g, so float sums stay short and exact in a double
        // (the LongDouble stub formats differently from Redis beyond that).
        var value = Gen.OneOf<string>("1", "-3", "0", "2.5", "x", "\"\"", "-9000", Long65);
        var intField = Gen.OneOf<string>("a", "b", "c", "d");
        var floatField = Gen.OneOf<string>("e", "f", "g");
        var number = Gen.OneOf<string>("1", "-1", "7", "0", "x", "9223372036854775807");
        var floatIncr = Gen.OneOf<string>("1.5", "-0.25", "2", "x", "inf");
        var command = Gen.OneOf(
            Gen.Select(field, value).Select((f, v) => $"HSET h {f} {v}"),
            Gen.Select(field, value, field, value).Select((f, v, f2, v2) => $"HSET h {f} {v} {f2} {v2}"),
            Gen.Select(field, value).Select((f, v) => $"HMSET h {f} {v}"),
            Gen.Select(field, value).Select((f, v) => $"HSETNX h {f} {v}"),
            Gen.Select(field, field).Select((f, f2) => $"HDEL h {f} {f2}"),
            field.Select(f => $"HGET h {f}"),
            Gen.Select(field, field).Select((f, f2) => $"HMGET h {f} {f2}"),
            Gen.Select(intField, number).Select((f, n) => $"HINCRBY h {f} {n}"),
            Gen.Select(floatField, floatIncr).Select((f, n) => $"HINCRBYFLOAT h {f} {n}"),
            field.Select(f => $"HEXISTS h {f}"),
            field.Select(f => $"HSTRLEN h {f}"),
            Gen.OneOf<string>("HLEN h", "HGETALL h", "HKEYS h", "HVALS h", "HSCAN h 0", "HSCAN h 0 MATCH [a-c]",
                "HRANDFIELD h", "HRANDFIELD h 3", "HRANDFIELD h -5 WITHVALUES", "HRANDFIELD h 10 WITHVALUES"));
        command.Array[1, 30].Sample(commands => diff.Run(commands), iter: 1000, threads: 1);
    }
}
