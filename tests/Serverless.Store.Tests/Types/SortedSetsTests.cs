using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Types;

/// <summary>Engine-only tests of sorted sets: the value, its JSON, the skiplist, and properties against a naive model.</summary>
public sealed class SortedSetsTests(ITestOutputHelper output)
{
    readonly MemoryKeyspace keyspace = new();

    Reply Run(params string[] args) => Run(args.Select(Encoding.Latin1.GetBytes).ToArray());

    Reply Run(byte[][] args) => Engine.Execute(new CommandContext(keyspace, 1_000_000, new Random(7)), args);

    static KeyState RoundTrip(KeyState state) => JsonSerializer.Deserialize<KeyState>(JsonSerializer.Serialize(state))!;

    static SortedSetValue Value(params (string Member, double Score)[] entries)
    {
        var z = new SortedSetValue();
        foreach (var (m, s) in entries) z.Set(Encoding.Latin1.GetBytes(m), s);
        return z;
    }

    static List<(string, double)> Entries(SortedSetValue z) =>
        z.Entries.Select(e => (Convert.ToHexString(e.Member), e.Score)).ToList();

    // ------------------------------------------------------------------ JSON

    [Fact]
    public void Json_is_a_flat_member_score_list_in_order()
    {
        var state = new KeyState { SortedSet = Value(("b", 2.5), ("a", 1), ("c", -3)), Version = 4 };
        Assert.Equal("""{"z":["c",-3,"a",1,"b",2.5],"v":4}""", JsonSerializer.Serialize(state));
    }

    [Fact]
    public void Json_round_trips_every_shape()
    {
        var shapes = new[]
        {
            Value(),
            Value(("only", 0)),
            Value(("inf", double.PositiveInfinity), ("ninf", double.NegativeInfinity), ("tiny", 5e-324), ("big", 1.7976931348623157e308)),
            Value(("x", 1.1), ("y", 0.30000000000000004), ("z", -123456789012345678)),
            Value(("", 1), ("quote\"back\\slash", 2), ("new\nline\u0001", 3), ("ünïcødé ✓", 4), ("emoji 🎉", 5)),
            Value(("\u00ff\u00fe", 1), ("a\u0000b", 1), ("\u0080", 2)), // not valid UTF-8 as Latin-1 bytes
        };
        foreach (var z in shapes)
        {
            var back = RoundTrip(new KeyState { SortedSet = z, ExpiresAt = 123, Version = 9 });
            Assert.Equal(Entries(z), Entries(back.SortedSet!));
            Assert.Equal(123, back.ExpiresAt);
            Assert.Equal(9, back.Version);
            Assert.Equal(RedisType.ZSet, back.Type);
            back.SortedSet!.List.Validate();
            foreach (var (m, s) in z.Entries)
            {
                Assert.True(back.SortedSet.TryGetScore(m, out var score));
                Assert.Equal(s, score);
            }
        }
    }

    [Fact]
    public void Json_keeps_negative_zero_of_large_sets()
    {
        // Listpack-sized sets store -0 as 0, as Redis does; bigger ones keep it, and so must JSON.
        var z = new SortedSetValue();
        for (var i = 0; i < 200; i++) z.Set(Encoding.ASCII.GetBytes("m" + i), i);
        z.Set("neg"u8.ToArray(), -0.0);
        var back = RoundTrip(new KeyState { SortedSet = z }).SortedSet!;
        Assert.True(back.TryGetScore("neg"u8.ToArray(), out var s));
        Assert.True(double.IsNegative(s));
        Assert.True(Value(("a", -0.0)).TryGetScore("a"u8.ToArray(), out var small));
        Assert.False(double.IsNegative(small));
    }

    [Fact]
    public void Json_reads_unordered_and_duplicated_lists()
    {
        var z = JsonSerializer.Deserialize<SortedSetValue>("""["c",3,"a",1,["/w=="],-1,"b",2,"a",5,"d","inf","e","-inf"]""")!;
        z.List.Validate();
        Assert.Equal(["e", "\u00ff", "b", "c", "a", "d"], z.Entries.Select(e => Encoding.Latin1.GetString(e.Member)));
        Assert.Equal(6, z.Count);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<SortedSetValue>("""["a","x"]"""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<SortedSetValue>("""{"a":1}"""));
    }

