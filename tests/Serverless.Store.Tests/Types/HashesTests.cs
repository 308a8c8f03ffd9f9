using System.Text;
using System.Text.Json;
using CsCheck;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Types;

/// <summary>Pure engine tests of hashes: the value's invariants, JSON, HRANDFIELD/HSCAN properties.</summary>
public sealed class HashesTests(ITestOutputHelper output)
{
    const long Now = 1_700_000_000_000;
    readonly MemoryKeyspace keyspace = new();

    Reply Run(params string[] words) => Run(new Random(1), words);

    Reply Run(Random random, params string[] words) => Exec(keyspace, random, words);

    static Reply Exec(MemoryKeyspace keyspace, Random random, params string[] words) =>
        Engine.Execute(new CommandContext(keyspace, Now, random), words.Select(Encoding.UTF8.GetBytes).ToArray());

    Reply Run(byte[][] args, Random? random = null) => Engine.Execute(new CommandContext(keyspace, Now, random ?? new Random(1)), args);

    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    static string Text(Reply r) => r is BulkReply { Value: { } v } ? Encoding.UTF8.GetString(v) : r.ToString();

    static List<string> Items(Reply r) => ((ArrayReply)r).Items!.Select(Text).ToList();

    HashValue Hash(string key) => keyspace.Get(B(key))!.Hash!;

    void Fill(string key, int n, Func<int, string>? value = null) => Fill(keyspace, key, n, value);

    static void Fill(MemoryKeyspace keyspace, string key, int n, Func<int, string>? value = null)
    {
        var random = new Random(1);
        for (var i = 0; i < n; i++) Exec(keyspace, random, "HSET", key, $"f{i}", value?.Invoke(i) ?? $"v{i}");
    }

    static readonly Gen<byte[]> SmallBytes = Gen.Frequency(
        (3, Gen.Int[0, 30].Select(i => Encoding.UTF8.GetBytes($"k{i}"))),
        (1, Gen.Byte.Array[0, 4]));

    // ---------- the value ----------

    [Fact]
    public void Value_matches_a_dictionary_model_under_random_sets_and_removes()
    {
        var op = Gen.Select(Gen.Bool, SmallBytes, SmallBytes);
        op.Array[0, 200].Sample(ops =>
        {
            var hash = new HashValue();
            var model = new Dictionary<byte[], byte[]>(Bytes.Comparer);
            foreach (var (set, field, value) in ops)
            {
                if (set) Assert.Equal(!model.ContainsKey(field), hash.Set(field, value));
                else Assert.Equal(model.ContainsKey(field), hash.Remove(field));
                if (set) model[field] = value;
                else model.Remove(field);
            }
            Assert.Equal(model.Count, hash.Count);
            for (var i = 0; i < hash.Count; i++)
                Assert.Equal(model[hash.FieldAt(i)], hash.ValueAt(i)); // dense slots hold exactly the model
            foreach (var (f, v) in model) Assert.Equal(v, hash.Get(f));
            Assert.Equal(model.Count, hash.Entries.Select(e => e.Key).Distinct(Bytes.Comparer).Count());
        }, iter: 2_000);
    }

    [Fact]
    public void Encoding_turns_hashtable_past_512_fields_or_64_bytes_and_never_back()
    {
        var hash = new HashValue();
        for (var i = 0; i < 512; i++) hash.Set(B($"f{i}"), B("v"));
        Assert.Equal("listpack", hash.Encoding);
        hash.Set(B("f512"), B("v"));
        Assert.Equal("hashtable", hash.Encoding);
        hash.Remove(B("f512"));
        Assert.Equal("hashtable", hash.Encoding);

        var small = new HashValue();
        small.Set(B("f"), new byte[64]);
        Assert.Equal("listpack", small.Encoding);
        small.Set(B("f"), new byte[65]);
        Assert.Equal("hashtable", small.Encoding);
        small.Set(B("f"), B("x"));
        Assert.Equal("hashtable", small.Encoding);
        Assert.Equal("hashtable", small.Clone().Encoding);

        var longField = new HashValue();
        longField.Set(new byte[65], B("x"));
        Assert.Equal("hashtable", longField.Encoding);

        // Other limits (CONFIG SET hash-max-listpack-entries 2) decide where the next write converts.
        var limited = new HashValue();
        var two = EncodingLimits.Default with { HashMaxListpackEntries = 2 };
        limited.Set(B("a"), B("1"), two);
        limited.Set(B("b"), B("2"), two);
        Assert.Equal("listpack", limited.Encoding);
        limited.Set(B("c"), B("3"), two);
        Assert.Equal("hashtable", limited.Encoding);
    }

