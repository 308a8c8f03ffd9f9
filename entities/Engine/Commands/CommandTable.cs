using System.Text;
using Serverless.Store.Protocol;
using Serverless.Store.Scripting;
using Serverless.Store.Types;
using static Serverless.Store.Commands.CommandFlags;

namespace Serverless.Store.Commands;

/// <summary>
/// Every command the store knows, one row each, like Redis's commands.def. The engine dispatches
/// from it; the router, read-only tokens and transaction key locking read its flags and keys.
/// Arity and key positions are Redis 7.0's (checked against COMMAND INFO in the tests).
/// </summary>
public static class CommandTable
{
    static readonly CommandSpec[] Specs =
    [
        // strings (t_string.c)
        new("get", 2, ReadOnly, 1, 1, 1, Strings.Get),
        new("set", -3, Write, 1, 1, 1, Strings.Set),
        new("setex", 4, Write, 1, 1, 1, Strings.SetEx),
        new("psetex", 4, Write, 1, 1, 1, Strings.PSetEx),
        new("setnx", 3, Write, 1, 1, 1, Strings.SetNx),
        new("getset", 3, Write, 1, 1, 1, Strings.GetSet),
        new("getdel", 2, Write, 1, 1, 1, Strings.GetDel),
        new("getex", -2, Write, 1, 1, 1, Strings.GetEx),
        new("mget", -2, ReadOnly, 1, -1, 1, Strings.MGet),
        new("mset", -3, Write, 1, -1, 2, Strings.MSet),
        new("msetnx", -3, Write, 1, -1, 2, Strings.MSetNx),
        new("incr", 2, Write, 1, 1, 1, Strings.Incr),
        new("decr", 2, Write, 1, 1, 1, Strings.Decr),
        new("incrby", 3, Write, 1, 1, 1, Strings.IncrBy),
        new("decrby", 3, Write, 1, 1, 1, Strings.DecrBy),
        new("incrbyfloat", 3, Write, 1, 1, 1, Strings.IncrByFloat),
        new("append", 3, Write, 1, 1, 1, Strings.Append),
        new("strlen", 2, ReadOnly, 1, 1, 1, Strings.StrLen),
        new("getrange", 4, ReadOnly, 1, 1, 1, Strings.GetRange),
        new("setrange", 4, Write, 1, 1, 1, Strings.SetRange),

        // keys (db.c, expire.c)
        new("del", -2, Write, 1, -1, 1, Keys.Del),
        new("unlink", -2, Write, 1, -1, 1, Keys.Del),
        new("exists", -2, ReadOnly, 1, -1, 1, Keys.Exists),
        new("type", 2, ReadOnly, 1, 1, 1, Keys.Type),
        new("expire", -3, Write, 1, 1, 1, Keys.Expire),
        new("pexpire", -3, Write, 1, 1, 1, Keys.PExpire),
        new("expireat", -3, Write, 1, 1, 1, Keys.ExpireAt),
        new("pexpireat", -3, Write, 1, 1, 1, Keys.PExpireAt),
        new("ttl", 2, ReadOnly, 1, 1, 1, Keys.Ttl),
        new("pttl", 2, ReadOnly, 1, 1, 1, Keys.PTtl),
        new("expiretime", 2, ReadOnly, 1, 1, 1, Keys.ExpireTime),
        new("pexpiretime", 2, ReadOnly, 1, 1, 1, Keys.PExpireTime),
        new("persist", 2, Write, 1, 1, 1, Keys.Persist),
        new("rename", 3, Write, 1, 2, 1, Keys.Rename),
        new("renamenx", 3, Write, 1, 2, 1, Keys.RenameNx),
        new("copy", -3, Write, 1, 2, 1, Keys.Copy),
        new("touch", -2, ReadOnly, 1, -1, 1, Keys.Touch),
        new("keys", 2, ReadOnly | WholeKeyspace, 0, 0, 0, Keys.KeysCommand),
        new("scan", -2, ReadOnly | WholeKeyspace, 0, 0, 0, Keys.Scan),
        new("randomkey", 1, ReadOnly | WholeKeyspace | Nondeterministic, 0, 0, 0, Keys.RandomKey),
        new("dbsize", 1, ReadOnly | WholeKeyspace, 0, 0, 0, Keys.DbSize),
        new("flushall", -1, Write | Admin | WholeKeyspace, 0, 0, 0, Keys.FlushAll),
        new("flushdb", -1, Write | Admin | WholeKeyspace, 0, 0, 0, Keys.FlushAll),

        // hashes (t_hash.c)
        new("hset", -4, Write, 1, 1, 1, Hashes.HSet),
        new("hsetnx", 4, Write, 1, 1, 1, Hashes.HSetNx),
        new("hget", 3, ReadOnly, 1, 1, 1, Hashes.HGet),
        new("hmget", -3, ReadOnly, 1, 1, 1, Hashes.HMGet),
        new("hmset", -4, Write, 1, 1, 1, Hashes.HMSet),
        new("hgetall", 2, ReadOnly, 1, 1, 1, Hashes.HGetAll),
        new("hdel", -3, Write, 1, 1, 1, Hashes.HDel),
        new("hexists", 3, ReadOnly, 1, 1, 1, Hashes.HExists),
        new("hlen", 2, ReadOnly, 1, 1, 1, Hashes.HLen),
        new("hkeys", 2, ReadOnly, 1, 1, 1, Hashes.HKeys),
        new("hvals", 2, ReadOnly, 1, 1, 1, Hashes.HVals),
        new("hincrby", 4, Write, 1, 1, 1, Hashes.HIncrBy),
        new("hincrbyfloat", 4, Write, 1, 1, 1, Hashes.HIncrByFloat),
        new("hstrlen", 3, ReadOnly, 1, 1, 1, Hashes.HStrLen),
        new("hrandfield", -2, ReadOnly | Nondeterministic, 1, 1, 1, Hashes.HRandField),
        new("hscan", -3, ReadOnly, 1, 1, 1, Hashes.HScan),

        // lists (t_list.c)
        new("lpush", -3, Write, 1, 1, 1, Lists.LPush),
        new("rpush", -3, Write, 1, 1, 1, Lists.RPush),
        new("lpushx", -3, Write, 1, 1, 1, Lists.LPushX),
        new("rpushx", -3, Write, 1, 1, 1, Lists.RPushX),
        new("lpop", -2, Write, 1, 1, 1, Lists.LPop),
        new("rpop", -2, Write, 1, 1, 1, Lists.RPop),
        new("lrange", 4, ReadOnly, 1, 1, 1, Lists.LRange),
        new("ltrim", 4, Write, 1, 1, 1, Lists.LTrim),
        new("llen", 2, ReadOnly, 1, 1, 1, Lists.LLen),
        new("lindex", 3, ReadOnly, 1, 1, 1, Lists.LIndex),
        new("lset", 4, Write, 1, 1, 1, Lists.LSet),
        new("lrem", 4, Write, 1, 1, 1, Lists.LRem),
        new("linsert", 5, Write, 1, 1, 1, Lists.LInsert),
        new("lpos", -3, ReadOnly, 1, 1, 1, Lists.LPos),
        new("lmove", 5, Write, 1, 2, 1, Lists.LMove),
        new("rpoplpush", 3, Write, 1, 2, 1, Lists.RPopLPush),

        // sets (t_set.c)
        new("sadd", -3, Write, 1, 1, 1, Sets.SAdd),
        new("srem", -3, Write, 1, 1, 1, Sets.SRem),
        new("smembers", 2, ReadOnly, 1, 1, 1, Sets.SMembers),
        new("sismember", 3, ReadOnly, 1, 1, 1, Sets.SIsMember),
        new("smismember", -3, ReadOnly, 1, 1, 1, Sets.SMIsMember),
        new("scard", 2, ReadOnly, 1, 1, 1, Sets.SCard),
        new("spop", -2, Write | Nondeterministic, 1, 1, 1, Sets.SPop),
        new("srandmember", -2, ReadOnly | Nondeterministic, 1, 1, 1, Sets.SRandMember),
        new("sinter", -2, ReadOnly, 1, -1, 1, Sets.SInter),
        new("sunion", -2, ReadOnly, 1, -1, 1, Sets.SUnion),
        new("sdiff", -2, ReadOnly, 1, -1, 1, Sets.SDiff),
        new("sinterstore", -3, Write, 1, -1, 1, Sets.SInterStore),
        new("sunionstore", -3, Write, 1, -1, 1, Sets.SUnionStore),
        new("sdiffstore", -3, Write, 1, -1, 1, Sets.SDiffStore),
        new("smove", 4, Write, 1, 2, 1, Sets.SMove),
        new("sintercard", -3, ReadOnly, 0, 0, 0, Sets.SInterCard, NumKeys(1)),
        new("sscan", -3, ReadOnly, 1, 1, 1, Sets.SScan),

        // sorted sets (t_zset.c)
        new("zadd", -4, Write, 1, 1, 1, SortedSets.ZAdd),
        new("zincrby", 4, Write, 1, 1, 1, SortedSets.ZIncrBy),
        new("zscore", 3, ReadOnly, 1, 1, 1, SortedSets.ZScore),
        new("zmscore", -3, ReadOnly, 1, 1, 1, SortedSets.ZMScore),
        new("zcard", 2, ReadOnly, 1, 1, 1, SortedSets.ZCard),
        new("zcount", 4, ReadOnly, 1, 1, 1, SortedSets.ZCount),
        new("zrange", -4, ReadOnly, 1, 1, 1, SortedSets.ZRange),
        new("zrevrange", -4, ReadOnly, 1, 1, 1, SortedSets.ZRevRange),
        new("zrangebyscore", -4, ReadOnly, 1, 1, 1, SortedSets.ZRangeByScore),
        new("zrevrangebyscore", -4, ReadOnly, 1, 1, 1, SortedSets.ZRevRangeByScore),
        new("zrangebylex", -4, ReadOnly, 1, 1, 1, SortedSets.ZRangeByLex),
        new("zrevrangebylex", -4, ReadOnly, 1, 1, 1, SortedSets.ZRevRangeByLex),
        new("zlexcount", 4, ReadOnly, 1, 1, 1, SortedSets.ZLexCount),
        new("zrank", 3, ReadOnly, 1, 1, 1, SortedSets.ZRank),
        new("zrevrank", 3, ReadOnly, 1, 1, 1, SortedSets.ZRevRank),
        new("zrem", -3, Write, 1, 1, 1, SortedSets.ZRem),
        new("zremrangebyscore", 4, Write, 1, 1, 1, SortedSets.ZRemRangeByScore),
        new("zremrangebyrank", 4, Write, 1, 1, 1, SortedSets.ZRemRangeByRank),
        new("zremrangebylex", 4, Write, 1, 1, 1, SortedSets.ZRemRangeByLex),
        new("zpopmin", -2, Write, 1, 1, 1, SortedSets.ZPopMin),
        new("zpopmax", -2, Write, 1, 1, 1, SortedSets.ZPopMax),
        new("zrandmember", -2, ReadOnly | Nondeterministic, 1, 1, 1, SortedSets.ZRandMember),
        new("zunionstore", -4, Write, 1, 1, 1, SortedSets.ZUnionStore, NumKeys(2, destination: 1)),
        new("zinterstore", -4, Write, 1, 1, 1, SortedSets.ZInterStore, NumKeys(2, destination: 1)),
        new("zdiffstore", -4, Write, 1, 1, 1, SortedSets.ZDiffStore, NumKeys(2, destination: 1)),
        new("zunion", -3, ReadOnly, 0, 0, 0, SortedSets.ZUnion, NumKeys(1)),
        new("zinter", -3, ReadOnly, 0, 0, 0, SortedSets.ZInter, NumKeys(1)),
        new("zdiff", -3, ReadOnly, 0, 0, 0, SortedSets.ZDiff, NumKeys(1)),
        new("zscan", -3, ReadOnly, 1, 1, 1, SortedSets.ZScan),

        // streams (t_stream.c)
        new("xadd", -5, Write, 1, 1, 1, Streams.XAdd),
        new("xlen", 2, ReadOnly, 1, 1, 1, Streams.XLen),
        new("xrange", -4, ReadOnly, 1, 1, 1, Streams.XRange),
        new("xrevrange", -4, ReadOnly, 1, 1, 1, Streams.XRevRange),
        new("xdel", -3, Write, 1, 1, 1, Streams.XDel),
        new("xtrim", -4, Write, 1, 1, 1, Streams.XTrim),
        new("xread", -4, ReadOnly | Blocking, 0, 0, 0, Streams.XRead, Streams.ReadKeys),
        new("xreadgroup", -7, Write | Blocking, 0, 0, 0, Streams.XReadGroup, Streams.ReadKeys),
        new("xgroup", -2, Write, 0, 0, 0, Streams.XGroup, Subcommands:
        [
            SubcommandSpec.WriteKey("create", -5), SubcommandSpec.WriteKey("createconsumer", 5), SubcommandSpec.WriteKey("delconsumer", 5),
            SubcommandSpec.WriteKey("destroy", 4), new("help", 2), SubcommandSpec.WriteKey("setid", -5),
        ]),
        new("xack", -4, Write, 1, 1, 1, Streams.XAck),
        new("xpending", -3, ReadOnly, 1, 1, 1, Streams.XPending),
        new("xclaim", -6, Write, 1, 1, 1, Streams.XClaim),
        new("xautoclaim", -6, Write, 1, 1, 1, Streams.XAutoClaim),
        new("xinfo", -2, ReadOnly, 0, 0, 0, Streams.XInfo, Subcommands:
        [
            SubcommandSpec.ReadKey("consumers", 4), SubcommandSpec.ReadKey("groups", 3), new("help", 2), SubcommandSpec.ReadKey("stream", -3),
        ]),
        new("xsetid", -3, Write, 1, 1, 1, Streams.XSetId),

        // bitmaps (bitops.c)
        new("setbit", 4, Write, 1, 1, 1, Bitmaps.SetBit),
        new("getbit", 3, ReadOnly, 1, 1, 1, Bitmaps.GetBit),
        new("bitcount", -2, ReadOnly, 1, 1, 1, Bitmaps.BitCount),
        new("bitpos", -3, ReadOnly, 1, 1, 1, Bitmaps.BitPos),
        new("bitop", -4, Write, 2, -1, 1, Bitmaps.BitOpCommand),
        new("bitfield", -2, Write, 1, 1, 1, Bitmaps.Bitfield),
        new("bitfield_ro", -2, ReadOnly, 1, 1, 1, Bitmaps.BitfieldRo),

        // HyperLogLog (hyperloglog.c): PFCOUNT is read-only in Redis, yet caches the cardinality in the value it reads
        new("pfadd", -2, Write, 1, 1, 1, HyperLogLog.PfAdd),
        new("pfcount", -2, ReadOnly | Rewrites, 1, -1, 1, HyperLogLog.PfCount),
        new("pfmerge", -2, Write, 1, -1, 1, HyperLogLog.PfMerge),

        // geo (geo.c): GEORADIUS and GEORADIUSBYMEMBER write when given STORE or STOREDIST
        new("geoadd", -5, Write, 1, 1, 1, Geo.GeoAdd),
        new("geodist", -4, ReadOnly, 1, 1, 1, Geo.GeoDist),
        new("geohash", -2, ReadOnly, 1, 1, 1, Geo.GeoHashCommand),
        new("geopos", -2, ReadOnly, 1, 1, 1, Geo.GeoPos),
        new("georadius", -6, Write, 1, 1, 1, Geo.GeoRadius, Geo.StoreKeys(6)),
        new("georadius_ro", -6, ReadOnly, 1, 1, 1, Geo.GeoRadiusRo),
        new("georadiusbymember", -5, Write, 1, 1, 1, Geo.GeoRadiusByMember, Geo.StoreKeys(5)),
        new("georadiusbymember_ro", -5, ReadOnly, 1, 1, 1, Geo.GeoRadiusByMemberRo),
        new("geosearch", -7, ReadOnly, 1, 1, 1, Geo.GeoSearch),
        new("geosearchstore", -8, Write, 1, 2, 1, Geo.GeoSearchStore),

        // strings, continued (t_string.c)
        new("lcs", -3, ReadOnly, 1, 2, 1, Strings.Lcs),
        new("substr", 4, ReadOnly, 1, 1, 1, Strings.GetRange),

        // server (server.c)
        new("ping", -1, None, 0, 0, 0, Server.Ping),
        new("echo", 2, None, 0, 0, 0, Server.Echo),
        new("time", 1, Nondeterministic, 0, 0, 0, Server.Time),
        new("info", -1, Nondeterministic, 0, 0, 0, Server.Info),
        new("command", -1, None, 0, 0, 0, Server.Command, Subcommands:
        [
            new("count", 2), new("docs", -2), new("getkeys", -4), new("help", 2), new("info", -2), new("list", -2),
        ]),

        // ---- issue 18, second half: lists, sorted sets, keys, server, newer than 7.0 ----

        // lists (t_list.c)
        new("lmpop", -4, Write, 0, 0, 0, Lists.LMPop, NumKeys(1)),
        new("blpop", -3, Write | Blocking, 1, -2, 1, Lists.BLPop),
        new("brpop", -3, Write | Blocking, 1, -2, 1, Lists.BRPop),
        new("brpoplpush", 4, Write | Blocking, 1, 2, 1, Lists.BRPopLPush),
        new("blmove", 6, Write | Blocking, 1, 2, 1, Lists.BLMove),
        new("blmpop", -5, Write | Blocking, 0, 0, 0, Lists.BLMPop, NumKeys(2)),

        // sorted sets (t_zset.c)
        new("zmpop", -4, Write, 0, 0, 0, SortedSets.ZMPop, NumKeys(1)),
        new("bzpopmin", -3, Write | Blocking, 1, -2, 1, SortedSets.BZPopMin),
        new("bzpopmax", -3, Write | Blocking, 1, -2, 1, SortedSets.BZPopMax),
        new("bzmpop", -5, Write | Blocking, 0, 0, 0, SortedSets.BZMPop, NumKeys(2)),
        new("zrangestore", -5, Write, 1, 2, 1, SortedSets.ZRangeStore),
        new("zintercard", -3, ReadOnly, 0, 0, 0, SortedSets.ZInterCard, NumKeys(1)),

        // hashes: field expiry (Redis 7.4), HGETDEL, HGETEX, HSETEX (Redis 8.0)
        new("hexpire", -6, Write, 1, 1, 1, Hashes.HExpire),
        new("hpexpire", -6, Write, 1, 1, 1, Hashes.HPExpire),
        new("hexpireat", -6, Write, 1, 1, 1, Hashes.HExpireAt),
        new("hpexpireat", -6, Write, 1, 1, 1, Hashes.HPExpireAt),
        new("httl", -5, ReadOnly | Nondeterministic, 1, 1, 1, Hashes.HTtl),
        new("hpttl", -5, ReadOnly | Nondeterministic, 1, 1, 1, Hashes.HPTtl),
        new("hexpiretime", -5, ReadOnly | Nondeterministic, 1, 1, 1, Hashes.HExpireTime),
        new("hpexpiretime", -5, ReadOnly | Nondeterministic, 1, 1, 1, Hashes.HPExpireTime),
        new("hpersist", -5, Write, 1, 1, 1, Hashes.HPersist),
        new("hgetdel", -5, Write, 1, 1, 1, Hashes.HGetDel),
        new("hgetex", -5, Write, 1, 1, 1, Hashes.HGetEx),
        new("hsetex", -6, Write, 1, 1, 1, Hashes.HSetEx),

        // streams: XDELEX, XACKDEL (Redis 8.2)
        new("xdelex", -5, Write, 1, 1, 1, Streams.XDelEx),
        new("xackdel", -6, Write, 1, 1, 1, Streams.XAckDel),

        // keys (sort.c)
        new("sort", -2, Write, 1, 1, 1, Sort.SortCommand, Sort.SortKeys),
        new("sort_ro", -2, ReadOnly, 1, 1, 1, Sort.SortRo, Sort.SortRoKeys),

        // keys (object.c)
        new("object", -2, ReadOnly, 0, 0, 0, Objects.Object, Subcommands:
        [
            new("encoding", 3, ReadOnly | Nondeterministic, 2, 2, 1), new("freq", 3, ReadOnly | Nondeterministic, 2, 2, 1), new("help", 2),
            new("idletime", 3, ReadOnly | Nondeterministic, 2, 2, 1), new("refcount", 3, ReadOnly | Nondeterministic, 2, 2, 1),
        ]),

        // keys (db.c): one database, as redis-server with "databases 1"
        new("move", 3, Write, 1, 1, 1, Keys.Move),
        new("swapdb", 3, Write, 0, 0, 0, Keys.SwapDb),

        // keys (cluster.c)
        new("dump", 2, ReadOnly, 1, 1, 1, Dump.DumpCommand),
        new("restore", -4, Write, 1, 1, 1, Dump.Restore),

        // server (object.c, config.c, server.c)
        new("memory", -2, ReadOnly, 0, 0, 0, Server.Memory, Subcommands: [new("help", 2), SubcommandSpec.ReadKey("usage", -3)]),
        new("config", -2, Admin, 0, 0, 0, Config.ConfigCommand, Subcommands:
        [
            new("get", -3, Admin), new("help", 2), new("resetstat", 2, Admin), new("set", -4, Admin),
        ]),

        // scripting (eval.c, functions.c): EVAL and FCALL run where their keys are (numkeys of them
        // after the script); like Redis's they are neither read nor write (may_replicate): a store
        // treats them as writes unless _RO or the script declares no-writes (ScriptCommands.FlagsOf).
        // SCRIPT and FUNCTION change the catalog (HostService.Scripts) and need the full token.
        new("eval", -3, RunsScript, 0, 0, 0, ScriptCommands.Eval, ScriptCommands.Keys),
        new("evalsha", -3, RunsScript, 0, 0, 0, ScriptCommands.EvalSha, ScriptCommands.Keys),
        new("eval_ro", -3, ReadOnly | RunsScript, 0, 0, 0, ScriptCommands.EvalRo, ScriptCommands.Keys),
        new("evalsha_ro", -3, ReadOnly | RunsScript, 0, 0, 0, ScriptCommands.EvalShaRo, ScriptCommands.Keys),
        new("fcall", -3, RunsScript, 0, 0, 0, ScriptCommands.FCall, ScriptCommands.Keys),
        new("fcall_ro", -3, ReadOnly | RunsScript, 0, 0, 0, ScriptCommands.FCallRo, ScriptCommands.Keys),
        new("script", -2, Admin, 0, 0, 0, ScriptCommands.Script, Service: HostService.Scripts, Subcommands:
        [
            new("debug", 3), new("exists", -3), new("flush", -2), new("help", 2), new("kill", 2), new("load", 3), // none "write", as in Redis
        ]),
        new("function", -2, Admin, 0, 0, 0, ScriptCommands.Function, Service: HostService.Scripts, Subcommands:
        [
            new("delete", 3, Write), new("dump", 2), new("flush", -2, Write), new("help", 2), new("kill", 2), new("list", -2),
            new("load", -3, Write), new("restore", -3, Write), new("stats", 2),
        ]),

        // pub/sub (pubsub.c): served by the pub/sub service through the transport (entities/PubSub)
        Served("publish", 3, Publishes, HostService.PubSub),
        Served("pubsub", -2, None, HostService.PubSub,
        [
            new("channels", -2), new("help", 2), new("numpat", 2), new("numsub", -2), new("shardchannels", -2), new("shardnumsub", -2),
        ]),
        // persistence (rdb.c): served by the snapshot service (entities/Persistence)
        Served("save", 1, Admin, HostService.Snapshots),
        Served("bgsave", -1, Admin, HostService.Snapshots),
        Served("lastsave", 1, Admin | Nondeterministic, HostService.Snapshots),
    ];