    [Fact]
    public void Json_size_of_a_ten_thousand_member_set()
    {
        var z = new SortedSetValue();
        for (var i = 0; i < 10_000; i++) z.Set(Encoding.ASCII.GetBytes("member:" + i), i * 1.5);
        var json = JsonSerializer.Serialize(new KeyState { SortedSet = z });
        output.WriteLine($"10,000 members (\"member:N\", score N*1.5): {json.Length:N0} bytes of JSON, {json.Length / 10_000.0:F1} per member");
        var back = RoundTrip(new KeyState { SortedSet = z }).SortedSet!;
        back.List.Validate();
        Assert.Equal(10_000, back.Count);
        Assert.Equal(Entries(z), Entries(back));
        Assert.True(json.Length < 10_000 * 24, $"JSON is {json.Length} bytes");
    }

    [Fact]
    public void Clone_is_deep()
    {
        var z = Value(("a", 1), ("b", 2), ("c", 3));
        var copy = new KeyState { SortedSet = z }.Clone().SortedSet!;
        copy.Set("a"u8.ToArray(), 10);
        copy.Remove("b"u8.ToArray());
        copy.List.Validate();
        z.List.Validate();
        Assert.Equal([("61", 1.0), ("62", 2.0), ("63", 3.0)], Entries(z));
        Assert.Equal([("63", 3.0), ("61", 10.0)], Entries(copy));
    }

    // ------------------------------------------------------------------ engine behaviour

    [Fact]
    public void Errors_change_nothing_and_noops_keep_the_version()
    {
        Run("ZADD", "z", "inf", "a", "1", "b");
        var version = keyspace.Get("z"u8.ToArray())!.Version;
        Assert.Equal(Reply.Error("ERR resulting score is not a number (NaN)"), Run("ZADD", "z", "INCR", "-inf", "a"));
        Assert.Equal(Reply.Error("ERR resulting score is not a number (NaN)"), Run("ZINCRBY", "z", "-inf", "a"));
        Assert.Equal(Reply.Error("ERR value is not a valid float"), Run("ZADD", "z", "1", "c", "x", "d"));
        Assert.Equal(Reply.Zero, Run("ZADD", "z", "1", "b"));
        Assert.Equal(Reply.Nil, Run("ZADD", "z", "NX", "INCR", "1", "b"));
        Assert.Equal(Reply.Zero, Run("ZREM", "z", "nope"));
        Assert.Equal(Reply.Zero, Run("ZREMRANGEBYSCORE", "z", "5", "6"));
        Assert.Equal(version, keyspace.Get("z"u8.ToArray())!.Version);
        Assert.Equal(Reply.Array([Reply.Bulk("b"), Reply.Bulk("1"), Reply.Bulk("a"), Reply.Bulk("inf")]), Run("ZRANGE", "z", "0", "-1", "WITHSCORES"));
        Assert.Equal(Reply.One, Run("ZADD", "z", "2", "b", "3", "c"));
        Assert.Equal(version + 1, keyspace.Get("z"u8.ToArray())!.Version);
    }

    [Fact]
    public void Emptied_keys_are_deleted_by_every_removal()
    {
        foreach (var remove in new[]
                 {
                     new[] { "ZREM", "z", "a", "b" }, ["ZPOPMIN", "z", "5"], ["ZPOPMAX", "z", "2"],
                     ["ZREMRANGEBYRANK", "z", "0", "-1"], ["ZREMRANGEBYSCORE", "z", "-inf", "inf"], ["ZREMRANGEBYLEX", "z", "-", "+"],
                 })
        {
            Run("ZADD", "z", "0", "a", "0", "b");
            Assert.Equal(Reply.Integer(2), remove[0].StartsWith("ZPOP") ? Reply.Integer(((ArrayReply)Run(remove)).Items!.Count / 2) : Run(remove));
            Assert.Null(keyspace.Get("z"u8.ToArray()));
        }
    }