    [Fact]
    public void Removing_most_fields_keeps_the_rest_intact()
    {
        var hash = new HashValue();
        for (var i = 0; i < 1000; i++) hash.Set(B($"f{i}"), B($"v{i}"));
        for (var i = 0; i < 1000; i++)
            if (i % 100 != 0) Assert.True(hash.Remove(B($"f{i}")));
        Assert.Equal(10, hash.Count);
        for (var i = 0; i < 1000; i += 100) Assert.Equal(B($"v{i}"), hash.Get(B($"f{i}")));
        Assert.True(hash.Set(B("new"), B("x")));
        Assert.Equal(11, hash.Entries.Count());
    }

    [Fact]
    public void Clone_is_deep()
    {
        Run("HSET", "h", "a", "1", "b", "2");
        var copy = Hash("h").Clone();
        Run("HSET", "h", "a", "changed", "c", "3");
        Run("HDEL", "h", "b");
        Assert.Equal(2, copy.Count);
        Assert.Equal(B("1"), copy.Get(B("a")));
        Assert.Equal(B("2"), copy.Get(B("b")));
    }

    // ---------- JSON ----------

    static KeyState RoundTrip(KeyState state, out string json)
    {
        json = JsonSerializer.Serialize(state);
        return JsonSerializer.Deserialize<KeyState>(json)!;
    }

