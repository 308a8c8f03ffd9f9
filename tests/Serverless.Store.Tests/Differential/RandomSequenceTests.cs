using System.Text;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>
/// Thousands of seeded random command sequences over a handful of keys, mixing every type so
/// that wrong-type errors, emptied-key deletion, option parsing and number edge cases all get
/// exercised, each sent to redis-server and to the engine. A failure prints the seed and the
/// sequence; rerun one seed with <see cref="One_seed"/>.
/// </summary>
[Trait("Needs", "redis-server")]
[Collection(RedisCollection.Name)]
public sealed class RandomSequenceTests(RedisServer redis)
{
    /// <summary>2,000 in CI; set DIFFERENTIAL_SEQUENCES for a deeper local run.</summary>
    static readonly int Sequences = int.TryParse(Environment.GetEnvironmentVariable("DIFFERENTIAL_SEQUENCES"), out var n) ? n : 2000;
    const int Length = 40;

    [Fact]
    public void Random_sequences_over_all_types_answer_like_redis()
    {
        var diff = new Oracle.Differential(redis);
        for (var seed = 1; seed <= Sequences; seed++) RunSeed(diff, seed);
    }

    [Theory]
    [InlineData(1)]
    public void One_seed(int seed) => RunSeed(new Oracle.Differential(redis), seed);

    static void RunSeed(Oracle.Differential diff, int seed)
    {
        var commands = CommandGenerator.Sequence(new Random(seed), Length)
            .Select(c => c.Select(Encoding.UTF8.GetBytes).ToArray()).ToArray();
        diff.Run(commands, $"seed {seed} (rerun with One_seed({seed}))");
    }
}

/// <summary>Random but plausible commands: mostly valid, sometimes malformed on purpose.</summary>
public static class CommandGenerator
{
    static readonly string[] Keys = ["k1", "k2", "k3", "k4"];
    static readonly string[] Values = ["a", "b", "c", "abc", "", "0", "1", "2", "-3", "10", "10.5", "1e3", "x y", "9223372036854775807", "-inf", "+inf", "nan", "01", " 1"];
    static readonly string[] Fields = ["f1", "f2", "f3", "a", "b", "c"];
    static readonly string[] Indexes = ["0", "1", "-1", "2", "-2", "5", "-100", "100", "x"];
    static readonly string[] Scores = ["0", "1", "2.5", "-1", "10", "-inf", "+inf", "(1", "(2.5", "1e2", "x"];
    static readonly string[] LexBounds = ["-", "+", "[a", "(a", "[b", "(c", "[abc", "a"];
    static readonly string[] Counts = ["0", "1", "2", "3", "-1", "-3", "10", "x"];

    public static List<string[]> Sequence(Random r, int length)
    {
        var list = new List<string[]>(length);
        for (var i = 0; i < length; i++) list.Add(Next(r));
        return list;
    }

    static T Pick<T>(Random r, T[] from) => from[r.Next(from.Length)];
    static string K(Random r) => Pick(r, Keys);
    static string V(Random r) => Pick(r, Values);
    static string F(Random r) => Pick(r, Fields);
    static string I(Random r) => Pick(r, Indexes);
    static string S(Random r) => Pick(r, Scores);
    static string L(Random r) => Pick(r, LexBounds);
    static string C(Random r) => Pick(r, Counts);
    static string[] Many(Random r, Func<Random, string> item, int min = 1, int max = 3) =>
        Enumerable.Range(0, r.Next(min, max + 1)).Select(_ => item(r)).ToArray();
    static string[] Pairs(Random r, Func<Random, string> a, Func<Random, string> b) =>
        Enumerable.Range(0, r.Next(1, 3)).SelectMany(_ => new[] { a(r), b(r) }).ToArray();
    static string[] Opt(Random r, params string[][] choices) => r.Next(2) == 0 ? [] : choices[r.Next(choices.Length)];