    [Fact]
    public void Store_results_replace_the_destination_and_drop_its_ttl()
    {
        Run("ZADD", "a", "1", "x", "2", "y");
        keyspace.Set("d"u8.ToArray(), new KeyState { String = "old"u8.ToArray(), ExpiresAt = 5_000_000 });
        Assert.Equal(Reply.Integer(2), Run("ZUNIONSTORE", "d", "1", "a", "WEIGHTS", "2"));
        var d = keyspace.Get("d"u8.ToArray())!;
        Assert.Null(d.ExpiresAt);
        Assert.Null(d.String);
        Assert.Equal([("78", 2.0), ("79", 4.0)], Entries(d.SortedSet!));
        Assert.Equal(Reply.Zero, Run("ZINTERSTORE", "d", "2", "a", "missing"));
        Assert.Null(keyspace.Get("d"u8.ToArray()));
    }

    [Fact]
    public void Strtod_follows_c()
    {
        foreach (var (text, expected) in new (string, double)[]
                 {
                     ("", 0), ("1", 1), (" 1", 1), ("\t-2.5", -2.5), ("+3", 3), (".5", 0.5), ("5.", 5), ("1e3", 1000), ("1E-2", 0.01),
                     ("inf", double.PositiveInfinity), ("-Infinity", double.NegativeInfinity), ("1e400", double.PositiveInfinity),
                     ("-1e400", double.NegativeInfinity), ("0x10", 16), ("0x1p-1", 0.5), ("-0X.8", -0.5), ("1\u0000junk", 1),
                 })
        {
            Assert.True(Numbers.Strtod(Encoding.Latin1.GetBytes(text), out var v), text);
            Assert.Equal(expected, v);
        }
        foreach (var text in new[] { " ", "1 ", "a", "1e", "1e+", ".", "+", "-", "0x", "1.2.3", "infx", "--1", "1,5" })
            Assert.False(Numbers.Strtod(Encoding.Latin1.GetBytes(text), out _), text);
        Assert.True(Numbers.Strtod("nan"u8, out var nan) && double.IsNaN(nan));
    }

    // ------------------------------------------------------------------ properties against a naive model

    /// <summary>Members chosen so that memcmp order, prefixes, NUL and high bytes all matter.</summary>
    static readonly byte[][] Pool = new[] { "", "a", "aa", "a\u0000", "ab", "b", "ba", "\u00ff", "\u00ff\u0000", "c", "cc", "d", "e", "f", "g", "h" }
        .Concat(Enumerable.Range(0, 10).Select(i => "m" + i))
        .Select(s => Encoding.Latin1.GetBytes(s)).ToArray();

    static readonly double[] Scores = [double.NegativeInfinity, -2, -1.5, -1, 0, 0.5, 1, 1.5, 2, double.PositiveInfinity];

    static string Arg(double d) => double.IsPositiveInfinity(d) ? "+inf" : double.IsNegativeInfinity(d) ? "-inf" : d.ToString("R", CultureInfo.InvariantCulture);

    static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    static Reply Run(MemoryKeyspace ks, params string[] args) => Run(ks, args.Select(Encoding.Latin1.GetBytes).ToArray());

    static Reply Run(MemoryKeyspace ks, byte[][] args) => Engine.Execute(new CommandContext(ks, 1_000_000, new Random(7)), args);

    /// <summary>One write: kind, member, score index, and two small numbers for ranges.</summary>
    public sealed record Op(int Kind, int Member, int Score, int A, int B);

    /// <summary>One query: kind, bounds (indexes), exclusivity, offset/limit, reverse, withscores.</summary>
    public sealed record Query(int Kind, int Lo, int Hi, bool LoEx, bool HiEx, int Offset, int Limit, bool Rev, bool WithScores);

