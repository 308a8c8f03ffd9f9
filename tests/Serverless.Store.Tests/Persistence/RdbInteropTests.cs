using System.Diagnostics;
using System.Text;
using Serverless.Store.RdbFiles;
using Serverless.Store.Keyspace;
using Serverless.Store.Persistence;
using Serverless.Store.Protocol;
using Serverless.Store.Types;

namespace Serverless.Store.Tests.Persistence;

/// <summary>
/// Interoperability with real Redis 7.0: what our writer makes passes redis-check-rdb and loads
/// into redis-server with every key, value, type and expiry intact; what redis-server saves
/// (small values as listpacks/intsets, large ones as quicklists/hashtables/skiplists, long
/// strings LZF-compressed) is read by our reader key by key.
/// </summary>
[Trait("Needs", "redis-server")]
public sealed class RdbInteropTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("rdb-interop-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Every type in small and large sizes, integers at the encoding edges, binary keys, expiries.</summary>
    static Dictionary<byte[], KeyState> Keyspace(long nowMs)
    {
        var random = new Random(7);
        var keys = new Dictionary<byte[], KeyState>(Bytes.Comparer);
        byte[] Bin(int n) { var b = new byte[n]; random.NextBytes(b); return b; }
        foreach (var v in new[] { "0", "-1", "127", "128", "-32768", "2147483647", "2147483648", "-9223372036854775808", "01", "", "hello", new string('x', 5000) })
            keys[U("str:" + v.Length + ":" + v[..Math.Min(v.Length, 12)])] = KeyState.OfString(U(v));
        keys[Bin(20)] = KeyState.OfString(Bin(100));
        foreach (var size in new[] { 3, 200, 5000 })
        {
            keys[U($"list:{size}")] = new KeyState { List = new ListValue(Enumerable.Range(0, size).Select(i => i % 3 == 0 ? U(i.ToString()) : U("e" + i))) };
            var ints = new SetValue();
            for (var i = 0; i < size; i++) ints.Add(U((i * 7 - 300).ToString()));
            keys[U($"intset:{size}")] = new KeyState { Set = ints };
            var words = new SetValue();
            for (var i = 0; i < size; i++) words.Add(U("m" + i));
            keys[U($"set:{size}")] = new KeyState { Set = words };
            var hash = new HashValue();
            for (var i = 0; i < size; i++) hash.Set(U("f" + i), i % 2 == 0 ? U(i.ToString()) : Bin(i % 80));
            keys[U($"hash:{size}")] = new KeyState { Hash = hash };
            var zset = new SortedSetValue();
            for (var i = 0; i < size; i++) zset.Set(U("z" + i), i % 5 == 0 ? i : i / 3.0 - 17.25);
            zset.Set(U("inf"), double.PositiveInfinity);
            zset.Set(U("-inf"), double.NegativeInfinity);
            keys[U($"zset:{size}")] = new KeyState { SortedSet = zset };
        }
        var n = 0;
        foreach (var state in keys.Values)
            if (n++ % 3 == 0) state.ExpiresAt = nowMs + 3_600_000 + n * 1234;
        return keys;
    }

    [Fact]
    public void Our_snapshot_passes_redis_check_rdb_and_loads_into_redis_server_key_for_key()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var keys = Keyspace(now);
        var path = Path.Combine(dir, "ours.rdb");
        File.WriteAllBytes(path, RdbModel.Write(keys, now));

        var (code, output) = RdbModel.CheckRdb(path);
        Assert.True(code == 0, output);
        Assert.Contains("Checksum OK", output);
        Assert.Contains("RDB looks OK", output);
        Assert.Contains($"[info] {keys.Count} keys read", output);
        Assert.Contains($"[info] {keys.Values.Count(s => s.ExpiresAt is not null)} expires", output);

        using var redis = new RedisWithFile(dir, "ours.rdb");
        Assert.Equal(keys.Count, ((IntegerReply)redis.Client.Call("DBSIZE")).Value);
        foreach (var (key, state) in keys)
        {
            Assert.Equal(RdbModel.Describe(state), RdbModel.Describe(redis.Client, key));
            Assert.Equal(state.ExpiresAt, RdbModel.ExpiresAt(redis.Client, key));
        }
        // Redis converted small values to its compact encodings itself.
        Assert.Equal("listpack", ((BulkReply)redis.Client.Call("OBJECT", "ENCODING", "hash:3")).Value is { } e ? Encoding.ASCII.GetString(e) : null);
        Assert.Equal("intset", Encoding.ASCII.GetString(((BulkReply)redis.Client.Call("OBJECT", "ENCODING", "intset:200")).Value!));
    }

    /// <summary>
    /// Field expiries (Redis 7.4) have no place in RDB 10: a snapshot keeps them in an AUX field
    /// before the hash, which redis-check-rdb and redis-server 7.0 take (the hash loads with its
    /// fields persistent there) and our reader puts back on the hash.
    /// </summary>
    [Fact]
    public void Hash_field_expiries_ride_in_an_aux_field_redis_7_0_accepts()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var hash = new HashValue();
        hash.Set(U("a"), U("1"));
        hash.Set(U("b"), U("2"));
        hash.SetFieldExpiry(U("b"), now + 3_600_000);
        var keys = new Dictionary<byte[], KeyState>(Bytes.Comparer) { [U("h")] = new KeyState { Hash = hash }, [U("s")] = KeyState.OfString(U("v")) };
        var path = Path.Combine(dir, "fields.rdb");
        File.WriteAllBytes(path, RdbModel.Write(keys, now));

        var (code, output) = RdbModel.CheckRdb(path);
        Assert.True(code == 0, output);
        Assert.Contains("[info] 2 keys read", output);
        using (var redis = new RedisWithFile(dir, "fields.rdb"))
            Assert.Equal(RdbModel.Describe(keys[U("h")]), RdbModel.Describe(redis.Client, U("h")));

        var reader = new RdbReader(new MemoryStream(File.ReadAllBytes(path)));
        var read = new Dictionary<byte[], KeyState>(Bytes.Comparer);
        while (reader.TryRead(out var entry)) read[entry.Key] = entry.State;
        Assert.Equal(now + 3_600_000, read[U("h")].Hash!.FieldExpiry(U("b")));
        Assert.Null(read[U("h")].Hash!.FieldExpiry(U("a")));
        Assert.DoesNotContain(Rdb.FieldExpiriesAux, reader.Aux.Keys);
    }

    [Fact]
    public void A_dump_saved_by_redis_server_is_read_key_for_key()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var keys = Keyspace(now);
        keys[U("lzf")] = KeyState.OfString(U(string.Concat(Enumerable.Repeat("compress me ", 400)))); // LZF on save
        using (var redis = new RedisWithFile(dir, "theirs.rdb"))
        {
            foreach (var (key, state) in keys) Load(redis, key, state);
            // The encodings the reader must take are the ones Redis chose.
            var encodings = keys.Keys.Select(k => Encoding.ASCII.GetString(((BulkReply)redis.Client.Call([U("OBJECT"), U("ENCODING"), k])).Value!)).ToHashSet();
            foreach (var e in new[] { "listpack", "intset", "quicklist", "hashtable", "skiplist", "int", "embstr", "raw" })
                Assert.Contains(e, encodings);
            Assert.Equal(Reply.Ok, redis.Client.Call("SAVE"));
        }

        var file = File.ReadAllBytes(Path.Combine(dir, "theirs.rdb"));
        Assert.Equal("REDIS0010", Encoding.ASCII.GetString(file, 0, 9));
        Assert.Equal(-1, file.AsSpan().IndexOf(U("compress me compress me compress me"))); // LZF-compressed on save
        var reader = new RdbReader(new MemoryStream(file));
        var read = new Dictionary<byte[], KeyState>(Bytes.Comparer);
        while (reader.TryRead(out var entry)) read[entry.Key] = entry.State;
        Assert.NotEqual(0UL, reader.Checksum);
        Assert.Equal("7.0.15", reader.Aux["redis-ver"]);
        Assert.Equal(keys.Count, read.Count);
        foreach (var (key, state) in keys)
        {
            Assert.True(read.TryGetValue(key, out var got), "missing " + Encoding.UTF8.GetString(key));
            Assert.Equal(RdbModel.Describe(state), RdbModel.Describe(got));
            Assert.Equal(state.ExpiresAt, got.ExpiresAt);
        }
    }

    /// <summary>Writes a key into redis-server with ordinary commands (RPUSH, SADD, HSET, ZADD in batches), then PEXPIREAT.</summary>
    static void Load(RedisWithFile redis, byte[] key, KeyState state)
    {
        void Batched(string command, IEnumerable<byte[]> items, int per)
        {
            foreach (var chunk in items.Chunk(per))
                Assert.IsNotType<ErrorReply>(redis.Client.Call([U(command), key, .. chunk]));
        }
        switch (state.Type)
        {
            case RedisType.String: redis.Client.Call([U("SET"), key, state.String!]); break;
            case RedisType.List: Batched("RPUSH", state.List!, 500); break;
            case RedisType.Set: Batched("SADD", state.Set!.Members, 500); break;
            case RedisType.Hash: Batched("HSET", state.Hash!.Entries.SelectMany(e => new[] { e.Key, e.Value }), 1000); break;
            case RedisType.ZSet: Batched("ZADD", state.SortedSet!.Entries.SelectMany(e => new[] { U(Numbers.FormatDouble(e.Score)), e.Member }), 1000); break;
        }
        if (state.ExpiresAt is { } at) redis.Client.Call([U("PEXPIREAT"), key, U(at.ToString())]);
    }

    sealed class PersistenceStatsOnly : Commands.IServerStats
    {
        public long ExpiredKeys => 0;
        public Commands.PersistenceStats? Persistence => new(1764150000, false, true, 2, 3);
        public Commands.KeyspaceStats? Keyspace => null;
    }

    [Fact]
    public void Info_persistence_uses_redis_field_names_in_redis_order()
    {
        var ours = Encoding.UTF8.GetString(((BulkReply)Commands.Engine.Execute(
            new Commands.CommandContext(new MemoryKeyspace(), 0) { Server = new PersistenceStatsOnly() }, [U("INFO"), U("persistence")])).Value!);
        Assert.Equal("# Persistence\r\nloading:0\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:1764150000\r\n" +
                     "rdb_last_bgsave_status:ok\r\nrdb_last_bgsave_time_sec:2\r\nrdb_saves:3\r\n", ours);
        using var redis = new RedisWithFile(dir, "info.rdb");
        var theirs = Encoding.UTF8.GetString(((BulkReply)redis.Client.Call("INFO", "persistence")).Value!)
            .Split("\r\n").Select(l => l.Split(':')[0]).ToList();
        var names = ours.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':')[0]).ToList();
        var positions = names.Select(n => theirs.IndexOf(n)).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);
    }
}
