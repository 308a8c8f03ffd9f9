using System.Text;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>Every sorted set command against redis-server 7.0: happy paths, options, errors, edges.</summary>
[Trait("Needs", "redis-server")]
[Collection(RedisCollection.Name)]
public sealed class SortedSetsDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    [Fact]
    public void Zadd_basics_and_updates() => diff.Run(
        "ZADD z 1 a 2 b 3 c",
        "ZADD z 1 a",
        "ZADD z 5 a 0 d",
        "ZADD z CH 6 a 0 d 7 e",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZADD z 1 x 2 x 3 x",
        "ZSCORE z x",
        "ZADD z 1.5 f -2.25e3 g 1e20 h 1.1 i",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZADD z inf pinf -inf ninf +inf p2 -INF n2 Infinity p3",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZCARD z",
        "TYPE z");

    [Fact]
    public void Zadd_option_flags() => diff.Run(
        "ZADD z 1 a 2 b",
        "ZADD z NX 10 a 3 c",
        "ZADD z XX 10 a 4 d",
        "ZADD z XX CH 11 a 4 d",
        "ZADD z GT 5 a 20 b",
        "ZADD z GT CH 5 a 20 b 1 new",
        "ZADD z LT CH 100 a 1 b",
        "ZADD z XX GT CH 50 a 50 nope",
        "ZADD z XX LT 0 a",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZADD z nx xx 1 a",
        "ZADD z NX GT 1 a",
        "ZADD z NX LT 1 a",
        "ZADD z GT LT 1 a",
        "ZADD z NX XX GT 1 a",
        "ZADD z INCR 1 a 2 b",
        "ZADD z INCR NX XX 1 a 2 b",
        "ZADD z CH",
        "ZADD z 1",
        "ZADD z 1 a 2",
        "ZADD z NX",
        "ZADD z 1 a x b",
        "ZADD z nan a",
        "ZADD z abc a",
        "ZADD z \"\" a",
        "ZADD z \" 1\" a",
        "ZADD z 1e400 a",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZADD missing XX 1 a",
        "EXISTS missing",
        "ZADD missing XX INCR 1 a",
        "EXISTS missing",
        "ZADD fresh GT 5 a",
        "ZADD fresh2 LT CH 5 a",
        "ZRANGE fresh 0 -1 WITHSCORES");

    [Fact]
    public void Zadd_incr_and_zincrby() => diff.Run(
        "ZADD z INCR 1.5 a",
        "ZADD z INCR 1.5 a",
        "ZADD z NX INCR 1 a",
        "ZADD z XX INCR 1 nope",
        "ZADD z GT INCR -1 a",
        "ZADD z LT INCR -1 a",
        "ZADD z GT INCR 0 a",
        "ZADD z INCR CH 1 a",
        "ZINCRBY z 2 a",
        "ZINCRBY z -10 b",
        "ZINCRBY z 0.1 c",
        "ZINCRBY z 0.2 c",
        "ZINCRBY z abc c",
        "ZINCRBY z nx c",
        "ZINCRBY z 1 nx",
        "ZADD z inf i",
        "ZINCRBY z -inf i",
        "ZADD z INCR -inf i",
        "ZSCORE z i",
        "ZINCRBY z inf i",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZINCRBY newkey 5 m",
        "ZRANGE newkey 0 -1 WITHSCORES",
        "ZADD z 1.1 f",
        "ZSCORE z f",
        "ZADD z 0.30000000000000004 g 123456789012345678 h 1e-7 j -0 k",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZINCRBY z -0 k",
        "ZADD z INCR -0 brandnew",
        "ZINCRBY z -0 brandnew2");

    [Fact]
    public void Scores_and_counts() => diff.Run(
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "ZSCORE z a",
        "ZSCORE z nope",
        "ZSCORE missing a",
        "ZMSCORE z a nope e",
        "ZMSCORE missing a b",
        "ZMSCORE z",
        "ZCARD z",
        "ZCARD missing",
        "ZCOUNT z 2 4",
        "ZCOUNT z (2 4",
        "ZCOUNT z (2 (4",
        "ZCOUNT z -inf +inf",
        "ZCOUNT z (1 (1",
        "ZCOUNT z 3 3",
        "ZCOUNT z 5 1",
        "ZCOUNT z \"\" 3",
        "ZCOUNT z ( 2",
        "ZCOUNT z \" 2\" 10",
        "ZCOUNT z 0x1 0x3",
        "ZCOUNT z 1e400 inf",
        "ZCOUNT z -1e400 1",
        "ZCOUNT z a 1",
        "ZCOUNT z 1 nan",
        "ZCOUNT z \"1 \" 2",
        "ZCOUNT z ((1 2",
        "ZCOUNT missing 1 2",
        "ZCOUNT missing a 2",
        "ZRANK z a",
        "ZRANK z e",
        "ZRANK z nope",
        "ZRANK missing a",
        "ZREVRANK z a",
        "ZREVRANK z e",
        "ZREVRANK z nope");

    [Fact]
    public void Lex_counts_and_ranges() => diff.Run(
        "ZADD z 0 a 0 b 0 c 0 d 0 e 0 f 0 g",
        "ZLEXCOUNT z - +",
        "ZLEXCOUNT z [b [d",
        "ZLEXCOUNT z (b (d",
        "ZLEXCOUNT z [d [b",
        "ZLEXCOUNT z + -",
        "ZLEXCOUNT z - -",
        "ZLEXCOUNT z + +",
        "ZLEXCOUNT z [b [b",
        "ZLEXCOUNT z (b [b",
        "ZLEXCOUNT z [ (",
        "ZLEXCOUNT z b [d",
        "ZLEXCOUNT z [b d",
        "ZLEXCOUNT z \"\" +",
        "ZLEXCOUNT z -a +",
        "ZLEXCOUNT z - ++",
        "ZLEXCOUNT missing - +",
        "ZLEXCOUNT missing x +",
        "ZRANGEBYLEX z - +",
        "ZRANGEBYLEX z [b (f",
        "ZRANGEBYLEX z (b +",
        "ZRANGEBYLEX z - [c",
        "ZRANGEBYLEX z [aa [cc",
        "ZRANGEBYLEX z - + LIMIT 2 3",
        "ZRANGEBYLEX z - + LIMIT 2 -1",
        "ZRANGEBYLEX z - + LIMIT 2 0",
        "ZRANGEBYLEX z - + LIMIT -1 2",
        "ZRANGEBYLEX z - + LIMIT 10 2",
        "ZRANGEBYLEX z - + LIMIT 2",
        "ZRANGEBYLEX z - + LIMIT a 2",
        "ZRANGEBYLEX z - + WITHSCORES",
        "ZRANGEBYLEX z - + REV",
        "ZRANGEBYLEX z a +",
        "ZREVRANGEBYLEX z + -",
        "ZREVRANGEBYLEX z [f (b",
        "ZREVRANGEBYLEX z - +",
        "ZREVRANGEBYLEX z + - LIMIT 1 2",
        "ZREVRANGEBYLEX z (e - LIMIT 0 100",
        "ZREVRANGEBYLEX missing + -",
        "ZRANGE z [b [e BYLEX",
        "ZRANGE z [e [b BYLEX REV",
        "ZRANGE z - + BYLEX LIMIT 1 3",
        "ZRANGE z + - BYLEX REV LIMIT 1 3",
        "ZRANGE z - + BYLEX WITHSCORES",
        "ZRANGE z 0 1 BYLEX");

    [Fact]
    public void Lex_ranges_are_binary_safe()
    {
        var members = new[] { "a", "a\u0000", "a\u0000b", "\u00ff", "ab", "" };
        var commands = new List<byte[][]> { Args("ZADD", "z") };
        foreach (var m in members) commands[0] = [.. commands[0], "0"u8.ToArray(), Latin1(m)];
        commands.Add(Args("ZRANGEBYLEX", "z", "-", "+"));
        commands.Add([.."ZRANGEBYLEX z"u8.ToArray().Split(), Latin1("[a\u0000"), Latin1("(\u00ff")]);
        commands.Add([.."ZLEXCOUNT z"u8.ToArray().Split(), Latin1("(a"), Latin1("[ab")]);
        commands.Add(Args("ZRANGE", "z", "0", "-1", "WITHSCORES"));
        commands.Add([.."ZSCORE z"u8.ToArray().Split(), Latin1("a\u0000b")]);
        commands.Add([.."ZRANK z"u8.ToArray().Split(), Latin1("\u00ff")]);
        commands.Add([.."ZREM z"u8.ToArray().Split(), Latin1("a\u0000"), Latin1("")]);
        commands.Add(Args("ZRANGE", "z", "0", "-1"));
        commands.Add([.."ZREMRANGEBYLEX z"u8.ToArray().Split(), Latin1("[\u00ff"), Latin1("+")]);
        commands.Add(Args("ZRANGE", "z", "0", "-1"));
        commands.Add(Args("ZSCAN", "z", "0"));
        diff.Run(commands.ToArray());
    }

    [Fact]
    public void Range_by_rank() => diff.Run(
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "ZRANGE z 0 -1",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZRANGE z 0 -1 withscores withscores",
        "ZRANGE z 1 3",
        "ZRANGE z -2 -1",
        "ZRANGE z -100 1",
        "ZRANGE z 3 100",
        "ZRANGE z 4 2",
        "ZRANGE z 5 10",
        "ZRANGE z -1 -2",
        "ZRANGE z 0 -1 REV",
        "ZRANGE z 0 1 REV WITHSCORES",
        "ZRANGE z 0 -1 LIMIT 0 1",
        "ZRANGE z 0 -1 LIMIT 0 -1",
        "ZRANGE z 0 -1 LIMIT 0",
        "ZRANGE z a 1",
        "ZRANGE z 0 1.5",
        "ZRANGE z 0 1 BOGUS",
        "ZRANGE z 0 1 REV REV",
        "ZRANGE z 0 1 BYSCORE BYLEX",
        "ZRANGE z 0 1 LIMIT x 1",
        "ZRANGE missing 0 -1",
        "ZRANGE missing a b",
        "ZREVRANGE z 0 -1",
        "ZREVRANGE z 0 1 WITHSCORES",
        "ZREVRANGE z -2 -1",
        "ZREVRANGE z 0 -1 REV",
        "ZREVRANGE z 0 -1 BYSCORE",
        "ZREVRANGE z 0 -1 LIMIT 0 1",
        "ZREVRANGE missing 0 -1",
        "ZREVRANGE z 9223372036854775807 -9223372036854775808",
        "ZRANGE z 0 9223372036854775808");

    [Fact]
    public void Range_by_score() => diff.Run(
        "ZADD z 1 a 2 b 2 bb 3 c 4 d 5 e -inf ninf inf pinf",
        "ZRANGEBYSCORE z -inf +inf",
        "ZRANGEBYSCORE z -inf +inf WITHSCORES",
        "ZRANGEBYSCORE z 2 4",
        "ZRANGEBYSCORE z (2 4",
        "ZRANGEBYSCORE z (2 (4",
        "ZRANGEBYSCORE z 4 2",
        "ZRANGEBYSCORE z (2 (2",
        "ZRANGEBYSCORE z 2 2",
        "ZRANGEBYSCORE z -inf -inf",
        "ZRANGEBYSCORE z 1 5 LIMIT 1 2",
        "ZRANGEBYSCORE z 1 5 LIMIT 1 -1",
        "ZRANGEBYSCORE z 1 5 LIMIT 1 0",
        "ZRANGEBYSCORE z 1 5 LIMIT -1 2",
        "ZRANGEBYSCORE z 1 5 LIMIT 8 2",
        "ZRANGEBYSCORE z 1 5 LIMIT 20 2",
        "ZRANGEBYSCORE z 1 5 WITHSCORES LIMIT 0 2",
        "ZRANGEBYSCORE z 1 5 LIMIT 0 2 WITHSCORES",
        "ZRANGEBYSCORE z 1 5 LIMIT 0",
        "ZRANGEBYSCORE z 1 5 REV",
        "ZRANGEBYSCORE z 1 5 BYSCORE",
        "ZRANGEBYSCORE z a 5",
        "ZRANGEBYSCORE z 1 (",
        "ZRANGEBYSCORE missing 1 5",
        "ZRANGEBYSCORE missing x 5",
        "ZREVRANGEBYSCORE z +inf -inf",
        "ZREVRANGEBYSCORE z 4 2 WITHSCORES",
        "ZREVRANGEBYSCORE z (4 (2",
        "ZREVRANGEBYSCORE z 2 4",
        "ZREVRANGEBYSCORE z 5 1 LIMIT 1 2",
        "ZREVRANGEBYSCORE z 5 1 LIMIT 5 10",
        "ZREVRANGEBYSCORE z 5 1 LIMIT 7 10",
        "ZRANGE z 2 4 BYSCORE",
        "ZRANGE z (1 +inf BYSCORE LIMIT 2 3 WITHSCORES",
        "ZRANGE z 4 2 BYSCORE REV",
        "ZRANGE z +inf -inf REV BYSCORE LIMIT 1 2",
        "ZRANGE z 2 4 BYSCORE REV");

    [Fact]
    public void Removal() => diff.Run(
        "ZADD z 1 a 2 b 3 c 4 d 5 e 6 f",
        "ZREM z a nope",
        "ZREM z a",
        "ZREM missing a",
        "ZREMRANGEBYRANK z 0 0",
        "ZREMRANGEBYRANK z -1 -1",
        "ZREMRANGEBYRANK z 5 10",
        "ZREMRANGEBYRANK z 2 1",
        "ZREMRANGEBYRANK z a 1",
        "ZREMRANGEBYRANK missing 0 -1",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZADD z 10 x 11 y 12 zz",
        "ZREMRANGEBYSCORE z (10 12",
        "ZREMRANGEBYSCORE z 100 1",
        "ZREMRANGEBYSCORE z x 1",
        "ZREMRANGEBYSCORE missing 1 2",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZREMRANGEBYSCORE z -inf +inf",
        "EXISTS z",
        "ZADD l 0 a 0 b 0 c 0 d",
        "ZREMRANGEBYLEX l [b (d",
        "ZREMRANGEBYLEX l b d",
        "ZREMRANGEBYLEX l + -",
        "ZREMRANGEBYLEX missing - +",
        "ZRANGE l 0 -1",
        "ZREMRANGEBYLEX l - +",
        "EXISTS l",
        "ZADD r 1 a 2 b",
        "ZREMRANGEBYRANK r 0 -1",
        "EXISTS r",
        "ZADD q 1 a 2 b",
        "ZREM q a b c",
        "EXISTS q");

    [Fact]
    public void Pops() => diff.Run(
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "ZPOPMIN z",
        "ZPOPMAX z",
        "ZPOPMIN z 2",
        "ZPOPMIN z 0",
        "ZPOPMIN z -1",
        "ZPOPMIN z a",
        "ZPOPMIN z 1 2",
        "ZPOPMAX z 10",
        "EXISTS z",
        "ZPOPMIN z",
        "ZPOPMAX z 3",
        "ZPOPMIN missing 0",
        "ZPOPMIN missing -1",
        "ZADD t 1 a 1 b 1 c",
        "ZPOPMAX t 2",
        "ZPOPMIN t 1");

    [Fact]
    public void Random_members_shapes() => diff.Run(
        "ZADD z 1 a 2 b 3 c 4 d 5 e 6 f 7 g 8 h 9 i 10 j",
        "ZRANDMEMBER z",
        "ZRANDMEMBER z 0",
        "ZRANDMEMBER z 1",
        "ZRANDMEMBER z 3",
        "ZRANDMEMBER z 8",
        "ZRANDMEMBER z 10",
        "ZRANDMEMBER z 20",
        "ZRANDMEMBER z -5",
        "ZRANDMEMBER z -30",
        "ZRANDMEMBER z 3 WITHSCORES",
        "ZRANDMEMBER z 20 WITHSCORES",
        "ZRANDMEMBER z -4 WITHSCORES",
        "ZRANDMEMBER z 1 WITHSCORES",
        "ZRANDMEMBER z 3 BOGUS",
        "ZRANDMEMBER z 3 WITHSCORES x",
        "ZRANDMEMBER z a",
        "ZRANDMEMBER z -9223372036854775808",
        "ZRANDMEMBER z 9223372036854775807 WITHSCORES",
        "ZRANDMEMBER z -4611686018427387904 WITHSCORES",
        "ZRANDMEMBER missing",
        "ZRANDMEMBER missing 5",
        "ZRANDMEMBER missing -5 WITHSCORES",
        "ZRANDMEMBER missing 0");

    [Fact]
    public void Random_members_are_members_with_their_scores()
    {
        diff.Run("ZADD z 1 a 2 b 3 c 4 d 5 e 6 f 7 g 8 h 9 i 10 j");
        var scores = new Dictionary<string, string>();
        for (var c = 'a'; c <= 'j'; c++) scores[c.ToString()] = (c - 'a' + 1).ToString();
        foreach (var count in new[] { 3, 4, 9, 10, 11, -5, -25 })
        {
            var (fromRedis, fromEngine) = diff.Step($"ZRANDMEMBER z {count} WITHSCORES");
            foreach (var reply in new[] { fromRedis, fromEngine })
            {
                var items = ((ArrayReply)reply).Items!.Select(r => Encoding.UTF8.GetString(((BulkReply)r).Value!)).ToList();
                Assert.Equal(Math.Min(Math.Abs(count), count < 0 ? int.MaxValue : 10) * 2, items.Count);
                for (var i = 0; i < items.Count; i += 2) Assert.Equal(scores[items[i]], items[i + 1]);
                if (count > 0) Assert.Equal(items.Count / 2, items.Where((_, i) => i % 2 == 0).Distinct().Count());
            }
        }
    }

    [Fact]
    public void Wrong_type_everywhere() => diff.Run(
        "SET s v",
        "RPUSH l x",
        "ZADD s 1 a",
        "ZADD s XX 1 a",
        "ZADD s nan a",
        "ZINCRBY s 1 a",
        "ZSCORE s a",
        "ZMSCORE s a",
        "ZCARD s",
        "ZCOUNT s 1 2",
        "ZCOUNT s x 2",
        "ZLEXCOUNT s - +",
        "ZRANGE s 0 -1",
        "ZRANGE s a b",
        "ZREVRANGE s 0 -1",
        "ZRANGEBYSCORE s 1 2",
        "ZREVRANGEBYSCORE s 1 2",
        "ZRANGEBYLEX s - +",
        "ZREVRANGEBYLEX s + -",
        "ZRANK s a",
        "ZREVRANK s a",
        "ZREM s a",
        "ZREMRANGEBYSCORE s 1 2",
        "ZREMRANGEBYRANK s 0 1",
        "ZREMRANGEBYLEX s - +",
        "ZPOPMIN s",
        "ZPOPMAX s 2",
        "ZPOPMIN s -1",
        "ZRANDMEMBER s",
        "ZRANDMEMBER s 2",
        "ZRANDMEMBER s x",
        "ZSCAN s 0",
        "ZSCAN s x",
        "ZUNION 2 s l",
        "ZINTER 1 l",
        "ZDIFF 1 s",
        "ZUNIONSTORE d 1 s",
        "ZINTERSTORE d 1 l",
        "ZDIFFSTORE d 1 s",
        "ZUNION 1 s WEIGHTS x",
        "GET s");

    [Fact]
    public void Arity_of_variadic_commands() => diff.Run(
        "ZADD z",
        "ZADD z 1",
        "ZINCRBY z 1",
        "ZMSCORE z",
        "ZRANGE z 0",
        "ZREVRANGE z 0",
        "ZRANGEBYSCORE z 0",
        "ZREVRANGEBYSCORE z 0",
        "ZRANGEBYLEX z -",
        "ZREVRANGEBYLEX z +",
        "ZREM z",
        "ZPOPMIN",
        "ZPOPMAX",
        "ZRANDMEMBER",
        "ZUNIONSTORE d 1",
        "ZINTERSTORE d 1",
        "ZDIFFSTORE d 1",
        "ZUNION 1",
        "ZINTER 1",
        "ZDIFF 1",
        "ZSCAN z",
        "ZCOUNT z 1",
        "ZSCORE z",
        "ZCARD");

    [Fact]
    public void Union_inter_diff() => diff.Run(
        "ZADD a 1 x 2 y 3 z",
        "ZADD b 10 y 20 z 30 w",
        "ZADD c 100 z",
        "ZUNION 2 a b",
        "ZUNION 2 a b WITHSCORES",
        "ZUNION 3 a b c WEIGHTS 1 2 3 WITHSCORES",
        "ZUNION 2 a b AGGREGATE MIN WITHSCORES",
        "ZUNION 2 a b AGGREGATE max WITHSCORES",
        "ZUNION 2 a b WEIGHTS 2 0.5 AGGREGATE MAX WITHSCORES",
        "ZUNION 2 a missing WITHSCORES",
        "ZUNION 2 missing missing2",
        "ZUNION 2 a a WITHSCORES",
        "ZINTER 2 a b",
        "ZINTER 2 a b WITHSCORES",
        "ZINTER 3 a b c WITHSCORES",
        "ZINTER 2 a b AGGREGATE MIN WITHSCORES",
        "ZINTER 2 a b AGGREGATE MAX WEIGHTS 2 3 WITHSCORES",
        "ZINTER 2 a missing",
        "ZINTER 2 a a WEIGHTS 1 2 WITHSCORES",
        "ZDIFF 2 a b",
        "ZDIFF 2 a b WITHSCORES",
        "ZDIFF 3 b a c WITHSCORES",
        "ZDIFF 2 a a",
        "ZDIFF 1 a WITHSCORES",
        "ZDIFF 2 missing a",
        "ZDIFF 2 a missing WITHSCORES",
        "ZUNIONSTORE d 2 a b",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZUNIONSTORE d 2 a b WEIGHTS 1 -1 AGGREGATE SUM",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZINTERSTORE d 2 a b",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZDIFFSTORE d 2 b a",
        "ZRANGE d 0 -1 WITHSCORES",
        "SET str v",
        "EXPIRE d 100",
        "ZINTERSTORE d 2 a c",
        "TTL d",
        "ZINTERSTORE d 2 a missing",
        "EXISTS d",
        "SET d v",
        "ZDIFFSTORE d 2 a a",
        "EXISTS d",
        "SET d v",
        "ZUNIONSTORE d 1 a",
        "TYPE d",
        "ZUNIONSTORE a 2 a b",
        "ZRANGE a 0 -1 WITHSCORES");

    [Fact]
    public void Union_inter_diff_errors() => diff.Run(
        "ZADD a 1 x",
        "SET s v",
        "ZUNION 0 a",
        "ZUNION -1 a",
        "ZUNION x a",
        "ZUNION 2 a",
        "ZUNION 1 a WEIGHTS",
        "ZUNION 1 a WEIGHTS x",
        "ZUNION 2 a a WEIGHTS 1",
        "ZUNION 2 a a WEIGHTS 1 x",
        "ZUNION 2 a a WEIGHTS 1 nan",
        "ZUNION 1 a AGGREGATE",
        "ZUNION 1 a AGGREGATE avg",
        "ZUNION 1 a WITHSCORES x",
        "ZUNION 1 a BOGUS",
        "ZUNION 2 s a WEIGHTS x y",
        "ZUNION 2 a s",
        "ZUNIONSTORE d 0 a",
        "ZUNIONSTORE d -5 a",
        "ZUNIONSTORE d 3 a a",
        "ZUNIONSTORE d 1 a WITHSCORES",
        "ZINTERSTORE d 0 a",
        "ZINTERSTORE d 1 a WEIGHTS q",
        "ZINTER 0 a",
        "ZDIFF 0 a",
        "ZDIFF 1 a WEIGHTS 1",
        "ZDIFF 1 a AGGREGATE SUM",
        "ZDIFFSTORE d 0 a",
        "ZDIFFSTORE d 1 a WITHSCORES",
        "ZUNIONSTORE d 1 a WEIGHTS 1 WEIGHTS 2 AGGREGATE MIN AGGREGATE MAX",
        "ZRANGE d 0 -1 WITHSCORES",
        "EXISTS d");

    [Fact]
    public void Union_inter_infinities_and_float_order() => diff.Run(
        "ZADD a inf x -inf y 0 z 0.1 f",
        "ZADD b -inf x -inf y inf z 0.2 f",
        "ZADD c 0.3 f 1 g 2 h",
        "ZUNION 2 a b WITHSCORES",
        "ZINTER 2 a b WITHSCORES",
        "ZUNION 2 a b WEIGHTS 0 1 WITHSCORES",
        "ZINTER 2 a b WEIGHTS 0 0 WITHSCORES",
        "ZINTER 2 a b WEIGHTS 0 0 AGGREGATE MIN WITHSCORES",
        "ZINTER 2 a b WEIGHTS 1 0 AGGREGATE MAX WITHSCORES",
        "ZUNION 2 a b WEIGHTS -1 1 AGGREGATE MIN WITHSCORES",
        "ZUNION 3 c a b WITHSCORES",
        "ZINTER 3 c a b WITHSCORES",
        "ZINTER 3 a b c WITHSCORES",
        "ZUNION 1 a WEIGHTS -1 WITHSCORES",
        "ZUNIONSTORE d 1 a WEIGHTS -1",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZUNION 1 a WEIGHTS inf WITHSCORES");

    [Fact]
    public void Plain_sets_are_inputs_with_score_one()
    {
        diff.Run(
            "SADD s x y w",
            "ZADD z 5 x 6 q",
            "ZUNION 2 s z WITHSCORES",
            "ZINTER 2 s z WITHSCORES",
            "ZINTER 2 z s WEIGHTS 2 3 AGGREGATE MAX WITHSCORES",
            "ZDIFF 2 s z WITHSCORES",
            "ZDIFF 2 z s WITHSCORES",
            "ZUNIONSTORE d 2 s s",
            "ZRANGE d 0 -1 WITHSCORES",
            "ZINTERSTORE d 1 s WEIGHTS 0.5",
            "ZRANGE d 0 -1 WITHSCORES",
            "SADD ints 1 2 3",
            "ZUNION 2 ints s WITHSCORES",
            "ZSCORE s x");
    }

    [Fact]
    public void Scan_small_sets_answer_whole() => diff.Run(
        "ZADD z 1 a 2 b 3 c 1.5 d -inf e inf f",
        "ZSCAN z 0",
        "ZSCAN z 0 COUNT 1",
        "ZSCAN z 123",
        "ZSCAN z 0 MATCH a*",
        "ZSCAN z 0 MATCH [a-c] COUNT 100",
        "ZSCAN z 0 MATCH *",
        "ZSCAN z 0 COUNT 0",
        "ZSCAN z 0 COUNT -1",
        "ZSCAN z 0 COUNT x",
        "ZSCAN z 0 COUNT",
        "ZSCAN z 0 TYPE zset",
        "ZSCAN z 0 BOGUS x",
        "ZSCAN z x",
        "ZSCAN z -1",
        "ZSCAN z 18446744073709551615",
        "ZSCAN z 18446744073709551616",
        "ZSCAN missing 0",
        "ZSCAN missing 0 BOGUS",
        "ZSCAN missing x",
        "ZADD k -0 m 0.1 n",
        "ZSCAN k 0");

    [Fact]
    public void Scan_large_sets_page_to_the_same_union()
    {
        var add = new List<string> { "ZADD", "big" };
        for (var i = 0; i < 300; i++) add.AddRange([(i * 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture), "m" + i]);
        diff.Run([add.ToArray()]);
        foreach (var options in new[] { "COUNT 10", "COUNT 7 MATCH m1*", "COUNT 1000" })
            diff.AssertSameScan("ZSCAN big 0 " + options);
        // A member over 64 bytes makes the set page too (Redis's skiplist encoding).
        diff.Run("ZADD long 1 a 2 b", "ZADD long 3 " + new string('x', 65));
        Assert.Equal(3, diff.AssertSameScan("ZSCAN long 0 COUNT 1").Count);
    }

    [Fact]
    public void Expired_keys_are_missing()
    {
        diff.Run("ZADD z 1 a 2 b", "PEXPIRE z 1", "ZADD y 1 a", "PEXPIRE y 1");
        Thread.Sleep(20);
        diff.Continue("ZCARD z", "ZSCORE z a", "ZRANGE z 0 -1", "ZADD z XX 1 a", "EXISTS z", "ZADD z 3 c",
            "ZRANGE z 0 -1 WITHSCORES", "TTL z", "ZUNION 2 y z WITHSCORES", "ZUNIONSTORE y 1 y", "EXISTS y");
    }

    [Fact]
    public void Listpack_to_skiplist_sized_sets_behave_alike()
    {
        var add = new List<string> { "ZADD", "z" };
        for (var i = 0; i < 200; i++) add.AddRange([(i % 7).ToString(), "m" + i.ToString("D3")]);
        diff.Run(
            add.ToArray(),
            ["ZCARD", "z"],
            ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
            ["ZRANGE", "z", "50", "60", "REV"],
            ["ZRANGEBYSCORE", "z", "(2", "4", "LIMIT", "10", "20"],
            ["ZREVRANGEBYSCORE", "z", "4", "(2", "LIMIT", "10", "20", "WITHSCORES"],
            ["ZCOUNT", "z", "1", "(5"],
            ["ZRANK", "z", "m150"],
            ["ZREVRANK", "z", "m150"],
            ["ZADD", "z", "-0", "negzero"],
            ["ZSCORE", "z", "negzero"],
            ["ZREMRANGEBYRANK", "z", "10", "30"],
            ["ZREMRANGEBYSCORE", "z", "(5", "6"],
            ["ZPOPMAX", "z", "3"],
            ["ZPOPMIN", "z", "3"],
            ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
            ["ZUNIONSTORE", "u", "1", "z", "WEIGHTS", "-1"],
            ["ZRANGE", "u", "0", "5", "WITHSCORES"],
            ["ZUNIONSTORE", "small", "1", "z", "WEIGHTS", "0"],
            ["ZCARD", "small"]);
    }

    [Fact]
    public void Negative_zero_is_normalised_like_a_listpack() => diff.Run(
        "ZADD z -0 a",
        "ZSCORE z a",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZADD y 0 a 1 b",
        "ZUNION 1 y WEIGHTS -1 WITHSCORES",
        "ZUNIONSTORE d 1 y WEIGHTS -1",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZINTER 1 y WEIGHTS -1 WITHSCORES",
        "ZDIFF 1 z WITHSCORES");

    /// <summary>
    /// Random command sequences (valid and invalid arguments mixed) on a few small keys, compared
    /// reply by reply. Lex commands only touch a key whose scores are all equal (Redis leaves lex
    /// ranges over mixed scores undefined).
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(5, false)]
    [InlineData(6, false)]
    [InlineData(7, false)]
    [InlineData(8, false)]
    [InlineData(11, true)]
    [InlineData(12, true)]
    [InlineData(13, true)]
    [InlineData(14, true)]
    public void Random_command_sequences_match_redis(int seed, bool large)
    {
        // Large: sets past 128 members, which Redis holds as skiplists rather than listpacks.
        var rnd = new Random(seed);
        string[] keys = ["k1", "k2", "k3", "missing"];
        string[] members = ["a", "b", "c", "d", "e", "f", "aa", "ab", "ba", "m1", "m2", "m3", "\"\""];
        string[] scores = ["0", "1", "-1", "2.5", "-3.75", "1e3", "inf", "-inf", "+inf", "0.1", "7", "x", "nan", "100"];
        string[] bounds = ["0", "1", "(1", "2.5", "(2.5", "-inf", "+inf", "(inf", "-1", "(0", "10", "x", "(x", ""];
        string[] lexBounds = ["-", "+", "[a", "(a", "[b", "(ab", "[m", "(m2", "[z", "a", "[", "("];
        string[] ints = ["0", "1", "2", "-1", "-2", "3", "10", "-10", "x"];
        string K() => keys[rnd.Next(keys.Length)];
        string M() => members[rnd.Next(members.Length)];
        string S() => scores[rnd.Next(scores.Length)];
        string Bd() => bounds[rnd.Next(bounds.Length)];
        string Lx() => lexBounds[rnd.Next(lexBounds.Length)];
        string I() => ints[rnd.Next(ints.Length)];
        string Opt(params string[] options) => string.Join(' ', options.Where(_ => rnd.Next(3) == 0));
        string Limit() => rnd.Next(3) == 0 ? $"LIMIT {I()} {I()}" : "";
        string Numkeys(out int n)
        {
            n = rnd.Next(1, 4);
            var ks = Enumerable.Range(0, n).Select(_ => K());
            return (rnd.Next(10) == 0 ? I() : n.ToString()) + " " + string.Join(' ', ks);
        }
        string Weights(int n) => rnd.Next(3) == 0 ? "WEIGHTS " + string.Join(' ', Enumerable.Range(0, n).Select(_ => rnd.Next(5) == 0 ? S() : rnd.Next(-2, 3).ToString())) : "";
        string Aggregate() => rnd.Next(3) == 0 ? "AGGREGATE " + new[] { "SUM", "MIN", "MAX", "AVG" }[rnd.Next(4)] : "";
        if (large) members = [.. members, .. Enumerable.Range(0, 250).Select(i => "n" + i)];
        string ValidScore() => rnd.Next(4) == 0 ? rnd.Next(-5, 6).ToString() : (rnd.Next(-100, 100) / 4.0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var pairs = () => large && rnd.Next(2) == 0
            ? string.Join(' ', Enumerable.Range(0, rnd.Next(1, 80)).Select(_ => $"{ValidScore()} {M()}"))
            : string.Join(' ', Enumerable.Range(0, rnd.Next(1, 4)).Select(_ => $"{S()} {M()}"));
        var generators = new Func<string>[]
        {
            () => $"ZADD {K()} {Opt("NX", "XX", "GT", "LT", "CH", "INCR")} {pairs()}",
            () => $"ZADD {K()} {pairs()}",
            () => $"ZADD lex 0 {M()} 0 {M()}",
            () => $"ZINCRBY {K()} {S()} {M()}",
            () => $"ZREM {K()} {M()} {M()}",
            () => $"ZSCORE {K()} {M()}",
            () => $"ZMSCORE {K()} {M()} {M()}",
            () => $"ZCARD {K()}",
            () => $"ZRANK {K()} {M()}",
            () => $"ZREVRANK {K()} {M()}",
            () => $"ZCOUNT {K()} {Bd()} {Bd()}",
            () => $"ZRANGE {K()} {I()} {I()} {Opt("REV", "WITHSCORES")}",
            () => $"ZRANGE {K()} {Bd()} {Bd()} BYSCORE {Opt("REV", "WITHSCORES")} {Limit()}",
            () => $"ZRANGE lex {Lx()} {Lx()} BYLEX {Opt("REV")} {Limit()}",
            () => $"ZREVRANGE {K()} {I()} {I()} {Opt("WITHSCORES")}",
            () => $"ZRANGEBYSCORE {K()} {Bd()} {Bd()} {Opt("WITHSCORES")} {Limit()}",
            () => $"ZREVRANGEBYSCORE {K()} {Bd()} {Bd()} {Opt("WITHSCORES")} {Limit()}",
            () => $"ZRANGEBYLEX lex {Lx()} {Lx()} {Limit()}",
            () => $"ZREVRANGEBYLEX lex {Lx()} {Lx()} {Limit()}",
            () => $"ZLEXCOUNT lex {Lx()} {Lx()}",
            () => $"ZREMRANGEBYLEX lex {Lx()} {Lx()}",
            () => $"ZREMRANGEBYRANK {K()} {I()} {I()}",
            () => $"ZREMRANGEBYSCORE {K()} {Bd()} {Bd()}",
            () => $"ZPOPMIN {K()} {(rnd.Next(2) == 0 ? I() : "")}",
            () => $"ZPOPMAX {K()} {(rnd.Next(2) == 0 ? I() : "")}",
            () => { var nk = Numkeys(out var n); return $"ZUNION {nk} {Weights(n)} {Aggregate()} {Opt("WITHSCORES")}"; },
            () => { var nk = Numkeys(out var n); return $"ZINTER {nk} {Weights(n)} {Aggregate()} {Opt("WITHSCORES")}"; },
            () => $"ZDIFF {Numkeys(out _)} {Opt("WITHSCORES")}",
            () => { var nk = Numkeys(out var n); return $"ZUNIONSTORE {K()} {nk} {Weights(n)} {Aggregate()}"; },
            () => { var nk = Numkeys(out var n); return $"ZINTERSTORE {K()} {nk} {Weights(n)} {Aggregate()}"; },
            () => $"ZDIFFSTORE {K()} {Numkeys(out _)}",
            () => large ? $"ZCARD {K()}" : $"ZSCAN {K()} 0 {Opt("COUNT 2")}",
            () => $"ZRANGE {K()} 0 -1 WITHSCORES",
        };
        if (large)
        {
            Func<string> bulk = () => $"ZADD {K()} {string.Join(' ', Enumerable.Range(0, rnd.Next(20, 80)).Select(_ => $"{ValidScore()} {M()}"))}";
            generators = [.. generators, bulk, bulk, bulk, bulk, bulk, bulk];
        }
        var commands = Enumerable.Range(0, 500).Select(_ => generators[rnd.Next(generators.Length)]()).ToArray();
        diff.Reset();
        var largest = 0;
        foreach (var command in commands)
        {
            diff.Step(command);
            foreach (var key in keys.Append("lex"))
                if (diff.OnEngine(Args("ZCARD", key)) is IntegerReply { Value: var n }) largest = Math.Max(largest, (int)n);
        }
        Assert.True(large ? largest > 128 : largest <= 128, $"largest set: {largest}");
    }

    static byte[][] Args(params string[] a) => a.Select(Encoding.UTF8.GetBytes).ToArray();

    static byte[] Latin1(string s) => Encoding.Latin1.GetBytes(s);

    // ---------- ZMPOP, the blocking pops (inside MULTI on redis-server), ZRANGESTORE, ZINTERCARD ----------

    [Fact]
    public void Zmpop_pops_from_the_first_existing_key() => diff.Run(
        "ZMPOP 2 a b MIN",
        "ZADD b 1 x 2 y 3 z -inf m +inf n",
        "ZMPOP 2 a b MIN",
        "ZMPOP 2 a b MAX COUNT 2",
        "ZMPOP 2 a b min count 10",
        "EXISTS b",
        "ZADD a 1.5 p",
        "ZADD b 2 q",
        "ZMPOP 2 b a MAX",
        "ZMPOP 1 a MIN COUNT 5",
        "SET s v",
        "ZMPOP 2 nosuch s MIN",
        "ZADD c 0 c",
        "ZMPOP 2 c s MIN",
        "ZMPOP 2 s c MIN",
        "ZMPOP 2 a a MAX");

    [Fact]
    public void Zmpop_argument_errors_in_redis_order() => diff.Run(
        "ZADD z 1 a 2 b",
        "ZMPOP",
        "ZMPOP 1 z",
        "ZMPOP 0 z MIN",
        "ZMPOP x z MIN",
        "ZMPOP 2 z MIN",
        "ZMPOP 1 z LEFT",
        "ZMPOP 1 z MIN COUNT",
        "ZMPOP 1 z MIN COUNT 0",
        "ZMPOP 1 z MIN COUNT -2",
        "ZMPOP 1 z MIN COUNT 1 COUNT 1",
        "ZMPOP 1 z MIN BAR",
        "ZRANGE z 0 -1 WITHSCORES");

    [Fact]
    public void Bzpopmin_bzpopmax_and_bzmpop() => diff.Run(
        "BZPOPMIN a b 0",
        "BZPOPMAX a b 0.01",
        "BZMPOP 0 2 a b MIN",
        "ZADD b 1 x 2 y 3 z",
        "BZPOPMIN a b 0",
        "BZPOPMAX a b 0",
        "BZMPOP 0 2 a b MAX COUNT 5",
        "EXISTS b",
        "SET s v",
        "BZPOPMIN s 0",
        "BZPOPMAX nosuch s 0",
        "ZADD c 5 e",
        "BZPOPMIN c s 0",
        "BZMPOP 0 2 s c MIN",
        "BZMPOP x 1 c MIN",
        "BZMPOP x 1 c UP",
        "BZMPOP -1 1 c MIN",
        "BZPOPMIN c -1",
        "BZPOPMIN c x");

    [Fact]
    public void Zrangestore_stores_a_range_of_any_kind() => diff.Run(
        "ZADD src 1 a 2 b 3 c 4 d 5 e",
        "ZRANGESTORE dst src 0 -1",
        "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst src 1 2",
        "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst src 0 1 REV",
        "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst src (1 4 BYSCORE",
        "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst src +inf -inf BYSCORE REV LIMIT 1 2",
        "ZRANGE dst 0 -1 WITHSCORES",
        "ZADD lex 0 a 0 b 0 c 0 d",
        "ZRANGESTORE dst lex [b + BYLEX",
        "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst lex + - BYLEX REV LIMIT 0 2",
        "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst src 10 20",
        "EXISTS dst",
        "SET dst x",
        "ZRANGESTORE dst src 0 0",
        "TYPE dst",
        "ZRANGESTORE dst nosuch 0 -1",
        "EXISTS dst",
        "ZRANGESTORE src src 0 1",
        "ZRANGE src 0 -1 WITHSCORES",
        "SET s v",
        "ZRANGESTORE dst s 0 -1",
        "ZRANGESTORE s src 0 -1",
        "TYPE s");

    [Fact]
    public void Zrangestore_errors_in_redis_order() => diff.Run(
        "ZADD src 1 a 2 b",
        "ZRANGESTORE dst src 0",
        "ZRANGESTORE dst src 0 -1 WITHSCORES",
        "ZRANGESTORE dst src 0 -1 LIMIT 0 1",
        "ZRANGESTORE dst src a b BYSCORE",
        "ZRANGESTORE dst src a b BYLEX",
        "ZRANGESTORE dst src x 1",
        "ZRANGESTORE dst src 0 -1 BYSCORE BYLEX",
        "ZRANGESTORE dst src 0 -1 REV REV",
        "ZRANGESTORE dst src 0 -1 LIMIT x 1 BYSCORE",
        "ZRANGESTORE dst src 0 -1 FOO");

    [Fact]
    public void Zrangestore_of_negative_zero_stores_zero_like_a_listpack() => diff.Run(
        "ZADD src -0 a 1 b",
        "ZRANGESTORE dst src 0 -1",
        "ZSCORE dst a",
        "ZRANGE dst 0 -1 WITHSCORES");

    [Fact]
    public void Zintercard_counts_with_and_without_limit() => diff.Run(
        "ZADD a 1 x 2 y 3 z",
        "ZADD b 5 y 6 z 7 w",
        "SADD c x y z",
        "ZINTERCARD 2 a b",
        "ZINTERCARD 3 a b c",
        "ZINTERCARD 2 a b LIMIT 1",
        "ZINTERCARD 2 a b LIMIT 0",
        "ZINTERCARD 2 a b LIMIT 10",
        "ZINTERCARD 1 a",
        "ZINTERCARD 2 a a",
        "ZINTERCARD 2 a nosuch",
        "ZINTERCARD 0 a",
        "ZINTERCARD -1 a",
        "ZINTERCARD x a",
        "ZINTERCARD 3 a b",
        "ZINTERCARD 2 a b LIMIT -1",
        "ZINTERCARD 2 a b LIMIT x",
        "ZINTERCARD 2 a b LIMIT",
        "ZINTERCARD 2 a b WEIGHTS 1 2",
        "ZINTERCARD 2 a b AGGREGATE MAX",
        "ZINTERCARD 2 a b WITHSCORES",
        "SET s v",
        "ZINTERCARD 2 a s",
        "COMMAND GETKEYS ZINTERCARD 2 a b LIMIT 1",
        "COMMAND GETKEYS ZMPOP 2 a b MIN",
        "COMMAND GETKEYS BZMPOP 0 2 a b MIN",
        "COMMAND GETKEYS ZRANGESTORE d s 0 -1");
}

static class ByteSplit
{
    /// <summary>Splits ASCII text on spaces into arguments (for building binary commands).</summary>
    public static byte[][] Split(this byte[] text) =>
        Encoding.ASCII.GetString(text).Split(' ').Select(Encoding.ASCII.GetBytes).ToArray();
}