    static readonly Gen<Op> GenOp = Gen.Select(Gen.Int[0, 9], Gen.Int[0, Pool.Length - 1], Gen.Int[0, Scores.Length - 1], Gen.Int[-8, 8], Gen.Int[-8, 8],
        (k, m, s, a, b) => new Op(k, m, s, a, b));

    static readonly Gen<Query> GenQuery = Gen.Select(Gen.Int[0, 3], Gen.Int[-1, Pool.Length], Gen.Int[-1, Pool.Length], Gen.Bool, Gen.Bool,
        Gen.Int[-1, 6], Gen.Int[-1, 6], Gen.Bool, Gen.Bool, (k, lo, hi, le, he, o, l, r, w) => new Query(k, lo, hi, le, he, o, l, r, w));

    static List<(byte[] M, double S)> Sorted(Dictionary<byte[], double> model) =>
        model.OrderBy(p => p.Value).ThenBy(p => p.Key, Bytes.Comparer).Select(p => (p.Key, p.Value)).ToList();

    static Reply Flat(IEnumerable<(byte[] M, double S)> items, bool withScores) =>
        Reply.Array(items.SelectMany(p => withScores ? new[] { Reply.Bulk(p.M), Reply.Double(p.S) } : [Reply.Bulk(p.M)]).ToList());

    static (int Start, int Count)? Sanitize(long start, long end, int len)
    {
        if (start < 0) start = len + start;
        if (end < 0) end = len + end;
        if (start < 0) start = 0;
        if (start > end || start >= len) return null;
        end = Math.Min(end, len - 1);
        return ((int)start, (int)(end - start + 1));
    }

    static List<T> Window<T>(List<T> items, int offset, int limit) =>
        offset < 0 ? [] : items.Skip(offset).Take(limit < 0 ? int.MaxValue : limit).ToList();

    /// <summary>Applies one write to the engine and to the model, and checks the reply.</summary>
    static void Apply(MemoryKeyspace ks, Dictionary<byte[], double> model, Op op, bool lex)
    {
        var member = Pool[op.Member];
        var score = lex ? 0 : Scores[op.Score];
        var sorted = Sorted(model);
        Reply expected, actual;
        switch (op.Kind)
        {
            case <= 3:
                expected = Reply.Integer(!model.ContainsKey(member));
                model[member] = score;
                actual = Run(ks, [B("ZADD"), B("k"), B(Arg(score)), member]);
                break;
            case 4:
                expected = Reply.Integer(model.Remove(member));
                actual = Run(ks, [B("ZREM"), B("k"), member]);
                break;
            case 5 when !lex:
            {
                var next = model.TryGetValue(member, out var cur) ? cur + score : score;
                if (double.IsNaN(next)) expected = Reply.Error("ERR resulting score is not a number (NaN)");
                else
                {
                    model[member] = next;
                    expected = Reply.Double(next);
                }
                actual = Run(ks, [B("ZINCRBY"), B("k"), B(Arg(score)), member]);
                break;
            }
            case 5 or 6:
            {
                var w = Sanitize(op.A, op.B, sorted.Count);
                var removed = w is var (s, c) ? sorted.GetRange(s, c) : [];
                foreach (var (m, _) in removed) model.Remove(m);
                expected = Reply.Integer(removed.Count);
                actual = Run(ks, "ZREMRANGEBYRANK", "k", op.A.ToString(), op.B.ToString());
                break;
            }
            case 7 when !lex:
            {
                double lo = Scores[Math.Abs(op.A) % Scores.Length], hi = Scores[Math.Abs(op.B) % Scores.Length];
                var removed = sorted.Where(p => p.S >= lo && p.S < hi).ToList();
                foreach (var (m, _) in removed) model.Remove(m);
                expected = Reply.Integer(removed.Count);
                actual = Run(ks, "ZREMRANGEBYSCORE", "k", Arg(lo), "(" + Arg(hi));
                break;
            }
            case 7:
            {
                byte[] lo = Pool[Math.Abs(op.A) % Pool.Length], hi = Pool[Math.Abs(op.B) % Pool.Length];
                var removed = sorted.Where(p => Bytes.Comparer.Compare(p.M, lo) > 0 && Bytes.Comparer.Compare(p.M, hi) <= 0).ToList();
                foreach (var (m, _) in removed) model.Remove(m);
                expected = Reply.Integer(removed.Count);
                actual = Run(ks, [B("ZREMRANGEBYLEX"), B("k"), [(byte)'(', .. lo], [(byte)'[', .. hi]]);
                break;
            }
            default:
            {
                var max = op.Kind == 9;
                var n = Math.Abs(op.A) % 4;
                var popped = (max ? Enumerable.Reverse(sorted) : sorted).Take(n).ToList();
                foreach (var (m, _) in popped) model.Remove(m);
                expected = Flat(popped, withScores: true);
                actual = Run(ks, max ? "ZPOPMAX" : "ZPOPMIN", "k", n.ToString());
                break;
            }
        }
        Assert.Equal(expected, actual);
        ks.Get("k"u8.ToArray())?.SortedSet!.List.Validate();
    }

