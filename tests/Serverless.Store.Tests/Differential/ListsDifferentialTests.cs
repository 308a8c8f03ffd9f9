using System.Text;
using CsCheck;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>The list commands against redis-server 7.0, edge by edge.</summary>
[Trait("Needs", "redis-server")]
[Collection(RedisCollection.Name)]
public sealed class ListsDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Lpush_rpush() => diff.Run(
        "SET s x",
        "LPUSH l a",
        "LPUSH l b c d",
        "RPUSH l e f",
        "LRANGE l 0 -1",
        "RPUSH l a",
        "LPUSH l \"\"",
        "LRANGE l 0 -1",
        "LLEN l",
        "LPUSH s a",
        "RPUSH s a b",
        "LPUSH l",
        "RPUSH",
        "lpush L x",
        "LRANGE L 0 -1");

    [Fact]
    public void Lpushx_rpushx() => diff.Run(
        "SET s x",
        "LPUSHX l a",
        "RPUSHX l a b",
        "LLEN l",
        "LPUSHX s a",
        "RPUSHX s a",
        "LPUSHX l",
        "RPUSH k a",
        "LPUSHX k b c",
        "RPUSHX k d e",
        "LRANGE k 0 -1",
        "EXISTS l");

    [Fact]
    public void Lpop_rpop_without_count() => diff.Run(
        "SET s x",
        "LPOP l",
        "RPOP l",
        "RPUSH l a b c",
        "LPOP l",
        "RPOP l",
        "LPOP l",
        "LPOP l",
        "RPOP l",
        "LPOP s",
        "RPOP s",
        "LPOP",
        "RPOP l 1 2",
        "LPOP l 1 2",
        "EXISTS l");

    [Fact]
    public void Lpop_rpop_with_count() => diff.Run(
        "SET s x",
        "LPOP l 0",
        "LPOP l 1",
        "RPOP l 5",
        "LPOP l -1",
        "LPOP l abc",
        "RPOP l 1.5",
        "RPUSH l a b c d e",
        "LPOP l 0",
        "RPOP l 0",
        "LPOP l -1",
        "RPOP l -5",
        "LPOP l 2",
        "RPOP l 2",
        "LRANGE l 0 -1",
        "RPOP l 9223372036854775807",
        "RPUSH m a b",
        "LPOP m 99",
        "LPOP s 0",
        "LPOP s -1",
        "RPOP s 1",
        "LPOP l 9223372036854775808",
        "LPOP l +1",
        "LPOP l 01",
        "EXISTS l",
        "EXISTS m");

    [Fact]
    public void Lrange() => diff.Run(
        "SET s x",
        "LRANGE l 0 -1",
        "LRANGE l x 1",
        "RPUSH l a b c d e",
        "LRANGE l 0 -1",
        "LRANGE l 1 3",
        "LRANGE l -3 -2",
        "LRANGE l -100 100",
        "LRANGE l 3 1",
        "LRANGE l 5 10",
        "LRANGE l 4 4",
        "LRANGE l -1 -1",
        "LRANGE l 0 -6",
        "LRANGE l -6 0",
        "LRANGE l -9223372036854775808 9223372036854775807",
        "LRANGE l 0 x",
        "LRANGE l 1.0 2",
        "LRANGE s 0 -1",
        "LRANGE s x 1",
        "LRANGE l 0");

    [Fact]
    public void Ltrim() => diff.Run(
        "SET s x",
        "LTRIM l 0 1",
        "LTRIM l x 1",
        "RPUSH l a b c d e",
        "LTRIM l 1 -2",
        "LRANGE l 0 -1",
        "LTRIM l -100 100",
        "LRANGE l 0 -1",
        "LTRIM l 0 x",
        "LTRIM s 0 1",
        "LTRIM s x 1",
        "LTRIM l 1 0",
        "RPUSH m a b c",
        "LTRIM m 3 10",
        "RPUSH n a b c",
        "LTRIM n 0 -4",
        "RPUSH o a b c",
        "LTRIM o -1 -1",
        "LRANGE o 0 -1",
        "LTRIM o 0 0 0",
        "EXISTS l",
        "EXISTS m",
        "EXISTS n");

    [Fact]
    public void Llen() => diff.Run(
        "SET s x",
        "LLEN l",
        "RPUSH l a b",
        "LLEN l",
        "LLEN s",
        "LLEN",
        "LLEN l l");

    [Fact]
    public void Lindex() => diff.Run(
        "SET s x",
        "LINDEX l 0",
        "LINDEX l x",
        "RPUSH l a b c",
        "LINDEX l 0",
        "LINDEX l 2",
        "LINDEX l 3",
        "LINDEX l -1",
        "LINDEX l -3",
        "LINDEX l -4",
        "LINDEX l 9223372036854775807",
        "LINDEX l -9223372036854775808",
        "LINDEX l x",
        "LINDEX l 1.0",
        "LINDEX s 0",
        "LINDEX s x",
        "LINDEX l");

    [Fact]
    public void Lset() => diff.Run(
        "SET s x",
        "LSET l 0 a",
        "LSET l x a",
        "RPUSH l a b c",
        "LSET l 0 A",
        "LSET l -1 C",
        "LSET l 1 \"\"",
        "LRANGE l 0 -1",
        "LSET l 3 z",
        "LSET l -4 z",
        "LSET l x z",
        "LSET l 9223372036854775807 z",
        "LSET l -9223372036854775808 z",
        "LSET s 0 z",
        "LSET s x z",
        "LRANGE l 0 -1",
        "LSET l 0");

    [Fact]
    public void Lrem() => diff.Run(
        "SET s x",
        "LREM l 0 a",
        "LREM l x a",
        "RPUSH m a b a c a b a",
        "LREM m 2 a",
        "LRANGE m 0 -1",
        "LREM m -1 a",
        "LRANGE m 0 -1",
        "LREM m 0 b",
        "LRANGE m 0 -1",
        "LREM m 0 zz",
        "LREM m 1.5 a",
        "LREM s 0 a",
        "LREM s x a",
        "RPUSH l x x x",
        "LREM l -9223372036854775808 x",
        "RPUSH n a b a",
        "LREM n 9223372036854775807 a",
        "LRANGE n 0 -1",
        "LREM n 0",
        "EXISTS l");

    [Fact]
    public void Linsert() => diff.Run(
        "SET s x",
        "LINSERT l BEFORE a b",
        "LINSERT l middle a b",
        "RPUSH l a b a c",
        "LINSERT l BEFORE a x",
        "LINSERT l after a y",
        "LINSERT l AfTeR c z",
        "LINSERT l before nope w",
        "LINSERT l middle a w",
        "LRANGE l 0 -1",
        "LINSERT s before a b",
        "LINSERT s middle a b",
        "LINSERT l before \"\" e",
        "RPUSH l \"\"",
        "LINSERT l before \"\" e",
        "LRANGE l 0 -1",
        "LINSERT l before a");

    [Fact]
    public void Lpos_basics() => diff.Run(
        "SET s x",
        "LPOS l a",
        "LPOS l a COUNT 0",
        "LPOS l a COUNT 2",
        "LPOS l a RANK 2",
        "RPUSH l a b c a b c a",
        "LPOS l a",
        "LPOS l b",
        "LPOS l z",
        "LPOS l z COUNT 1",
        "LPOS l z COUNT 0",
        "LPOS l a COUNT 0",
        "LPOS l a COUNT 2",
        "LPOS l a COUNT 100",
        "LPOS l a RANK 2",
        "LPOS l a RANK 3",
        "LPOS l a RANK 4",
        "LPOS l a RANK -1",
        "LPOS l a RANK -3",
        "LPOS l a RANK -4",
        "LPOS l a RANK -1 COUNT 2",
        "LPOS l a RANK 2 COUNT 0",
        "LPOS l a MAXLEN 3",
        "LPOS l a RANK 2 MAXLEN 3",
        "LPOS l a RANK 2 MAXLEN 4",
        "LPOS l a RANK -2 MAXLEN 2",
        "LPOS l a RANK -2 MAXLEN 5 COUNT 0",
        "LPOS l a COUNT 0 MAXLEN 4",
        "LPOS l a MAXLEN 0 RANK 3",
        "LPOS l a count 1 count 2",
        "LPOS l a rank 1 rank -1",
        "LPOS l a RANK 9223372036854775807",
        "LPOS l a RANK -9223372036854775807 COUNT 1",
        "LPOS l a RANK -9223372036854775808",
        "LPOS l a RANK -9223372036854775808 COUNT 1",
        "LPOS l a RANK -9223372036854775808 COUNT 0",
        "LPOS s a",
        "LPOS s a COUNT 1");

    [Fact]
    public void Lpos_errors_in_redis_order() => diff.Run(
        "SET s x",
        "RPUSH l a b a",
        "LPOS l a RANK 0",
        "LPOS l a RANK x",
        "LPOS l a RANK 1.5",
        "LPOS l a COUNT -1",
        "LPOS l a COUNT x",
        "LPOS l a MAXLEN -1",
        "LPOS l a MAXLEN x",
        "LPOS l a RANK",
        "LPOS l a COUNT",
        "LPOS l a MAXLEN",
        "LPOS l a FOO 1",
        "LPOS l a RANK 1 FOO",
        "LPOS l a RANK 0 COUNT -1",
        "LPOS l a COUNT -1 RANK 0",
        "LPOS l a MAXLEN -1 COUNT x",
        "LPOS nokey a RANK 0",
        "LPOS s a RANK 0",
        "LPOS s a FOO",
        "LPOS s a COUNT 1",
        "LPOS l",
        "LPOS l a RANK 9223372036854775808");

    [Fact]
    public void Lmove_all_directions() => diff.Run(
        "SET s x",
        "RPUSH src a b c",
        "RPUSH dst x y",
        "LMOVE src dst LEFT LEFT",
        "LMOVE src dst RIGHT RIGHT",
        "LRANGE dst 0 -1",
        "LMOVE src dst left right",
        "LRANGE dst 0 -1",
        "LMOVE src dst right left",
        "LMOVE dst new RIGHT LEFT",
        "LRANGE new 0 -1",
        "LRANGE dst 0 -1",
        "EXISTS src");

    [Fact]
    public void Lmove_same_key_rotates() => diff.Run(
        "RPUSH l a b c",
        "LMOVE l l LEFT RIGHT",
        "LRANGE l 0 -1",
        "LMOVE l l RIGHT LEFT",
        "LRANGE l 0 -1",
        "LMOVE l l LEFT LEFT",
        "LMOVE l l RIGHT RIGHT",
        "LRANGE l 0 -1",
        "RPUSH one x",
        "LMOVE one one LEFT RIGHT",
        "LRANGE one 0 -1",
        "LLEN one");

    [Fact]
    public void Lmove_errors_and_missing_keys() => diff.Run(
        "SET s x",
        "LMOVE nokey dst LEFT RIGHT",
        "LMOVE nokey s LEFT RIGHT",
        "LMOVE nokey nokey LEFT RIGHT",
        "RPUSH l a b",
        "LMOVE s l LEFT RIGHT",
        "LMOVE l s LEFT RIGHT",
        "LRANGE l 0 -1",
        "LMOVE l l UP RIGHT",
        "LMOVE l l LEFT DOWN",
        "LMOVE nokey nokey2 LEFT UP",
        "LMOVE s s UP RIGHT",
        "LMOVE s l UP RIGHT",
        "LMOVE l l LEFT",
        "LMOVE l l LEFT RIGHT extra",
        "LRANGE l 0 -1",
        "EXISTS nokey",
        "EXISTS nokey2");

    [Fact]
    public void Rpoplpush() => diff.Run(
        "SET s x",
        "RPOPLPUSH nokey dst",
        "RPOPLPUSH nokey s",
        "RPUSH src a b c",
        "RPOPLPUSH src dst",
        "RPOPLPUSH src dst",
        "LRANGE dst 0 -1",
        "RPOPLPUSH dst dst",
        "LRANGE dst 0 -1",
        "RPOPLPUSH src s",
        "RPOPLPUSH s src",
        "LRANGE src 0 -1",
        "RPOPLPUSH src dst",
        "LRANGE dst 0 -1",
        "RPOPLPUSH src",
        "RPOPLPUSH src dst x",
        "EXISTS src");

    [Fact]
    public void Emptied_lists_are_deleted() => diff.Run(
        "RPUSH a x",
        "LPOP a",
        "RPUSH b x y",
        "RPOP b 2",
        "RPUSH c x",
        "LREM c 0 x",
        "RPUSH d x",
        "LTRIM d 1 0",
        "RPUSH e x",
        "LMOVE e f LEFT LEFT",
        "RPOPLPUSH f g",
        "LPOP g 1",
        "LLEN a",
        "LPUSHX a x",
        "LRANGE a 0 -1",
        "EXISTS a",
        "EXISTS b",
        "EXISTS c",
        "EXISTS d",
        "EXISTS e",
        "EXISTS f",
        "EXISTS g");

    [Fact]
    public void Binary_elements_are_kept_exactly()
    {
        byte[] bin = [0x00, 0xff, 0x80, 0x0d, 0x0a, 0xc3];
        byte[] bin2 = [0xff];
        byte[] k = [0x01, 0xfe];
        byte[][][] commands =
        [
            [B("RPUSH"), k, bin, bin2, [], bin],
            [B("LRANGE"), k, B("0"), B("-1")],
            [B("LPOS"), k, bin, B("COUNT"), B("0")],
            [B("LINSERT"), k, B("AFTER"), bin2, B("mid")],
            [B("LREM"), k, B("1"), bin],
            [B("LSET"), k, B("0"), bin],
            [B("LINDEX"), k, B("0")],
            [B("LMOVE"), k, k, B("LEFT"), B("RIGHT")],
            [B("RPOPLPUSH"), k, [0xfe]],
            [B("LRANGE"), [0xfe], B("0"), B("-1")],
            [B("LPOP"), k, B("10")],
        ];
        diff.Run(commands);
    }

    [Fact]
    public void Long_lists_wrap_and_index_like_redis()
    {
        var commands = new List<string>();
        for (var i = 0; i < 40; i++) commands.Add(i % 3 == 0 ? $"LPUSH l f{i} g{i}" : $"RPUSH l r{i}");
        commands.AddRange([
            "LRANGE l 0 -1", "LRANGE l 10 20", "LINDEX l 17", "LINDEX l -17",
            "LINSERT l BEFORE r20 x", "LINSERT l AFTER f3 y", "LRANGE l 0 -1",
            "LTRIM l 5 -5", "LRANGE l 0 -1", "LPOP l 7", "RPOP l 7", "LRANGE l 0 -1",
        ]);
        diff.Run(commands.ToArray());
    }

    /// <summary>Random command sequences on three keys, every reply compared with redis-server.</summary>
    [Fact]
    public void Random_list_command_sequences_match_redis()
    {
        string[] keys = ["a", "b", "c"];
        string[] values = ["x", "y", "z", "\"\""];
        var key = Gen.Int[0, 2].Select(i => keys[i]);
        var value = Gen.Int[0, 3].Select(i => values[i]);
        var index = Gen.Int[-6, 6];
        var end = Gen.Bool.Select(b => b ? "LEFT" : "RIGHT");
        var command = Gen.OneOf(
            Gen.Select(key, value, value).Select((k, v, w) => $"LPUSH {k} {v} {w}"),
            Gen.Select(key, value).Select((k, v) => $"RPUSH {k} {v}"),
            Gen.Select(key, value).Select((k, v) => $"LPUSHX {k} {v}"),
            Gen.Select(key, value).Select((k, v) => $"RPUSHX {k} {v}"),
            key.Select(k => $"LPOP {k}"),
            Gen.Select(key, Gen.Int[0, 4]).Select((k, n) => $"RPOP {k} {n}"),
            Gen.Select(key, index, index).Select((k, s, e) => $"LRANGE {k} {s} {e}"),
            Gen.Select(key, index, index).Select((k, s, e) => $"LTRIM {k} {s} {e}"),
            key.Select(k => $"LLEN {k}"),
            Gen.Select(key, index).Select((k, i) => $"LINDEX {k} {i}"),
            Gen.Select(key, index, value).Select((k, i, v) => $"LSET {k} {i} {v}"),
            Gen.Select(key, index, value).Select((k, i, v) => $"LREM {k} {i} {v}"),
            Gen.Select(key, Gen.Bool.Select(b => b ? "BEFORE" : "AFTER"), value, value).Select((k, w, p, v) => $"LINSERT {k} {w} {p} {v}"),
            Gen.Select(key, value, Gen.Int[-3, 3].Where(r => r != 0), Gen.Int[0, 3]).Select((k, v, r, c) => $"LPOS {k} {v} RANK {r} COUNT {c}"),
            Gen.Select(key, value, Gen.Int[0, 4]).Select((k, v, m) => $"LPOS {k} {v} MAXLEN {m}"),
            Gen.Select(key, key, end, end).Select((s, d, f, t) => $"LMOVE {s} {d} {f} {t}"),
            Gen.Select(key, key).Select((s, d) => $"RPOPLPUSH {s} {d}"));

        command.Array[1, 40].Sample(cmds =>
        {
            var probe = keys.Select(k => new[] { "LRANGE", k, "0", "-1" }).ToArray();
            diff.Run(cmds.Select(Oracle.Differential.Tokenize).Concat(probe).ToArray());
        }, iter: 150, threads: 1);
    }

    // ---------- LMPOP and the blocking pops (redis-server runs the blocking ones inside MULTI, where they do not wait) ----------

    [Fact]
    public void Lmpop_pops_from_the_first_non_empty_list() => diff.Run(
        "LMPOP 2 a b LEFT",
        "RPUSH b 1 2 3 4 5",
        "LMPOP 2 a b LEFT",
        "LMPOP 2 a b RIGHT COUNT 2",
        "LMPOP 2 a b left count 10",
        "EXISTS b",
        "RPUSH a x",
        "RPUSH b y z",
        "LMPOP 2 a b RIGHT COUNT 5",
        "LMPOP 2 a b RIGHT COUNT 5",
        "LMPOP 1 b LEFT",
        "LMPOP 1 b LEFT",
        "SET s v",
        "LMPOP 2 nosuch s LEFT",
        "RPUSH c 1",
        "LMPOP 2 c s LEFT",
        "LMPOP 2 s c LEFT",
        "LMPOP 3 x y z RIGHT",
        "LMPOP 2 a a LEFT");

    [Fact]
    public void Lmpop_argument_errors_in_redis_order() => diff.Run(
        "RPUSH l a b",
        "LMPOP",
        "LMPOP 1",
        "LMPOP 1 l",
        "LMPOP 0 l LEFT",
        "LMPOP -1 l LEFT",
        "LMPOP x l LEFT",
        "LMPOP 2 l LEFT",
        "LMPOP 3 l LEFT",
        "LMPOP 9223372036854775807 l LEFT",
        "LMPOP 1 l MIDDLE",
        "LMPOP 1 l LEFT COUNT",
        "LMPOP 1 l LEFT COUNT 0",
        "LMPOP 1 l LEFT COUNT -1",
        "LMPOP 1 l LEFT COUNT x",
        "LMPOP 1 l LEFT COUNT 1 COUNT 1",
        "LMPOP 1 l LEFT FOO",
        "LMPOP 1 l LEFT COUNT 9223372036854775807",
        "LRANGE l 0 -1");

    [Fact]
    public void Blpop_and_brpop_serve_the_first_non_empty_list_or_answer_nil() => diff.Run(
        "BLPOP a b 0",
        "BRPOP a b 0.5",
        "RPUSH b 1 2 3",
        "BLPOP a b 0",
        "BRPOP a b 1",
        "BRPOP b 0",
        "BLPOP b 0",
        "EXISTS b",
        "SET s v",
        "BLPOP s 0",
        "BLPOP nosuch s 0",
        "RPUSH c x",
        "BLPOP c s 0",
        "BRPOP s c 0",
        "BLPOP a a 0");

    [Fact]
    public void Blocking_timeouts_are_parsed_as_redis_parses_them()
    {
        foreach (var timeout in new[] { "0", "1", "0.001", "-0.001", "-0.0001", "-1", "-0", "abc", "\"\"", "1e30", "inf", "-inf", "nan", "0x10", "1e-400", "9223372036854775.807", "9223372036854775807", " 1", "1 " })
            diff.Run(
                $"BLPOP a {timeout}",
                $"BRPOP a {timeout}",
                $"BRPOPLPUSH a b {timeout}",
                $"BLMOVE a b LEFT RIGHT {timeout}",
                $"BLMPOP {timeout} 1 a LEFT",
                $"BZPOPMIN a {timeout}",
                $"BZPOPMAX a {timeout}",
                $"BZMPOP {timeout} 1 a MIN");
        var request = BlockingRequest.Parse(Oracle.Differential.Parse("BLPOP a b 1.5"))!;
        Assert.Equal(1500, request.TimeoutMs);
        Assert.Equal(0, BlockingRequest.Parse(Oracle.Differential.Parse("BLPOP a -0.0001"))!.TimeoutMs);
    }

    [Fact]
    public void Brpoplpush_and_blmove_move_like_their_plain_forms() => diff.Run(
        "BRPOPLPUSH src dst 0",
        "BLMOVE src dst LEFT RIGHT 0",
        "RPUSH src a b c",
        "BRPOPLPUSH src dst 0",
        "BLMOVE src dst LEFT RIGHT 0",
        "BLMOVE src dst RIGHT LEFT 1",
        "LRANGE dst 0 -1",
        "EXISTS src",
        "RPUSH r 1 2 3",
        "BLMOVE r r LEFT RIGHT 0",
        "LRANGE r 0 -1",
        "SET s v",
        "BLMOVE s dst LEFT LEFT 0",
        "BLMOVE r s LEFT LEFT 0",
        "BRPOPLPUSH r s 0",
        "BRPOPLPUSH nosuch s 0",
        "BLMOVE r dst UP LEFT 0",
        "BLMOVE r dst LEFT DOWN 0",
        "BLMOVE r dst LEFT LEFT x",
        "BLMOVE r dst UP LEFT x",
        "LRANGE r 0 -1");

    [Fact]
    public void Blmpop_parses_like_lmpop_then_the_timeout() => diff.Run(
        "BLMPOP 0 2 a b LEFT",
        "RPUSH b 1 2 3",
        "BLMPOP 0 2 a b RIGHT COUNT 2",
        "BLMPOP 0.1 2 a b LEFT COUNT 5",
        "EXISTS b",
        "BLMPOP x 0 a LEFT",
        "BLMPOP x 1 a MIDDLE",
        "BLMPOP x 1 a LEFT COUNT 0",
        "BLMPOP x 1 a LEFT",
        "BLMPOP -1 1 a LEFT",
        "BLMPOP 0 1 a",
        "SET s v",
        "BLMPOP 0 2 x s LEFT",
        "BLMPOP");

    [Fact]
    public void Blocking_pops_report_their_keys_like_redis() => diff.Run(
        "COMMAND GETKEYS BLPOP a b c 0",
        "COMMAND GETKEYS BRPOPLPUSH a b 0",
        "COMMAND GETKEYS BLMOVE a b LEFT RIGHT 0",
        "COMMAND GETKEYS BLMPOP 0 2 a b LEFT COUNT 3",
        "COMMAND GETKEYS LMPOP 2 a b LEFT",
        "COMMAND GETKEYS LMPOP 0 a LEFT");

    [Fact]
    public void The_blocking_request_names_the_keys_the_type_and_the_timeout()
    {
        var request = BlockingRequest.Parse(Oracle.Differential.Parse("BLMPOP 2.5 2 a b LEFT COUNT 3"))!;
        Assert.Equal(["a", "b"], request.Keys.Select(Encoding.UTF8.GetString));
        Assert.Equal(RedisType.List, request.Type);
        Assert.Equal(2500, request.TimeoutMs);
        Assert.Equal(["src"], BlockingRequest.Parse(Oracle.Differential.Parse("BLMOVE src dst LEFT RIGHT 0"))!.Keys.Select(Encoding.UTF8.GetString));
        Assert.Equal(RedisType.ZSet, BlockingRequest.Parse(Oracle.Differential.Parse("BZMPOP 0 1 z MIN"))!.Type);
        Assert.Null(BlockingRequest.Parse(Oracle.Differential.Parse("LPOP a")));
        Assert.Null(BlockingRequest.Parse(Oracle.Differential.Parse("XREAD BLOCK 0 STREAMS s 0")));
        Assert.Equal("ERR timeout is negative",
            Assert.Throws<RedisException>(() => BlockingRequest.Parse(Oracle.Differential.Parse("BLPOP a -1"))).Message);
        Assert.Equal("ERR wrong number of arguments for 'blpop' command",
            Assert.Throws<RedisException>(() => BlockingRequest.Parse(Oracle.Differential.Parse("BLPOP a"))).Message);

        // WouldServe reads stored states: empty or missing keys wait, elements or another type answer.
        var states = new Dictionary<string, KeyState>();
        var blpop = BlockingRequest.Parse(Oracle.Differential.Parse("BLPOP a b 0"))!;
        KeyState? Of(byte[] key) => states.GetValueOrDefault(Encoding.UTF8.GetString(key));
        Assert.False(blpop.WouldServe(Of, 1000));
        states["b"] = new KeyState { List = new([B("x")]) };
        Assert.True(blpop.WouldServe(Of, 1000));
        states["b"].ExpiresAt = 1000;
        Assert.False(blpop.WouldServe(Of, 1000));
        states["a"] = KeyState.OfString(B("v"));
        Assert.True(blpop.WouldServe(Of, 1000));
    }
}
