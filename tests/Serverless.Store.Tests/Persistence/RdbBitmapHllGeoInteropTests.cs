using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Persistence;

/// <summary>
/// Bitmaps and HLLs are strings and geo sets are sorted sets in RDB: what redis-server saves
/// (sparse and dense HLLs with or without a fresh cached count, long bitmaps LZF-compressed,
/// geo sets as listpacks and skiplists) reads back here and answers PFCOUNT, BITCOUNT, BITPOS,
/// GEOSEARCH and GEOPOS as redis-server does; what we write loads into redis-server, which then
/// goes on changing the values exactly as the engine does.
/// </summary>
[Trait("Needs", "redis-server")]
public sealed class RdbBitmapHllGeoInteropTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("rdb-bits-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    static byte[][] Args(string line) => Oracle.Differential.Parse(line);

    static string F(double d) => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The same writes on both sides: HLLs sparse, dense and merged; bitmaps short and long; geo sets small and large.</summary>
    static IEnumerable<string> Writes()
    {
        yield return "PFADD hll:empty";
        yield return "PFADD hll:small a b c d e";
        yield return "PFADD hll:sparse " + string.Join(' ', Enumerable.Range(0, 800).Select(i => "s" + i));
        yield return "PFADD hll:dense " + string.Join(' ', Enumerable.Range(0, 5000).Select(i => "d" + i));
        yield return "PFADD hll:cached x y z";
        yield return "PFCOUNT hll:cached";
        yield return "PFMERGE hll:merged hll:small hll:dense";
        yield return "SETBIT bits:short 5 1";
        yield return "SETBIT bits:long 8000000 1"; // a megabyte of zeros: LZF-compressed on save
        yield return "SETBIT bits:long 12345 1";
        yield return "BITFIELD bits:fields SET i16 #0 -1234 SET u7 100 99";
        yield return "SET bits:text foobar";
        yield return "BITOP XOR bits:op bits:text bits:fields";
        yield return "GEOADD geo:small 13.361389 38.115556 Palermo 15.087269 37.502669 Catania";
        yield return "GEOADD geo:big " + string.Join(' ', Enumerable.Range(0, 300).Select(i => $"{F(i * 1.1 % 360 - 180)} {F(i * 0.53 % 170 - 85)} p{i}"));
    }

    static readonly string[] Reads =
    [
        "PFCOUNT hll:empty", "PFCOUNT hll:small", "PFCOUNT hll:sparse", "PFCOUNT hll:dense", "PFCOUNT hll:cached", "PFCOUNT hll:merged",
        "PFCOUNT hll:small hll:sparse hll:dense",
        "BITCOUNT bits:long", "BITPOS bits:long 1", "BITPOS bits:long 1 2", "GETBIT bits:long 8000000", "BITCOUNT bits:short",
        "BITFIELD_RO bits:fields GET i16 #0 GET u7 100", "GET bits:op",
        "GEOPOS geo:small Palermo Catania", "GEOSEARCH geo:small FROMMEMBER Palermo BYRADIUS 200 km WITHDIST ASC",
        "GEOSEARCH geo:big FROMLONLAT 0 0 BYRADIUS 5000 km WITHDIST WITHHASH ASC", "GEOHASH geo:big p1 p99 p299",
        // Changes after the load, compared by GET: the HLLs go on from the same bytes.
        "PFADD hll:sparse more1 more2", "GET hll:sparse", "PFADD hll:small q", "GET hll:small", "PFCOUNT hll:small", "GET hll:small",
        "PFADD hll:dense extra", "GET hll:dense", "PFMERGE hll:merged hll:sparse", "GET hll:merged",
        "SETBIT bits:long 7 1", "BITCOUNT bits:long 0 0",
    ];

    static void WriteInto(RedisWithFile redis)
    {
        foreach (var line in Writes()) Assert.IsNotType<ErrorReply>(redis.Client.Call(Args(line)));
    }

    static MemoryKeyspace WriteIntoEngine()
    {
        var keyspace = new MemoryKeyspace();
        foreach (var line in Writes()) Assert.IsNotType<ErrorReply>(Engine.Execute(new CommandContext(keyspace, 0), Args(line)));
        return keyspace;
    }

    [Fact]
    public void What_redis_saves_reads_back_and_answers_like_redis()
    {
        using var redis = new RedisWithFile(dir, "theirs.rdb");
        WriteInto(redis);
        Assert.Equal(Reply.Ok, redis.Client.Call("SAVE"));
        var file = File.ReadAllBytes(redis.Path);
        Assert.Equal(-1, file.AsSpan().IndexOf(new byte[1000])); // the long bitmap went out compressed

        var keyspace = new MemoryKeyspace();
        foreach (var entry in RdbModel.ReadAll(file)) keyspace.Set(entry.Key, entry.State);
        // The same bytes as the engine's own writes, and the same answers as redis-server's.
        var ours = WriteIntoEngine();
        foreach (var (key, state) in ours.Entries)
            Assert.Equal(RdbModel.Describe(state), RdbModel.Describe(keyspace.Get(key)!));
        foreach (var line in Reads)
            Assert.Equal(redis.Client.Call(Args(line)), Engine.Execute(new CommandContext(keyspace, 0), Args(line)));
    }

    [Fact]
    public void What_we_write_loads_into_redis_and_goes_on_like_the_engine()
    {
        var keyspace = WriteIntoEngine();
        var path = Path.Combine(dir, "ours.rdb");
        File.WriteAllBytes(path, RdbModel.Write(keyspace.Entries.ToList(), 0));
        var (code, output) = RdbModel.CheckRdb(path);
        Assert.True(code == 0, output);

        using var redis = new RedisWithFile(dir, "ours.rdb");
        Assert.Equal(keyspace.Count, ((IntegerReply)redis.Client.Call("DBSIZE")).Value);
        foreach (var (key, state) in keyspace.Entries)
            Assert.Equal(RdbModel.Describe(state), RdbModel.Describe(redis.Client, key));
        Assert.Equal(U("listpack"), ((BulkReply)redis.Client.Call("OBJECT", "ENCODING", "geo:small")).Value);
        Assert.Equal(U("skiplist"), ((BulkReply)redis.Client.Call("OBJECT", "ENCODING", "geo:big")).Value);
        foreach (var line in Reads)
            Assert.Equal(redis.Client.Call(Args(line)), Engine.Execute(new CommandContext(keyspace, 0), Args(line)));
    }
}