    static void AssertSame(HashValue expected, HashValue actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Encoding, actual.Encoding);
        foreach (var (f, v) in expected.Entries) Assert.Equal(v, actual.Get(f));
    }

    [Fact]
    public void Json_round_trips_a_small_utf8_hash_compactly()
    {
        Run("HSET", "h", "name", "Ada", "city", "Zürich");
        var state = keyspace.Get(B("h"))!;
        var back = RoundTrip(state, out var json);
        output.WriteLine(json);
        Assert.StartsWith("{\"h\":[\"name\",\"Ada\",\"city\",", json);
        Assert.Equal(RedisType.Hash, back.Type);
        AssertSame(state.Hash!, back.Hash!);
    }

    [Fact]
    public void Json_round_trips_binary_fields_and_values_and_the_empty_string()
    {
        var state = new KeyState { Hash = new HashValue(), ExpiresAt = Now + 5000, Version = 7 };
        state.Hash.Set([0xff, 0x00, 0xfe], [0xc3]); // invalid UTF-8 both sides
        state.Hash.Set([], []);
        state.Hash.Set(B("\"quoted\"\n"), [0x80]);
        var back = RoundTrip(state, out var json);
        output.WriteLine(json);
        Assert.Contains("[\"/wD+\"]", json); // base64 form
        AssertSame(state.Hash, back.Hash!);
        Assert.Equal(Now + 5000, back.ExpiresAt);
        Assert.Equal(7, back.Version);
    }

    [Fact]
    public void Json_round_trips_the_encoding_of_a_shrunk_hashtable_and_derives_the_others()
    {
        Run("HSET", "h", "f", new string('x', 65), "g", "1");
        Run("HDEL", "h", "f");
        var shrunk = keyspace.Get(B("h"))!;
        Assert.Equal("hashtable", shrunk.Hash!.Encoding);
        var back = RoundTrip(shrunk, out var json);
        Assert.StartsWith("{\"h\":[1,\"g\",\"1\"]", json);
        AssertSame(shrunk.Hash, back.Hash!);

        Fill("big", 200);
        var big = RoundTrip(keyspace.Get(B("big"))!, out var bigJson);
        Assert.StartsWith("{\"h\":[\"f0\"", bigJson); // derivable: no marker
        AssertSame(Hash("big"), big.Hash!);

        Run("HSET", "long", "f", new string('y', 100));
        AssertSame(Hash("long"), RoundTrip(keyspace.Get(B("long"))!, out _).Hash!);

        var empty = new KeyState { Hash = new HashValue() };
        var emptyBack = RoundTrip(empty, out var emptyJson);
        Assert.Contains("\"h\":[]", emptyJson);
        Assert.Equal(0, emptyBack.Hash!.Count);
    }

    [Fact]
    public void Json_round_trips_random_hashes()
    {
        Gen.Select(SmallBytes, SmallBytes).Array[0, 50].Sample(pairs =>
        {
            var state = new KeyState { Hash = new HashValue() };
            foreach (var (f, v) in pairs) state.Hash.Set(f, v);
            AssertSame(state.Hash, RoundTrip(state, out _).Hash!);
        }, iter: 1_000);
    }

    [Fact]
    public void Json_size_of_a_10000_field_hash()
    {
        Fill("h", 10_000, i => $"value-{i}");
        var json = JsonSerializer.Serialize(keyspace.Get(B("h"))!);
        var payload = Hash("h").Entries.Sum(e => e.Key.Length + e.Value.Length);
        output.WriteLine($"10,000 fields: {json.Length:N0} bytes of JSON for {payload:N0} bytes of fields and values");
        Assert.True(json.Length < payload + 6 * 10_000 + 100, "about 6 bytes of JSON per field/value pair");
    }

    // ---------- commands: state and errors ----------

    [Fact]
    public void Errors_change_nothing()
    {
        Run("HSET", "h", "n", "9223372036854775807", "s", "abc", "x", "1.5");
        var version = keyspace.Get(B("h"))!.Version;
        Assert.IsType<ErrorReply>(Run("HINCRBY", "h", "n", "1"));
        Assert.IsType<ErrorReply>(Run("HINCRBY", "h", "s", "1"));
        Assert.IsType<ErrorReply>(Run("HINCRBYFLOAT", "h", "s", "1"));
        Assert.IsType<ErrorReply>(Run("HINCRBYFLOAT", "h", "x", "inf"));
        Assert.IsType<ErrorReply>(Run("HSET", "h", "a", "1", "b"));
        Assert.IsType<ErrorReply>(Run("HSET", "missing", "a", "1", "b"));
        Assert.IsType<ErrorReply>(Run("HINCRBY", "missing", "a", "x"));
        Assert.IsType<ErrorReply>(Run("HINCRBYFLOAT", "missing", "a", "x"));
        Assert.Null(keyspace.Get(B("missing")));
        Assert.Equal(version, keyspace.Get(B("h"))!.Version);
        Assert.Equal(["n", "9223372036854775807", "s", "abc", "x", "1.5"], Items(Run("HGETALL", "h")));
    }

    [Fact]
    public void Writes_bump_the_version_and_no_ops_do_not()
    {
        Run("HSET", "h", "a", "1");
        var v1 = keyspace.Get(B("h"))!.Version;
        Run("HSETNX", "h", "a", "2");
        Run("HDEL", "h", "nope");
        Assert.Equal(v1, keyspace.Get(B("h"))!.Version);
        Run("HSET", "h", "a", "1");
        Assert.True(keyspace.Get(B("h"))!.Version > v1);
    }

    [Fact]
    public void Emptied_hash_is_deleted_and_starts_over_as_listpack()
    {
        Run("HSET", "h", "f", new string('x', 65));
        Assert.Equal(Reply.One, Run("HDEL", "h", "f", "f"));
        Assert.Null(keyspace.Get(B("h")));
        Run("HSET", "h", "f", "small");
        Assert.Equal("listpack", Hash("h").Encoding);
    }

    [Fact]
    public void Expired_hash_is_missing_and_recreated_without_ttl()
    {
        Run("HSET", "h", "a", "1");
        keyspace.Get(B("h"))!.ExpiresAt = Now; // expires exactly now
        Assert.Equal(Reply.Nil, Run("HGET", "h", "a"));
        Assert.Equal(Reply.Zero, Run("HLEN", "h"));
        keyspace.Set(B("h"), new KeyState { Hash = new HashValue(), ExpiresAt = Now - 1 });
        Hash("h").Set(B("a"), B("1"));
        Assert.Equal(Reply.Integer(5), Run("HINCRBY", "h", "a", "5"));
        Assert.Null(keyspace.Get(B("h"))!.ExpiresAt);
        keyspace.Set(B("s"), new KeyState { String = B("x"), ExpiresAt = Now - 1 });
        Assert.Equal(Reply.One, Run("HSET", "s", "a", "1")); // an expired string is no WRONGTYPE
    }

    [Fact]
    public void Binary_fields_and_values_are_kept_exactly()
    {
        byte[] field = [0, 1, 0xff, (byte)' '], value = [0xfe, 0, 13, 10];
        Assert.Equal(Reply.One, Run([B("HSET"), B("h"), field, value]));
        Assert.Equal(Reply.Bulk(value), Run([B("HGET"), B("h"), field]));
        Assert.Equal(Reply.Integer(4), Run([B("HSTRLEN"), B("h"), field]));
        Assert.Equal(Reply.Nil, Run([B("HGET"), B("h"), field[..3]]));
    }

    [Fact]
    public void HIncrByFloat_formats_through_long_double()
    {
        Assert.Equal("3.5", Text(Run("HINCRBYFLOAT", "h", "f", "3.5")));
        Assert.Equal("3", Text(Run("HINCRBYFLOAT", "h", "f", "-0.5")));
        Assert.Equal("3", Text(Run("HGET", "h", "f")));
        Assert.Equal("ERR value is NaN or Infinity", ((ErrorReply)Run("HINCRBYFLOAT", "h", "f", "-inf")).Message);
        Run("HSET", "h", "i", "inf");
        Assert.Equal(Errors.NanOrInfinity, ((ErrorReply)Run("HINCRBYFLOAT", "h", "i", "1")).Message);
    }

    [Fact]
    public void HRandField_refuses_a_negative_count_too_large_for_any_reply_instead_of_running_out_of_memory()
    {
        Run("HSET", "h", "a", "1");
        Assert.IsType<ErrorReply>(Run("HRANDFIELD", "h", "-9223372036854775807"));
        Assert.IsType<ErrorReply>(Run("HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"));
    }

    // ---------- HRANDFIELD properties ----------

    [Fact]
    public void HRandField_returns_fields_of_the_hash_with_their_values_in_every_shape()
    {
        Gen.Select(Gen.Int[1, 300], Gen.Int[-400, 400], Gen.Bool, Gen.Int).Sample((size, count, withValues, seed) =>
        {
            var local = new MemoryKeyspace(); // CsCheck samples in parallel
            Fill(local, "h", size);
            var random = new Random(seed);
            var args = withValues
                ? new[] { "HRANDFIELD", "h", count.ToString(), "WITHVALUES" }
                : new[] { "HRANDFIELD", "h", count.ToString() };
            var items = Items(Exec(local, random, args));
            var width = withValues ? 2 : 1;
            var expected = count >= 0 ? Math.Min(count, size) : -count;
            Assert.Equal(expected * width, items.Count);
            var fields = items.Where((_, i) => i % width == 0).ToList();
            Assert.All(fields, f => Assert.Matches("^f[0-9]+$", f));
            Assert.All(fields, f => Assert.InRange(int.Parse(f[1..]), 0, size - 1));
            if (withValues)
                for (var i = 0; i < items.Count; i += 2) Assert.Equal("v" + items[i][1..], items[i + 1]);
            if (count > 0) Assert.Equal(fields.Count, fields.Distinct().Count());
        }, iter: 400);
    }

    [Fact]
    public void HRandField_without_count_returns_one_field_and_reaches_every_field()
    {
        Fill("h", 20);
        var random = new Random(42);
        var seen = new Dictionary<string, int>();
        for (var i = 0; i < 4000; i++)
        {
            var field = Text(Run(random, "HRANDFIELD", "h"));
            seen[field] = seen.GetValueOrDefault(field) + 1;
        }
        Assert.Equal(20, seen.Count);
        Assert.All(seen.Values, n => Assert.InRange(n, 120, 280)); // ~200 each: uniform picks
    }

    [Fact]
    public void HRandField_distinct_samples_are_uniform_across_both_sampling_strategies()
    {
        foreach (var count in new[] { 3, 20 }) // 3*3 <= 30: rejection sampling; 20*3 > 30: partial shuffle
        {
            keyspace.Clear();
            Fill("h", 30);
            var random = new Random(count);
            var seen = new int[30];
            for (var i = 0; i < 3000; i++)
                foreach (var f in Items(Run(random, "HRANDFIELD", "h", count.ToString())))
                    seen[int.Parse(f[1..])]++;
            var mean = 3000.0 * count / 30;
            Assert.All(seen, n => Assert.InRange(n, mean * 0.8, mean * 1.2));
        }
    }

    [Fact]
    public void HRandField_count_zero_and_missing_key_shapes()
    {
        Assert.Equal(Reply.Nil, Run("HRANDFIELD", "nokey"));
        Assert.Equal(Reply.EmptyArray, Run("HRANDFIELD", "nokey", "5"));
        Assert.Equal(Reply.EmptyArray, Run("HRANDFIELD", "nokey", "-5", "withvalues"));
        Run("HSET", "h", "a", "1");
        Assert.Equal(Reply.EmptyArray, Run("HRANDFIELD", "h", "0"));
        Assert.Equal(["a", "a", "a"], Items(Run("HRANDFIELD", "h", "-3")));
    }

    // ---------- HSCAN ----------

    [Fact]
    public void HScan_pages_equal_the_shared_scan_cursor_pages()
    {
        Gen.Select(Gen.Int[129, 400], Gen.Int[1, 50], Gen.ULong).Sample((size, count, cursor) =>
        {
            var hash = new HashValue();
            for (var i = 0; i < size; i++) hash.Set(B($"field:{i}"), B("v"));
            var fields = hash.Entries.Select(e => e.Key).ToList();
            foreach (var start in new[] { 0UL, cursor >> 1, cursor })
            {
                var (next, slots) = hash.ScanPage(start, count);
                var (expectedNext, expectedPage) = Scan.Page(fields, f => f, start, count);
                Assert.Equal(expectedNext, next);
                Assert.Equal(expectedPage, slots.Select(hash.FieldAt));
            }
        }, iter: 200);
    }

    [Fact]
    public void HScan_of_a_hashtable_hash_visits_every_field_once_and_keeps_fields_present_throughout()
    {
        Fill("h", 1000);
        var seen = new List<string>();
        var cursor = "0";
        var calls = 0;
        do
        {
            var reply = (ArrayReply)Run("HSCAN", "h", cursor, "COUNT", "37");
            cursor = Text(reply.Items![0]);
            var items = Items(reply.Items[1]);
            for (var i = 0; i < items.Count; i += 2)
            {
                seen.Add(items[i]);
                Assert.Equal(int.Parse(items[i][1..]) < 1000 ? "v" + items[i][1..] : "new", items[i + 1]);
            }
            // Churn between calls: fields f1000.. come and go, f0..f999 stay.
            Run("HSET", "h", $"f{1000 + calls}", "new");
            if (calls > 0) Run("HDEL", "h", $"f{1000 + calls - 1}");
            calls++;
        } while (cursor != "0");
        var original = seen.Where(f => int.Parse(f[1..]) < 1000).ToList();
        Assert.Equal(1000, original.Count);
        Assert.Equal(1000, original.Distinct().Count());
        Assert.InRange(calls, 20, 40);
    }

    [Fact]
    public void HScan_of_a_listpack_hash_is_whole_with_cursor_zero_whatever_the_cursor_and_count()
    {
        Fill("h", 128);
        var reply = (ArrayReply)Run("HSCAN", "h", "987654", "COUNT", "1");
        Assert.Equal("0", Text(reply.Items![0]));
        Assert.Equal(256, Items(reply.Items[1]).Count);
        var matched = Items(((ArrayReply)Run("HSCAN", "h", "0", "MATCH", "f1?")).Items![1]);
        Assert.Equal(20, matched.Count); // f10..f19 with values
    }

    // ---------- throughput ----------

    [Fact]
    public void Simple_command_throughput_is_reported_and_counts_are_right()
    {
        const int n = 100_000, fields = 1000;
        var sets = Enumerable.Range(0, fields).Select(i => new[] { B("HSET"), B("h"), B($"f{i}"), B("v") }).ToArray();
        var gets = Enumerable.Range(0, fields).Select(i => new[] { B("HGET"), B("h"), B($"f{i}") }).ToArray();
        var incr = new[] { B("HINCRBY"), B("h"), B("counter"), B("1") };
        var rand = new[] { B("HRANDFIELD"), B("h") };
        var ctx = new CommandContext(keyspace, Now, new Random(3));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            Engine.Execute(ctx, sets[i % fields]);
            Engine.Execute(ctx, gets[(i * 7) % fields]);
            Engine.Execute(ctx, incr);
            Engine.Execute(ctx, rand);
        }
        var perSecond = 4.0 * n / sw.Elapsed.TotalSeconds;
        output.WriteLine($"{perSecond:N0} HSET/HGET/HINCRBY/HRANDFIELD per second on a {fields + 1}-field hash");
        Assert.Equal(Reply.Integer(n + 1), Run("HINCRBY", "h", "counter", "1"));
        Assert.Equal(Reply.Integer(fields + 1), Run("HLEN", "h"));
    }
}