    static readonly Dictionary<string, CommandSpec> ByName =
        Specs.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<CommandSpec> All => Specs;

    public static CommandSpec? Find(string name) => ByName.GetValueOrDefault(name);

    static readonly Dictionary<string, CommandSpec>.AlternateLookup<ReadOnlySpan<char>> BySpan =
        ByName.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Finds a command by its name as sent, without allocating (every command pays this).</summary>
    public static CommandSpec? Find(byte[] name)
    {
        if (name.Length > 32) return null;
        Span<char> chars = stackalloc char[name.Length];
        for (var i = 0; i < name.Length; i++) chars[i] = (char)name[i];
        return BySpan.TryGetValue(chars, out var spec) ? spec : null;
    }

    /// <summary>
    /// A row served by a host service. Its handler is what the engine answers where no service runs
    /// it: inside MULTI/EXEC (a transaction runs where its keys are, which must not call out) or on
    /// a bare keyspace (the tests').
    /// </summary>
    static CommandSpec Served(string name, int arity, CommandFlags flags, HostService service, IReadOnlyList<SubcommandSpec>? subcommands = null) =>
        new(name, arity, flags, 0, 0, 0, (_, _) => Reply.Error(NotServedHere(service)), Service: service, Subcommands: subcommands);

    public static string NotServedHere(HostService service) => service switch
    {
        HostService.PubSub => "ERR PUBLISH and PUBSUB are not available inside a transaction or without the pub/sub service: send them as single commands or in a pipeline",
        HostService.Scripts => "ERR SCRIPT and FUNCTION are not available inside a transaction: send them as single commands or in a pipeline",
        _ => "ERR Command not allowed inside a transaction",
    };

    /// <summary>Keys for commands with a numkeys argument at <paramref name="at"/>.</summary>
    static Func<byte[][], IReadOnlyList<int>> NumKeys(int at, int destination = 0) => args =>
    {
        var positions = new List<int>();
        if (destination > 0 && destination < args.Length) positions.Add(destination);
        if (at < args.Length && Numbers.TryParseLong(args[at], out var n) && n > 0)
            for (var i = 0; i < n && at + 1 + i < args.Length; i++) positions.Add(at + 1 + i);
        return positions;
    };
}