    /// <summary>Lex bound i: a pool member with [ or (, or - (i &lt; 0) / + (i past the pool).</summary>
    static (byte[] Arg, Func<byte[], int> Cmp, bool Ex) LexBound(int i, bool ex)
    {
        if (i < 0) return ("-"u8.ToArray(), _ => 1, true);
        if (i >= Pool.Length) return ("+"u8.ToArray(), _ => -1, true);
        var v = Pool[i];
        return ([(byte)(ex ? '(' : '['), .. v], m => Bytes.Comparer.Compare(m, v), ex);
    }

    /// <summary>Runs one query against the engine and the model.</summary>
    static void Check(MemoryKeyspace ks, Dictionary<byte[], double> model, Query q, bool lex)
    {
        var sorted = Sorted(model);
        var n = sorted.Count;
        Reply expected, actual;
        if (q.Kind == 0)
        {
            int start = q.Lo - 6, end = q.Hi - 6;
            var list = q.Rev ? Enumerable.Reverse(sorted).ToList() : sorted;
            expected = Flat(Sanitize(start, end, n) is var (s, c) ? list.GetRange(s, c) : [], q.WithScores);
            var args = new List<string> { "ZRANGE", "k", start.ToString(), end.ToString() };
            if (q.Rev) args.Add("REV");
            if (q.WithScores) args.Add("WITHSCORES");
            actual = Run(ks, args.ToArray());
        }
        else if (q.Kind == 1 && !lex)
        {
            double lo = Scores[Math.Abs(q.Lo) % Scores.Length], hi = Scores[Math.Abs(q.Hi) % Scores.Length];
            var inRange = sorted.Where(p => (q.LoEx ? p.S > lo : p.S >= lo) && (q.HiEx ? p.S < hi : p.S <= hi)).ToList();
            Assert.Equal(Reply.Integer(inRange.Count), Run(ks, "ZCOUNT", "k", (q.LoEx ? "(" : "") + Arg(lo), (q.HiEx ? "(" : "") + Arg(hi)));
            if (q.Rev) inRange.Reverse();
            expected = Flat(Window(inRange, q.Offset, q.Limit), q.WithScores);
            string min = (q.LoEx ? "(" : "") + Arg(lo), max = (q.HiEx ? "(" : "") + Arg(hi);
            var args = q.Rev ? new List<string> { "ZREVRANGEBYSCORE", "k", max, min } : ["ZRANGEBYSCORE", "k", min, max];
            if (q.WithScores) args.Add("WITHSCORES");
            args.AddRange(["LIMIT", q.Offset.ToString(), q.Limit.ToString()]);
            actual = Run(ks, args.ToArray());
        }
        else if (q.Kind is 1 or 2)
        {
            var (minArg, minCmp, minEx) = LexBound(q.Lo, q.LoEx);
            var (maxArg, maxCmp, maxEx) = LexBound(q.Hi, q.HiEx);
            var inRange = sorted.Where(p => (minEx ? minCmp(p.M) > 0 : minCmp(p.M) >= 0) && (maxEx ? maxCmp(p.M) < 0 : maxCmp(p.M) <= 0)).ToList();
            if (lex) Assert.Equal(Reply.Integer(inRange.Count), Run(ks, [B("ZLEXCOUNT"), B("k"), minArg, maxArg]));
            if (q.Rev) inRange.Reverse();
            var args = q.Rev ? new List<byte[]> { B("ZREVRANGEBYLEX"), B("k"), maxArg, minArg } : [B("ZRANGEBYLEX"), B("k"), minArg, maxArg];
            args.AddRange([B("LIMIT"), B(q.Offset.ToString()), B(q.Limit.ToString())]);
            actual = Run(ks, args.ToArray());
            // Lex ranges are defined only when all scores are equal (then they must match the model).
            if (!lex) return;
            expected = Flat(Window(inRange, q.Offset, q.Limit), withScores: false);
        }
        else
        {
            var member = Pool[Math.Abs(q.Lo) % Pool.Length];
            var i = sorted.FindIndex(p => Bytes.Comparer.Equals(p.M, member));
            expected = i < 0 ? Reply.Nil : Reply.Integer(q.Rev ? n - 1 - i : i);
            actual = Run(ks, [B(q.Rev ? "ZREVRANK" : "ZRANK"), B("k"), member]);
            Assert.Equal(i < 0 ? Reply.Nil : Reply.Double(sorted[i].S), Run(ks, [B("ZSCORE"), B("k"), member]));
        }
        Assert.Equal(expected, actual);
    }

