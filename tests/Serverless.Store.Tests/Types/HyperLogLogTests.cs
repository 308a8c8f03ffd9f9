using System.Text;
using CsCheck;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;

namespace Serverless.Store.Tests.Types;

/// <summary>
/// HyperLogLog on the engine alone: the estimate's error bounds (within 5% of the true count,
/// the bound Redis's own test suite uses, for sets from 1 to 200,000 elements), unions equal to
/// PFMERGE, independence from insertion order, and a refused command leaving the value as it was.
/// </summary>
public sealed class HyperLogLogTests
{
    const long Now = 1_700_000_000_000;

    static Reply Run(MemoryKeyspace keyspace, params byte[][] args) => Engine.Execute(new CommandContext(keyspace, Now), args);

    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    static long Count(MemoryKeyspace keyspace, params string[] keys) =>
        Assert.IsType<IntegerReply>(Run(keyspace, [B("PFCOUNT"), .. keys.Select(B)])).Value;

    /// <summary>Adds elements prefix0..prefix(n-1) in batches of 1,000.</summary>
    static void Add(MemoryKeyspace keyspace, string key, string prefix, int from, int n)
    {
        for (var start = from; start < from + n; start += 1000)
            Run(keyspace, [B("PFADD"), B(key), .. Enumerable.Range(start, Math.Min(1000, from + n - start)).Select(i => B(prefix + i))]);
    }

    [Fact]
    public void Estimates_stay_within_five_percent() =>
        Gen.Select(Gen.Int[1, 200_000], Gen.Int[0, 1_000_000]).Sample((n, seed) =>
        {
            var keyspace = new MemoryKeyspace();
            Add(keyspace, "h", $"{seed}:", 0, n);
            var estimate = Count(keyspace, "h");
            Assert.True(Math.Abs(estimate - n) <= Math.Max(1, n * 0.05), $"{n} elements estimated as {estimate}");
        }, iter: 40);

    [Fact]
    public void Small_sets_are_counted_almost_exactly()
    {
        // Ertl's estimator is nearly exact while few registers are set: every size to 300.
        var keyspace = new MemoryKeyspace();
        for (var n = 1; n <= 300; n++)
        {
            Run(keyspace, B("PFADD"), B("h"), B("e" + n));
            Assert.InRange(Count(keyspace, "h"), n - 2, n + 2);
        }
    }

    [Fact]
    public void The_union_is_what_pfmerge_stores_and_the_order_of_adds_does_not_matter() =>
        Gen.Select(Gen.Int[0, 20_000], Gen.Int[0, 20_000], Gen.Int[0, 20_000]).Sample((a, b, overlap) =>
        {
            var keyspace = new MemoryKeyspace();
            Add(keyspace, "a", "x", 0, a);
            Add(keyspace, "b", "x", Math.Max(0, a - overlap), b);
            var union = Count(keyspace, "a", "b");
            var trueUnion = Math.Max(a, Math.Max(0, a - overlap) + b);
            Assert.True(Math.Abs(union - trueUnion) <= Math.Max(1, trueUnion * 0.05), $"union of {a} and {b} ({trueUnion}) estimated as {union}");
            Assert.Equal(Reply.Ok, Run(keyspace, B("PFMERGE"), B("m"), B("a"), B("b")));
            Assert.Equal(union, Count(keyspace, "m"));
            // The same elements added in the other order: other sparse bytes maybe, the same registers.
            var reversed = new MemoryKeyspace();
            Add(reversed, "b", "x", Math.Max(0, a - overlap), b);
            Add(reversed, "b", "x", 0, a);
            Assert.Equal(union, Count(reversed, "b"));
            Assert.Equal(Reply.Zero, Run(reversed, [B("PFADD"), B("b"), .. Enumerable.Range(0, Math.Min(a, 50)).Select(i => B("x" + i))]));
        }, iter: 25);

    [Fact]
    public void A_refused_pfadd_leaves_a_corrupt_value_as_it_was()
    {
        var keyspace = new MemoryKeyspace();
        // A header and XZERO for 16383 registers: one short. Elements landing in the first 16383
        // registers split that opcode fine; one landing in the last finds no opcode: corrupt.
        byte[] few = [.. "HYLL"u8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x7f, 0xfe];
        Run(keyspace, B("SET"), B("h"), few);
        var version = keyspace.Get(B("h"))!.Version;
        var last = FindElement(index => index == 16383);
        Assert.Equal(Reply.Error(HyperLogLog.Corrupted), Run(keyspace, B("PFADD"), B("h"), B("a"), B("b"), last));
        Assert.Equal(few, keyspace.Get(B("h"))!.String);
        Assert.Equal(version, keyspace.Get(B("h"))!.Version);
        Assert.Equal(Reply.Error(HyperLogLog.Corrupted), Run(keyspace, B("PFCOUNT"), B("h")));
        Assert.Equal(few, keyspace.Get(B("h"))!.String);
    }

    /// <summary>An element hashing to a register the predicate accepts (found by trying e0, e1, ...).</summary>
    static byte[] FindElement(Func<int, bool> wanted)
    {
        for (var i = 0; ; i++)
        {
            var e = B("e" + i);
            if (wanted((int)(HllValue.MurmurHash64A(e, 0xadc83b19UL) & 16383))) return e;
        }
    }

    [Fact]
    public void Pfcount_caches_and_pfadd_invalidates()
    {
        var keyspace = new MemoryKeyspace();
        Run(keyspace, B("PFADD"), B("h"), B("a"), B("b"));
        Assert.Equal(0x80, keyspace.Get(B("h"))!.String![15] & 0x80); // stale
        Assert.Equal(2, Count(keyspace, "h"));
        var cached = keyspace.Get(B("h"))!.String!;
        Assert.Equal(2UL, BitConverter.ToUInt64(cached, 8)); // fresh, little endian
        Assert.Equal(2, Count(keyspace, "h"));
        Assert.Same(cached, keyspace.Get(B("h"))!.String); // answered from the cache, nothing rewritten
        Run(keyspace, B("PFADD"), B("h"), B("c"));
        Assert.Equal(0x80, keyspace.Get(B("h"))!.String![15]); // the old count stays under the stale bit
        Assert.Equal(2, keyspace.Get(B("h"))!.String![8]);
    }
}
