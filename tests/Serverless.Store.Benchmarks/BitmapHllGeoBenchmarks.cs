using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;

namespace Serverless.Store.Benchmarks;

/// <summary>What the benchmarks below share: an in-memory keyspace, commands run through Engine.Execute.</summary>
public abstract class InProcessEngine
{
    protected readonly MemoryKeyspace Keyspace = new();

    protected static byte[][] Args(params string[] a) => a.Select(Encoding.UTF8.GetBytes).ToArray();

    protected Protocol.Reply Run(byte[][] args) => Engine.Execute(new CommandContext(Keyspace, 0), args);
}

/// <summary>
/// Bitmaps on 1 MB strings: BITCOUNT (whole, and a BIT range), BITOP over two or three sources,
/// and SETBIT, which copies the string (values are immutable arrays).
/// </summary>
[MemoryDiagnoser]
public class BitmapBenchmarks : InProcessEngine
{
    const int Megabyte = 1 << 20;
    byte[][] bitcount = null!, bitcountBits = null!, bitpos = null!, and = null!, or3 = null!, xor = null!, not = null!, one3 = null!, setbit = null!;
    bool on;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        foreach (var key in new[] { "a", "b", "c" })
        {
            var bytes = new byte[Megabyte];
            random.NextBytes(bytes);
            Keyspace.Set(Encoding.UTF8.GetBytes(key), KeyState.OfString(bytes));
        }
        bitcount = Args("BITCOUNT", "a");
        bitcountBits = Args("BITCOUNT", "a", "3", "8000000", "BIT");
        bitpos = Args("BITPOS", "a", "1", "-1000", "-1");
        and = Args("BITOP", "AND", "dest", "a", "b");
        or3 = Args("BITOP", "OR", "dest", "a", "b", "c");
        xor = Args("BITOP", "XOR", "dest", "a", "b");
        not = Args("BITOP", "NOT", "dest", "a");
        one3 = Args("BITOP", "ONE", "dest", "a", "b", "c");
        setbit = Args("SETBIT", "a", "4000000", "1");
    }

    [Benchmark] public Protocol.Reply BitCount1MB() => Run(bitcount);
    [Benchmark] public Protocol.Reply BitCountBitRange1MB() => Run(bitcountBits);
    [Benchmark] public Protocol.Reply BitPosNearEnd1MB() => Run(bitpos);
    [Benchmark] public Protocol.Reply BitOpAnd2x1MB() => Run(and);
    [Benchmark] public Protocol.Reply BitOpOr3x1MB() => Run(or3);
    [Benchmark] public Protocol.Reply BitOpXor2x1MB() => Run(xor);
    [Benchmark] public Protocol.Reply BitOpNot1MB() => Run(not);
    [Benchmark] public Protocol.Reply BitOpOne3x1MB() => Run(one3);

    /// <summary>A bit that flips every call, so each call writes (and copies the megabyte).</summary>
    [Benchmark]
    public Protocol.Reply SetBit1MB()
    {
        setbit[3] = (on = !on) ? "1"u8.ToArray() : "0"u8.ToArray();
        return Run(setbit);
    }
}

/// <summary>
/// PFADD into a sparse and a dense HLL, PFCOUNT from the cache, recomputed (dense, stale cache),
/// and of the union of three keys.
/// </summary>
[MemoryDiagnoser]
public class HyperLogLogBenchmarks : InProcessEngine
{
    byte[][] addDense = null!, addSparse = null!, add100 = null!, countCached = null!, countStale = null!, countUnion = null!;
    byte[] staleDense = null!;
    int next;

    [GlobalSetup]
    public void Setup()
    {
        for (var start = 0; start < 100_000; start += 1000)
            Run(Args(["PFADD", "dense", .. Enumerable.Range(start, 1000).Select(i => "d" + i)]));
        Run(Args(["PFADD", "sparse", .. Enumerable.Range(0, 300).Select(i => "s" + i)]));
        Run(Args(["PFADD", "other", .. Enumerable.Range(0, 2000).Select(i => "o" + i)]));
        staleDense = Keyspace.Get("dense"u8.ToArray())!.String!;
        Run(Args("PFCOUNT", "other"));
        addDense = Args("PFADD", "dense", "x");
        addSparse = Args("PFADD", "sparse2", "x");
        add100 = Args(["PFADD", "dense", .. Enumerable.Range(0, 100).Select(i => "e" + i)]);
        countCached = Args("PFCOUNT", "other");
        countStale = Args("PFCOUNT", "dense");
        countUnion = Args("PFCOUNT", "dense", "sparse", "other");
    }