    void Property(bool lex) =>
        Gen.Select(GenOp.Array[0, 80], GenQuery.Array[1, 40]).Sample((ops, queries) =>
        {
            // Samples run in parallel: each gets its own keyspace.
            var ks = new MemoryKeyspace();
            var model = new Dictionary<byte[], double>(Bytes.Comparer);
            foreach (var op in ops) Apply(ks, model, op, lex);
            Assert.Equal(Reply.Integer(model.Count), Run(ks, "ZCARD", "k"));
            foreach (var q in queries) Check(ks, model, q, lex);
            // The stored value survives JSON with the same order and a valid skiplist.
            if (ks.Get("k"u8.ToArray()) is { } state)
            {
                var back = RoundTrip(state).SortedSet!;
                back.List.Validate();
                Assert.Equal(Entries(state.SortedSet!), Entries(back));
            }
        }, iter: 300);

    [Fact]
    public void Ranges_ranks_and_counts_by_rank_and_score_agree_with_a_sorted_list() => Property(lex: false);

    [Fact]
    public void Lex_ranges_and_counts_agree_with_a_sorted_list() => Property(lex: true);

    [Fact]
    public void Skiplist_stays_valid_through_many_random_writes() =>
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 300], Gen.Int[-50, 50]).Array[1, 2000].Sample(ops =>
        {
            var z = new SortedSetValue();
            var model = new Dictionary<string, double>();
            foreach (var (kind, m, s) in ops)
            {
                var member = "m" + m;
                if (kind == 0)
                {
                    Assert.Equal(model.Remove(member), z.Remove(B(member)));
                }
                else
                {
                    z.Set(B(member), s / 4.0);
                    model[member] = s / 4.0;
                }
            }
            z.List.Validate();
            Assert.Equal(model.Count, z.Count);
            var expected = model.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).ToList();
            Assert.Equal(expected, z.Entries.Select(e => Encoding.ASCII.GetString(e.Member)).ToList());
            for (var r = 1; r <= z.Count; r += 7)
            {
                var node = z.List.ByRank(r)!;
                Assert.Equal(expected[r - 1], Encoding.ASCII.GetString(node.Member));
                Assert.Equal(r, z.List.Rank(node.Score, node.Member));
            }
            Assert.Null(z.List.ByRank(z.Count + 1));
            Assert.Equal(0, z.List.Rank(0.5, B("nope")));
        }, iter: 60);
}
