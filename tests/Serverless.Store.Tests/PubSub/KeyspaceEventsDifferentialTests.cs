using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.PubSub;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.PubSub;

/// <summary>
/// Keyspace notifications against redis-server: with notify-keyspace-events KEA, a RESP client
/// PSUBSCRIBEd to <c>__key*__:*</c> records what Redis publishes for a command sequence; the engine
/// runs the same sequence with RecordEvents and <see cref="KeyspaceNotifications.Messages"/> turns
/// its events into messages. The two sequences of (channel, message) must be equal.
/// </summary>
[Trait("Needs", "redis-server")]
[Collection(RedisCollection.Name)]
public sealed class KeyspaceEventsDifferentialTests(RedisServer redis)
{
    const string Sentinel = "__key-sentinel__:end"; // matches __key*__:* too: marks the end of a sequence

    static readonly KeyspaceNotifications All = KeyspaceNotifications.Parse("KEA");

    /// <summary>Command lines as arguments; "SLEEP n" stays one argument (see <see cref="Sleep"/>).</summary>
    static byte[][][] Lines(string[] commands) =>
        commands.Select(c => c.StartsWith("SLEEP ") ? [Encoding.UTF8.GetBytes(c)] : Oracle.Differential.Parse(c)).ToArray();

    List<string> OnRedis(byte[][][] commands)
    {
        redis.Client.Call("FLUSHALL");
        redis.Client.Call("CONFIG", "SET", "notify-keyspace-events", "KEA");
        try
        {
            using var subscriber = new RespClient(redis.Port);
            subscriber.Call("PSUBSCRIBE", "__key*__:*");
            foreach (var c in commands)
            {
                if (Sleep(c) is { } ms) { Thread.Sleep(ms); continue; }
                redis.Client.Call(c);
            }
            redis.Client.Call("PUBLISH", Sentinel, "end");
            var events = new List<string>();
            while (true)
            {
                var push = Assert.IsType<ArrayReply>(subscriber.Read()).Items!;
                var channel = Text(push[2]);
                if (channel == Sentinel) return events;
                events.Add($"{channel} {Text(push[3])}");
            }
        }
        finally
        {
            redis.Client.Call("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }

    /// <summary>"SLEEP n" (one argument) pauses both sides for n ms.</summary>
    static int? Sleep(byte[][] command) =>
        command is [var only] && Encoding.UTF8.GetString(only) is var text && text.StartsWith("SLEEP ") ? int.Parse(text[6..]) : null;

    static List<string> OnEngine(byte[][][] commands)
    {
        var keyspace = new MemoryKeyspace();
        var events = new List<string>();
        foreach (var c in commands)
        {
            if (Sleep(c) is { } ms) { Thread.Sleep(ms); continue; }
            var ctx = new CommandContext(keyspace, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) { RecordEvents = true };
            Engine.Execute(ctx, c);
            foreach (var e in All.Filter(ctx.Events))
            foreach (var (channel, data) in All.Messages(e))
                events.Add($"{channel} {data}");
        }
        return events;
    }

    static string Text(Reply r) => Encoding.UTF8.GetString(Assert.IsType<BulkReply>(r).Value!);

    void Same(params string[] commands)
    {
        var expected = OnRedis(Lines(commands));
        var actual = OnEngine(Lines(commands));
        Assert.True(expected.SequenceEqual(actual),
            $"commands:\n  {string.Join("\n  ", commands)}\nredis:\n  {string.Join("\n  ", expected)}\nengine:\n  {string.Join("\n  ", actual)}");
    }

    [Fact]
    public void Strings() => Same(
        "SET s v", "SET s v EX 100", "SET s v KEEPTTL", "SET s w NX", "SET s w XX GET", "SETNX s x", "SETNX s2 x",
        "SETEX e 100 v", "PSETEX p 100000 v", "GETSET s y", "GETDEL s", "GETDEL s",
        "SET g v", "GETEX g EX 100", "GETEX g PERSIST", "GETEX g PERSIST", "GETEX g", "GETEX g PXAT 1",
        "MSET a 1 b 2", "MSETNX a 1 c 3", "MSETNX c 3 d 4",
        "INCR n", "DECR n", "INCRBY n 5", "DECRBY n 2", "INCRBYFLOAT f 1.5", "INCR s2",
        "APPEND ap x", "APPEND ap y", "SETRANGE r 2 ab", "SETRANGE r 0 \"\"", "SETRANGE missing 0 \"\"");

    [Fact]
    public void Keys() => Same(
        "SET a 1", "SET b 2", "SET c 3", "DEL a b nosuch", "UNLINK c",
        "SET k v", "EXPIRE k 100", "PEXPIRE k 200000 GT", "EXPIRE k 10 GT", "EXPIRE k 10 NX", "PERSIST k", "PERSIST k", "EXPIREAT k 1",
        "SET k v", "PEXPIREAT k 1", "SET r 1", "RENAME r r2", "RENAME r2 r2", "SET x 1", "RENAMENX r2 x", "RENAMENX r2 y",
        "COPY y z", "COPY y z", "COPY y z REPLACE", "TOUCH y z", "EXPIRE nosuch 10");

    [Fact]
    public void Hashes() => Same(
        "HSET h a 1 b 2", "HSET h a 1", "HMSET h c 3", "HSETNX h a 9", "HSETNX h d 4",
        "HINCRBY h n 5", "HINCRBYFLOAT h f 1.5", "HDEL h nosuch", "HDEL h a b", "HDEL h c d n f");

    [Fact]
    public void Lists() => Same(
        "RPUSH l a b c d e", "LPUSH l z", "LPUSHX l y", "RPUSHX l f", "LPUSHX nosuch x", "LPOP l", "RPOP l 2", "LSET l 0 q",
        "LINSERT l BEFORE q p", "LINSERT l AFTER nosuch p", "LREM l 0 p", "LREM l 0 nosuch", "LTRIM l 0 1",
        "LMOVE l m LEFT RIGHT", "RPOPLPUSH m l", "LMOVE l l LEFT LEFT", "LPOP l 5", "RPUSH t a", "LTRIM t 1 0",
        "RPUSH s x", "LMOVE s d RIGHT LEFT", "LPOP nosuch");

    [Fact]
    public void Sets() => Same(
        "SADD s a b c", "SADD s a", "SREM s nosuch", "SREM s a", "SMOVE s t b", "SMOVE s t nosuch", "SMOVE s s c",
        "SADD u c d", "SINTERSTORE i s u", "SUNIONSTORE n s u", "SDIFFSTORE d s u", "SINTERSTORE i s nosuch",
        "SDIFFSTORE d u u", "SINTERSTORE nothere s nosuch", "SMOVE s t c", "SADD p 1", "SPOP p", "SADD q 1 2 3", "SPOP q 5");

    [Fact]
    public void Sorted_sets() => Same(
        "ZADD z 1 a 2 b 3 c 4 d", "ZADD z 1 a", "ZADD z XX 5 a", "ZADD z INCR 1 a", "ZINCRBY z 1 b", "ZADD z NX 9 a",
        "ZREM z nosuch", "ZREM z a", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYSCORE z 100 200", "ZREMRANGEBYSCORE z 3 3",
        "ZADD y 0 a 0 b 0 c", "ZREMRANGEBYLEX y [a [a", "ZPOPMIN y", "ZPOPMAX y 5", "ZPOPMIN nosuch",
        "ZADD w 1 x", "ZUNIONSTORE u 2 z w", "ZINTERSTORE i 2 z w", "ZDIFFSTORE d 2 z w", "ZINTERSTORE u 2 z nosuch",
        "ZDIFFSTORE nothere 1 nosuch", "ZREM w x");

    [Fact]
    public void Bitmaps() => Same(
        "SETBIT b 7 1", "SETBIT b 7 1", "SETBIT b 7 0", "SETBIT b 100 0", "SETBIT b 0 0", "GETBIT b 7", "BITCOUNT b", "BITPOS b 1",
        "SET s foobar", "BITOP AND d b s", "BITOP NOT d s", "BITOP OR d nosuch nosuch2", "BITOP XOR nothere nosuch",
        "BITFIELD f SET u8 0 1", "BITFIELD f SET u8 0 1", "BITFIELD f GET u8 0", "BITFIELD f INCRBY u8 0 0", "BITFIELD f INCRBY u8 0 1",
        "BITFIELD g OVERFLOW FAIL SET u2 0 9", "BITFIELD g OVERFLOW FAIL SET u2 100 9", "BITFIELD_RO f GET u8 0",
        "BITFIELD f SET u8 0 1 GET u65 0", "SETBIT f x 1");

    [Fact]
    public void HyperLogLog() => Same(
        "PFADD h a b c", "PFADD h a", "PFADD h", "PFADD n", "PFCOUNT h", "PFCOUNT h n", "PFMERGE m h n", "PFMERGE m",
        "SET s x", "PFADD s a", "PFMERGE m s");

    [Fact]
    public void Geo() => Same(
        "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", "GEOADD g 13.361389 38.115556 Palermo",
        "GEOADD g XX CH 13.5 38 Palermo", "GEOADD g NX 1 1 Palermo", "GEOADD g 200 0 bad", "GEODIST g Palermo Catania", "GEOPOS g Palermo",
        "GEORADIUS g 15 37 200 km STORE out", "GEORADIUS g 15 37 200 km STOREDIST out", "GEORADIUS g 0 0 1 km STORE out",
        "GEORADIUS g 0 0 1 km STORE out", "GEORADIUSBYMEMBER g Palermo 300 km STORE out2", "GEORADIUS nosuch 0 0 1 km STORE out2",
        "GEOSEARCHSTORE s g FROMLONLAT 15 37 BYRADIUS 200 km", "GEOSEARCHSTORE s g FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST",
        "GEOSEARCHSTORE s g FROMLONLAT 0 0 BYRADIUS 1 km", "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km", "ZREM g Palermo Catania");

    [Fact]
    public void Lcs_and_substr_raise_nothing() => Same("SET a ohmytext", "SET b mynewtext", "LCS a b IDX", "SUBSTR a 0 2");

    [Fact]
    public void A_key_found_expired_on_access_raises_expired() => Same(
        "SET k v PX 1", "SLEEP 20", "GET k", "SET k2 v PX 1", "SLEEP 20", "EXISTS k2");

    // ---------- issue 18's commands (blocking ones only where they serve at once: redis-server would wait) ----------

    [Fact]
    public void Multi_pops_and_blocking_pops() => Same(
        "RPUSH l a b c d", "LMPOP 1 l LEFT COUNT 2", "BLPOP l 0", "BRPOP l 0", "RPUSH m x", "BLMPOP 0 2 nosuch m RIGHT",
        "RPUSH src 1 2", "BRPOPLPUSH src dst 0", "BLMOVE src dst LEFT RIGHT 0",
        "ZADD z 1 a 2 b 3 c", "ZMPOP 1 z MIN", "BZPOPMAX z 0", "BZMPOP 0 1 z MIN COUNT 5", "ZMPOP 1 nosuch MAX");

    [Fact]
    public void Stores_and_restores() => Same(
        "ZADD z 1 a 2 b", "ZRANGESTORE d z 0 -1", "ZRANGESTORE d z 5 9", "ZRANGESTORE d2 nosuch 0 -1",
        "RPUSH l 3 1 2", "SORT l STORE s", "SORT l LIMIT 9 9 STORE s", "SORT_RO l", "SORT nosuch STORE s2",
        "SET k v", "SET k2 v", "COPY k k3");

    [Fact]
    public void Restore_raises_restore_and_del_when_replaced_with_a_past_ttl()
    {
        redis.Client.Call("SET", "src", "v");
        var payload = Encoding.Latin1.GetString(Assert.IsType<BulkReply>(redis.Client.Call("DUMP", "src")).Value!);
        // The payload travels as Latin-1 text so that the command lines keep its bytes.
        SameBinary(
            ["RESTORE", "r", "0", payload], ["RESTORE", "r", "0", payload, "REPLACE"], ["RESTORE", "r", "1", payload, "ABSTTL", "REPLACE"],
            ["RESTORE", "e", "1", payload, "ABSTTL"], ["RESTORE", "t", "100000", payload]);
    }

    void SameBinary(params string[][] commands)
    {
        var lines = commands.Select(c => c.Select(a => Encoding.Latin1.GetBytes(a)).ToArray()).ToArray();
        var expected = OnRedis(lines);
        var actual = OnEngine(lines);
        Assert.True(expected.SequenceEqual(actual), $"redis:\n  {string.Join("\n  ", expected)}\nengine:\n  {string.Join("\n  ", actual)}");
    }
}