    /// <summary>A new element each call, in a 100,000-element dense HLL.</summary>
    [Benchmark]
    public Protocol.Reply PfAddDense()
    {
        addDense[2] = Encoding.ASCII.GetBytes("n" + next++);
        return Run(addDense);
    }

    /// <summary>A new element each call, in a sparse HLL kept at 300 elements (the key is reset every 100 calls).</summary>
    [Benchmark]
    public Protocol.Reply PfAddSparse()
    {
        if (next++ % 100 == 0) Keyspace.Remove("sparse2"u8.ToArray());
        addSparse[2] = Encoding.ASCII.GetBytes("n" + next);
        return Run(addSparse);
    }

    [Benchmark]
    public Protocol.Reply PfAdd100ToDense()
    {
        for (var i = 2; i < add100.Length; i++) add100[i] = Encoding.ASCII.GetBytes("m" + next++);
        return Run(add100);
    }

    [Benchmark] public Protocol.Reply PfCountCached() => Run(countCached);

    /// <summary>PFCOUNT of a dense HLL whose cache is stale: the estimate computed over 16,384 registers.</summary>
    [Benchmark]
    public Protocol.Reply PfCountDenseComputed()
    {
        Keyspace.Set("dense"u8.ToArray(), KeyState.OfString(staleDense));
        return Run(countStale);
    }

    [Benchmark] public Protocol.Reply PfCountUnionOf3() => Run(countUnion);
}

/// <summary>GEOSEARCH in a sorted set of 100,000 members spread over Europe, and GEOADD into it.</summary>
[MemoryDiagnoser]
public class GeoBenchmarks : InProcessEngine
{
    byte[][] radius10 = null!, radius100 = null!, box = null!, count10 = null!, any10 = null!, geoadd = null!;
    int next;

    static string F(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        for (var batch = 0; batch < 100; batch++)
        {
            var args = new List<string> { "GEOADD", "geo" };
            for (var i = 0; i < 1000; i++)
                args.AddRange([F(-10 + random.NextDouble() * 40), F(35 + random.NextDouble() * 25), $"m{batch * 1000 + i}"]);
            Run(Args([.. args]));
        }
        radius10 = Args("GEOSEARCH", "geo", "FROMLONLAT", "13.4", "52.5", "BYRADIUS", "10", "km", "WITHDIST", "ASC");
        radius100 = Args("GEOSEARCH", "geo", "FROMLONLAT", "13.4", "52.5", "BYRADIUS", "100", "km", "WITHDIST", "ASC");
        box = Args("GEOSEARCH", "geo", "FROMMEMBER", "m500", "BYBOX", "200", "100", "km", "WITHCOORD");
        count10 = Args("GEOSEARCH", "geo", "FROMLONLAT", "2.35", "48.85", "BYRADIUS", "300", "km", "COUNT", "10", "WITHDIST");
        any10 = Args("GEOSEARCH", "geo", "FROMLONLAT", "2.35", "48.85", "BYRADIUS", "300", "km", "COUNT", "10", "ANY");
        geoadd = Args("GEOADD", "geo", "13.4", "52.5", "new");
    }

    [Benchmark] public Protocol.Reply GeoSearchRadius10km() => Run(radius10);
    [Benchmark] public Protocol.Reply GeoSearchRadius100km() => Run(radius100);
    [Benchmark] public Protocol.Reply GeoSearchBox200x100km() => Run(box);
    [Benchmark] public Protocol.Reply GeoSearchNearest10Of300km() => Run(count10);
    [Benchmark] public Protocol.Reply GeoSearchAny10Of300km() => Run(any10);

    /// <summary>GEOADD of a new member each call into the 100,000 (the set grows by one per call).</summary>
    [Benchmark]
    public Protocol.Reply GeoAddInto100k()
    {
        geoadd[4] = Encoding.ASCII.GetBytes("n" + next++);
        return Run(geoadd);
    }
}