    static readonly Func<Random, string[]>[] Generators =
    [
        // strings
        r => ["GET", K(r)],
        r => ["SET", K(r), V(r), .. Opt(r, ["NX"], ["XX"], ["GET"], ["EX", "100"], ["PX", "100000"], ["KEEPTTL"], ["EX", "0"], ["NX", "XX"])],
        r => ["SETNX", K(r), V(r)],
        r => ["GETSET", K(r), V(r)],
        r => ["GETDEL", K(r)],
        r => ["GETEX", K(r), .. Opt(r, ["PERSIST"], ["EX", "100"], ["PX", "-1"])],
        r => ["MGET", .. Many(r, K)],
        r => ["MSET", .. Pairs(r, K, V)],
        r => ["MSETNX", .. Pairs(r, K, V)],
        r => ["INCR", K(r)],
        r => ["DECR", K(r)],
        r => ["INCRBY", K(r), I(r)],
        r => ["DECRBY", K(r), I(r)],
        r => ["INCRBYFLOAT", K(r), S(r)],
        r => ["APPEND", K(r), V(r)],
        r => ["STRLEN", K(r)],
        r => ["GETRANGE", K(r), I(r), I(r)],
        r => ["SETRANGE", K(r), I(r), V(r)],
        // keys
        r => ["DEL", .. Many(r, K)],
        r => ["EXISTS", .. Many(r, K)],
        r => ["TYPE", K(r)],
        r => ["EXPIRE", K(r), Pick(r, ["100", "1000", "-1", "x"]), .. Opt(r, ["NX"], ["XX"], ["GT"], ["LT"])],
        r => ["PEXPIREAT", K(r), Pick(r, ["1", "99999999999999"])],
        r => ["TTL", K(r)],
        r => ["PERSIST", K(r)],
        r => ["EXPIRETIME", K(r)],
        r => ["RENAME", K(r), K(r)],
        r => ["RENAMENX", K(r), K(r)],
        r => ["COPY", K(r), K(r), .. Opt(r, ["REPLACE"])],
        r => ["TOUCH", .. Many(r, K)],
        r => ["DBSIZE"],
        r => ["KEYS", Pick(r, ["*", "k[12]", "k?", "x*"])],
        // hashes
        r => ["HSET", K(r), .. Pairs(r, F, V)],
        r => ["HSETNX", K(r), F(r), V(r)],
        r => ["HGET", K(r), F(r)],
        r => ["HMGET", K(r), .. Many(r, F)],
        r => ["HGETALL", K(r)],
        r => ["HDEL", K(r), .. Many(r, F)],
        r => ["HEXISTS", K(r), F(r)],
        r => ["HLEN", K(r)],
        r => ["HKEYS", K(r)],
        r => ["HVALS", K(r)],
        r => ["HINCRBY", K(r), F(r), I(r)],
        r => ["HINCRBYFLOAT", K(r), F(r), S(r)],
        r => ["HSTRLEN", K(r), F(r)],
        r => ["HRANDFIELD", K(r), .. Opt(r, [C(r)], [C(r), "WITHVALUES"])],
        // lists
        r => ["LPUSH", K(r), .. Many(r, V)],
        r => ["RPUSH", K(r), .. Many(r, V)],
        r => ["LPUSHX", K(r), V(r)],
        r => ["RPUSHX", K(r), V(r)],
        r => ["LPOP", K(r), .. Opt(r, [C(r)])],
        r => ["RPOP", K(r), .. Opt(r, [C(r)])],
        r => ["LRANGE", K(r), I(r), I(r)],
        r => ["LTRIM", K(r), I(r), I(r)],
        r => ["LLEN", K(r)],
        r => ["LINDEX", K(r), I(r)],
        r => ["LSET", K(r), I(r), V(r)],
        r => ["LREM", K(r), I(r), V(r)],
        r => ["LINSERT", K(r), Pick(r, ["BEFORE", "AFTER", "x"]), V(r), V(r)],
        r => ["LPOS", K(r), V(r), .. Opt(r, ["RANK", I(r)], ["COUNT", C(r)], ["MAXLEN", C(r)])],
        r => ["LMOVE", K(r), K(r), Pick(r, ["LEFT", "RIGHT"]), Pick(r, ["LEFT", "RIGHT"])],
        r => ["RPOPLPUSH", K(r), K(r)],
        // sets
        r => ["SADD", K(r), .. Many(r, V)],
        r => ["SREM", K(r), .. Many(r, V)],
        r => ["SMEMBERS", K(r)],
        r => ["SISMEMBER", K(r), V(r)],
        r => ["SMISMEMBER", K(r), .. Many(r, V)],
        r => ["SCARD", K(r)],
        r => ["SPOP", K(r), "100"],
        r => ["SRANDMEMBER", K(r), .. Opt(r, [C(r)])],
        r => ["SINTER", .. Many(r, K)],
        r => ["SUNION", .. Many(r, K)],
        r => ["SDIFF", .. Many(r, K)],
        r => ["SINTERSTORE", K(r), .. Many(r, K)],
        r => ["SUNIONSTORE", K(r), .. Many(r, K)],
        r => ["SDIFFSTORE", K(r), .. Many(r, K)],
        r => ["SMOVE", K(r), K(r), V(r)],
        r => ["SINTERCARD", "2", K(r), K(r), .. Opt(r, ["LIMIT", C(r)])],
        // sorted sets
        r => ["ZADD", K(r), .. Opt(r, ["NX"], ["XX"], ["GT"], ["LT"], ["CH"], ["INCR"], ["GT", "CH"]), .. Pairs(r, S, V)],
        r => ["ZINCRBY", K(r), S(r), V(r)],
        r => ["ZSCORE", K(r), V(r)],
        r => ["ZMSCORE", K(r), .. Many(r, V)],
        r => ["ZCARD", K(r)],
        r => ["ZCOUNT", K(r), S(r), S(r)],
        r => ["ZRANGE", K(r), I(r), I(r), .. Opt(r, ["WITHSCORES"], ["REV"], ["REV", "WITHSCORES"])],
        r => ["ZRANGE", K(r), S(r), S(r), "BYSCORE", .. Opt(r, ["LIMIT", I(r), C(r)], ["WITHSCORES"], ["REV"])],
        r => ["ZRANGE", K(r), L(r), L(r), "BYLEX", .. Opt(r, ["LIMIT", I(r), C(r)], ["REV"])],
        r => ["ZREVRANGE", K(r), I(r), I(r), .. Opt(r, ["WITHSCORES"])],
        r => ["ZRANGEBYSCORE", K(r), S(r), S(r), .. Opt(r, ["WITHSCORES"], ["LIMIT", I(r), C(r)])],
        r => ["ZREVRANGEBYSCORE", K(r), S(r), S(r), .. Opt(r, ["WITHSCORES"])],
        r => ["ZRANGEBYLEX", K(r), L(r), L(r)],
        r => ["ZREVRANGEBYLEX", K(r), L(r), L(r)],
        r => ["ZLEXCOUNT", K(r), L(r), L(r)],
        r => ["ZRANK", K(r), V(r)],
        r => ["ZREVRANK", K(r), V(r)],
        r => ["ZREM", K(r), .. Many(r, V)],
        r => ["ZREMRANGEBYSCORE", K(r), S(r), S(r)],
        r => ["ZREMRANGEBYRANK", K(r), I(r), I(r)],
        r => ["ZREMRANGEBYLEX", K(r), L(r), L(r)],
        r => ["ZPOPMIN", K(r), .. Opt(r, [C(r)])],
        r => ["ZPOPMAX", K(r), .. Opt(r, [C(r)])],
        r => ["ZRANDMEMBER", K(r), .. Opt(r, [C(r)], [C(r), "WITHSCORES"])],
        r => ["ZUNIONSTORE", K(r), "2", K(r), K(r), .. Opt(r, ["WEIGHTS", "2", "3"], ["AGGREGATE", Pick(r, ["MIN", "MAX", "SUM"])])],
        r => ["ZINTERSTORE", K(r), "2", K(r), K(r), .. Opt(r, ["AGGREGATE", "MAX"])],
        r => ["ZDIFFSTORE", K(r), "2", K(r), K(r)],
        r => ["ZUNION", "2", K(r), K(r), .. Opt(r, ["WITHSCORES"])],
        r => ["ZINTER", "2", K(r), K(r), .. Opt(r, ["WITHSCORES"])],
        r => ["ZDIFF", "2", K(r), K(r), .. Opt(r, ["WITHSCORES"])],
        // bitmaps
        r => ["SETBIT", K(r), B(r), Pick(r, ["0", "1", "1", "2"])],
        r => ["GETBIT", K(r), B(r)],
        r => ["BITCOUNT", K(r), .. Opt(r, [I(r), I(r)], [I(r), I(r), Pick(r, ["BIT", "BYTE", "x"])])],
        r => ["BITPOS", K(r), Pick(r, ["0", "1", "2"]), .. Opt(r, [I(r)], [I(r), I(r)], [I(r), I(r), Pick(r, ["BIT", "BYTE"])])],
        r => ["BITOP", Pick(r, ["AND", "OR", "XOR", "NOT", "x"]), K(r), .. Many(r, K, 1, 3)],
        r => ["BITFIELD", K(r), .. Opt(r, ["OVERFLOW", Pick(r, ["WRAP", "SAT", "FAIL"])]), .. Field(r), .. Opt(r, Field(r))],
        r => ["BITFIELD_RO", K(r), "GET", Pick(r, ["u8", "i5", "u63", "i64"]), B(r)],
        // HyperLogLog
        r => ["PFADD", K(r), .. Many(r, V, 0, 4)],
        r => ["PFCOUNT", .. Many(r, K, 1, 3)],
        r => ["PFMERGE", K(r), .. Many(r, K, 0, 2)],
        // geo
        r => ["GEOADD", K(r), .. Opt(r, ["NX"], ["XX"], ["CH"], ["XX", "CH"]), .. Place(r), .. Opt(r, Place(r))],
        r => ["GEOPOS", K(r), .. Many(r, V)],
        r => ["GEOHASH", K(r), .. Many(r, V)],
        r => ["GEODIST", K(r), V(r), V(r), .. Opt(r, [Pick(r, ["m", "km", "mi", "ft", "x"])])],
        r => ["GEOSEARCH", K(r), .. Pick<string[]>(r, [["FROMMEMBER", V(r)], ["FROMLONLAT", "13.4", "38.1"]]),
            .. Pick<string[]>(r, [["BYRADIUS", Pick(r, ["0", "10", "500", "-1"]), "km"], ["BYBOX", "400", "300", "km"]]),
            .. Opt(r, ["WITHDIST"], ["WITHCOORD", "ASC"], ["COUNT", C(r)], ["COUNT", "2", "ANY"], ["DESC", "WITHHASH"])],
        r => ["GEORADIUS", K(r), "13.4", "38.1", Pick(r, ["10", "500", "x"]), "km", .. Opt(r, ["WITHDIST"], ["STORE", K(r)], ["STOREDIST", K(r)], ["COUNT", C(r)])],
        r => ["GEORADIUSBYMEMBER", K(r), V(r), "500", "km", .. Opt(r, ["WITHCOORD"], ["STORE", K(r)], ["DESC"])],
        r => ["GEOSEARCHSTORE", K(r), K(r), "FROMLONLAT", "13.4", "38.1", "BYRADIUS", "500", "km", .. Opt(r, ["STOREDIST"], ["COUNT", "1"])],
        // LCS and SUBSTR
        r => ["LCS", K(r), K(r), .. Opt(r, ["LEN"], ["IDX"], ["IDX", "WITHMATCHLEN", "MINMATCHLEN", C(r)])],
        r => ["SUBSTR", K(r), I(r), I(r)],
        // issue 18, second half: multi pops, blocking pops (sent to redis-server inside MULTI, see
        // Oracle.Differential), ZRANGESTORE, ZINTERCARD, SORT, OBJECT
        r => ["LMPOP", "2", K(r), K(r), Pick(r, ["LEFT", "RIGHT", "UP"]), .. Opt(r, ["COUNT", C(r)])],
        r => [Pick(r, ["BLPOP", "BRPOP"]), K(r), K(r), Pick(r, ["0", "0.01", "-1", "x"])],
        r => ["BRPOPLPUSH", K(r), K(r), "0"],
        r => ["BLMOVE", K(r), K(r), Pick(r, ["LEFT", "RIGHT"]), Pick(r, ["LEFT", "RIGHT"]), "0"],
        r => ["BLMPOP", "0", "2", K(r), K(r), Pick(r, ["LEFT", "RIGHT"]), .. Opt(r, ["COUNT", C(r)])],
        r => ["ZMPOP", "2", K(r), K(r), Pick(r, ["MIN", "MAX", "x"]), .. Opt(r, ["COUNT", C(r)])],
        r => [Pick(r, ["BZPOPMIN", "BZPOPMAX"]), K(r), K(r), "0"],
        r => ["BZMPOP", "0", "1", K(r), Pick(r, ["MIN", "MAX"]), .. Opt(r, ["COUNT", C(r)])],
        r => ["ZRANGESTORE", K(r), K(r), I(r), I(r), .. Opt(r, ["REV"], ["BYSCORE"], ["BYLEX"], ["BYSCORE", "LIMIT", I(r), C(r)])],
        r => ["ZINTERCARD", "2", K(r), K(r), .. Opt(r, ["LIMIT", C(r)])],
        r => [Pick(r, ["SORT", "SORT_RO"]), K(r), .. Opt(r, ["ALPHA"], ["DESC"], ["ALPHA", "DESC"], ["LIMIT", I(r), C(r)], ["ALPHA", "LIMIT", I(r), C(r)])],
        r => ["SORT", K(r), "ALPHA", "STORE", K(r)],
        r => ["OBJECT", Pick(r, ["ENCODING", "REFCOUNT"]), K(r)],
    ];

    static readonly string[] BitOffsets = ["0", "1", "7", "8", "15", "33", "100", "-1", "x", "#1", "#3"];
    static readonly string[] Coordinates = ["0", "13.361389", "38.115556", "15.087269", "37.502669", "-180", "180", "85.05112878", "90", "x"];

    static string B(Random r) => Pick(r, BitOffsets);
    static string[] Field(Random r) => Pick<string[]>(r, [
        ["GET", Pick(r, ["u8", "i8", "u1", "i64", "u64"]), B(r)],
        ["SET", Pick(r, ["u8", "i4", "u2"]), B(r), I(r)],
        ["INCRBY", Pick(r, ["u8", "i4", "i64"]), B(r), I(r)],
    ]);
    static string[] Place(Random r) => [Pick(r, Coordinates), Pick(r, Coordinates), V(r)];

    static string[] Next(Random r) => Generators[r.Next(Generators.Length)](r);
}
