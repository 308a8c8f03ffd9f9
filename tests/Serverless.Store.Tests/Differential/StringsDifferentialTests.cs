using System.Globalization;
using System.Text;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>
/// The string commands against redis-server 7.0: hand-written edge cases for every command, a
/// seeded random command sequence over three keys, and INCRBYFLOAT's long double arithmetic on
/// random decimal inputs.
/// </summary>
[Trait("Needs", "redis-server")]
[Collection(RedisCollection.Name)]
public sealed class StringsDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    static long NowSeconds => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    // ------------------------------------------------------------------ GET / SET

    [Fact]
    public void Get_and_set_basics() => diff.Run(
        "GET k",
        "SET k v", "GET k", "TYPE k", "PTTL k",
        "SET k \"\"", "GET k", "TYPE k", "PTTL k",
        "SET k \"a b c\"", "GET k",
        "HSET h f v", "GET h", "SET h v", "GET h", "TYPE h", "PTTL h",
        "RPUSH l x", "GET l", "SET l 1", "TYPE l", "PTTL l",
        "ZADD z 1 x", "SET z x GET", "TYPE z", "PTTL z");

    [Fact]
    public void Set_options_nx_xx_get() => diff.Run(
        "SET k v NX", "SET k w NX", "GET k",
        "SET k2 v XX", "GET k2", "TYPE k2", "PTTL k2",
        "SET k w XX", "GET k",
        "SET k x GET", "SET missing x GET", "GET missing",
        "SET k y NX GET", "GET k", "SET n1 y NX GET", "GET n1",
        "SET k z XX GET", "SET n2 z XX GET", "TYPE n2", "PTTL n2",
        "SET k v nx nx", "SET k v xx xx", "SET k v get get",
        "SET k v NX XX", "SET k v XX NX", "SET k v nX Xx",
        "SADD s x", "SET s v GET", "TYPE s", "PTTL s", "SET s v NX GET", "SET s v XX", "TYPE s", "PTTL s",
        "SET k v FOO", "SET k v NX FOO", "SET k v persist");

    [Fact]
    public void Set_expire_options() => diff.Run(
        "SET k v EX 100", "TYPE k", "PTTL k",
        "SET k v PX 100000", "TYPE k", "PTTL k",
        $"SET k v EXAT {NowSeconds + 1000}", "TYPE k", "PTTL k",
        $"SET k v PXAT {NowMs + 500000}", "TYPE k", "PTTL k",
        "SET k v", "TYPE k", "PTTL k",
        "SET k v EX 100", "SET k w KEEPTTL", "TYPE k", "PTTL k", "GET k",
        "SET k w keepttl keepttl", "TYPE k", "PTTL k",
        "SET k v EX 100 EX 200", "TYPE k", "PTTL k",
        "SET k v PX 1000 PX 2000000", "TYPE k", "PTTL k",
        "SET k v EX 10 PX 10", "SET k v EX 10 EXAT 10", "SET k v PX 10 PXAT 10", "SET k v EXAT 10 PXAT 10",
        "SET k v EX 10 KEEPTTL", "SET k v KEEPTTL EX 10", "SET k v KEEPTTL PXAT 10",
        "SET k v EX", "SET k v PX", "SET k v EXAT", "SET k v NX EX",
        "SET k v EX 0", "SET k v EX -1", "SET k v PX 0", "SET k v PXAT -5", "SET k v EXAT 0",
        "SET k v EX abc", "SET k v EX 1.5", "SET k v PX \"\"", "SET k v EX \" 1\"",
        "SET k v EX 9223372036854775", "SET k v EX 9223372036854776", "SET k v PX 9223372036854775807",
        "SET k v EX 99999999999999999999",
        "SET k v EXAT 9223372036854775", "TYPE k", "PTTL k", "SET k v PXAT 9223372036854775807", "TYPE k", "PTTL k",
        "GET k",
        "SET k v EXAT 1", "GET k", "TYPE k", "PTTL k",
        "SET k v PXAT 1 GET", "GET k",
        "SET k v EX 100 NX", "TYPE k", "PTTL k", "SET k w EX 5 NX", "TYPE k", "PTTL k",
        "SET k w EX 100 XX GET", "TYPE k", "PTTL k",
        "SET k v ex 100 get xx", "TYPE k", "PTTL k");

    [Fact]
    public void Set_with_an_invalid_expire_changes_nothing() => diff.Run(
        "SET k old EX 100",
        "SET k new EX -1", "SET k new EX 1 NX XX", "SET k new GET EX 0",
        "GET k", "TYPE k", "PTTL k",
        "HSET h f v", "SET h v GET EX 0", "SET h v GET", "TYPE h", "PTTL h");

    [Fact]
    public void Setnx_setex_psetex() => diff.Run(
        "SETNX k v", "SETNX k w", "GET k",
        "HSET h f v", "SETNX h v", "TYPE h", "PTTL h",
        "SETEX k 100 v", "GET k", "TYPE k", "PTTL k",
        "SETEX k 0 v", "SETEX k -10 v", "SETEX k abc v", "SETEX k 9223372036854776 v", "SETEX k 9223372036854775 v",
        "PSETEX k 100000 w", "GET k", "TYPE k", "PTTL k",
        "PSETEX k 0 v", "PSETEX k -1 v", "PSETEX k 1.5 v", "PSETEX k 9223372036854775807 v",
        "SETEX h 100 v", "TYPE h", "PTTL h", "GET h",
        "SETEX k", "SETEX k 1", "PSETEX k 1 v extra", "SETNX k");

    [Fact]
    public void Getset_getdel() => diff.Run(
        "GETSET k v", "GETSET k w", "GET k",
        "SET t v EX 100", "GETSET t w", "TYPE t", "PTTL t",
        "HSET h f v", "GETSET h v", "TYPE h", "PTTL h",
        "GETDEL k", "GETDEL k", "TYPE k", "PTTL k",
        "GETDEL h", "TYPE h", "PTTL h",
        "SET e \"\"", "GETDEL e", "TYPE e", "PTTL e");

    [Fact]
    public void Getex_options() => diff.Run(
        "GETEX k", "GETEX k EX 100", "GETEX k PERSIST",
        "SET k v", "GETEX k", "TYPE k", "PTTL k",
        "GETEX k EX 100", "TYPE k", "PTTL k",
        "GETEX k PX 200000", "TYPE k", "PTTL k",
        $"GETEX k EXAT {NowSeconds + 300}", "TYPE k", "PTTL k",
        $"GETEX k PXAT {NowMs + 400000}", "TYPE k", "PTTL k",
        "GETEX k PERSIST", "TYPE k", "PTTL k", "GETEX k PERSIST", "TYPE k", "PTTL k",
        "GETEX k persist persist",
        "GETEX k EX 100 EX 200", "TYPE k", "PTTL k",
        "GETEX k EX 100 PERSIST", "GETEX k PERSIST EX 100", "GETEX k EX 10 PX 10",
        "GETEX k KEEPTTL", "GETEX k NX", "GETEX k XX", "GETEX k GET", "GETEX k FOO", "GETEX k EX",
        "GETEX k EX 0", "GETEX k EX -1", "GETEX k PX abc", "GETEX k EXAT 0", "GETEX k EX 9223372036854776",
        "GETEX missing EX 0", "GETEX missing EX abc", "GETEX missing FOO",
        "HSET h f v", "GETEX h", "GETEX h EX 0", "GETEX h FOO",
        "GET k", "TYPE k", "PTTL k",
        "GETEX k EXAT 1", "GET k", "TYPE k", "PTTL k",
        "SET k v EX 100", "GETEX k PXAT 1", "TYPE k", "PTTL k");

    // ------------------------------------------------------------------ multi-key

    [Fact]
    public void Mget_mset_msetnx() => diff.Run(
        "MGET a b c",
        "MSET a 1 b 2", "MGET a b c",
        "MSET a", "MSET a 1 b", "MSET a 1 b 2 c",
        "MSET a x a y", "GET a",
        "SET t v EX 100", "MSET t w", "TYPE t", "PTTL t",
        "HSET h f v", "MGET a h b", "MSET h v", "TYPE h", "PTTL h", "MGET h",
        "MSETNX a 1 z 2", "MGET a z", "TYPE z", "PTTL z",
        "MSETNX x 1 y 2", "MGET x y",
        "MSETNX q 1 q 2", "GET q",
        "MSETNX a", "MSETNX n 1 m",
        "RPUSH l x", "MSETNX l 1 w 2", "TYPE l", "PTTL l", "TYPE w", "PTTL w",
        "MGET \"\"", "MSET \"\" empty", "MGET \"\"");

    // ------------------------------------------------------------------ counters

    [Fact]
    public void Incr_decr_family() => diff.Run(
        "INCR c", "INCR c", "DECR c", "DECR c", "DECR c", "GET c",
        "INCRBY c 10", "INCRBY c -20", "DECRBY c 5", "DECRBY c -5", "GET c",
        "INCRBY c abc", "INCRBY c 1.5", "INCRBY c \"\"", "INCRBY c 99999999999999999999",
        "DECRBY c -9223372036854775808", "DECRBY c 9223372036854775807",
        "SET c 9223372036854775806", "INCR c", "INCR c", "GET c",
        "SET c -9223372036854775807", "DECR c", "DECR c", "DECRBY c 1",
        "SET c 9223372036854775807", "INCRBY c 0", "INCRBY c -1",
        "SET c abc", "INCR c", "DECR c", "INCRBY c 1",
        "SET c \" 1\"", "INCR c", "SET c \"1 \"", "INCR c", "SET c +1", "INCR c", "SET c 01", "INCR c",
        "SET c -0", "INCR c", "SET c 1.0", "INCR c", "SET c \"\"", "INCR c",
        "SET c 007", "INCRBY c 1",
        "SET c 5 EX 100", "INCR c", "TYPE c", "PTTL c", "DECRBY c 3", "TYPE c", "PTTL c",
        "HSET h f v", "INCR h", "DECR h", "INCRBY h 1", "DECRBY h 1", "INCRBY h x", "TYPE h", "PTTL h",
        "SET c 100", "DECRBY c -9223372036854775808", "GET c");

    [Fact]
    public void Incrbyfloat_edges() => diff.Run(
        "INCRBYFLOAT f 1000.1", "INCRBYFLOAT f 0.2", "GET f",
        "INCRBYFLOAT g 1e20", "INCRBYFLOAT h 0.1", "INCRBYFLOAT h 1.23456789012345678e-10",
        "INCRBYFLOAT i 10", "INCRBYFLOAT i -10", "GET i",
        "INCRBYFLOAT i -1.5", "INCRBYFLOAT i 3e-5", "INCRBYFLOAT i 5.0e3",
        "INCRBYFLOAT f abc", "INCRBYFLOAT f \"\"", "INCRBYFLOAT f \" 1\"", "INCRBYFLOAT f \"1 \"",
        "INCRBYFLOAT f nan", "INCRBYFLOAT f NaN", "INCRBYFLOAT f inf", "INCRBYFLOAT f -inf", "INCRBYFLOAT f infinity",
        "INCRBYFLOAT f infinit", "INCRBYFLOAT f 1e5000", "INCRBYFLOAT f 1e-5000", "INCRBYFLOAT f 1e-4950",
        "INCRBYFLOAT f 0x10", "INCRBYFLOAT f 0x1.8p1", "INCRBYFLOAT f 0x", "INCRBYFLOAT f 0x1p",
        "INCRBYFLOAT f .5", "INCRBYFLOAT f 5.", "INCRBYFLOAT f .", "INCRBYFLOAT f 1e", "INCRBYFLOAT f +1",
        "INCRBYFLOAT f 1,5", "INCRBYFLOAT f --1", "GET f",
        "INCRBYFLOAT x1 0x1p-16446", "INCRBYFLOAT x1 0x1.8p-16446", "INCRBYFLOAT x2 0x1p-16445",
        "INCRBYFLOAT x3 0x1.fffffffffffffffep16383", "INCRBYFLOAT x4 0x1.ffffffffffffffffp16383",
        "INCRBYFLOAT x5 0x1.fffffffffffffffp16383", "INCRBYFLOAT x6 0x.8", "INCRBYFLOAT x6 -0x1P+3",
        "INCRBYFLOAT x7 +inf", "INCRBYFLOAT x7 InFiNiTy", "INCRBYFLOAT x7 1e-99999999999999999999",
        "INCRBYFLOAT x7 0e99999999999999999999", "INCRBYFLOAT x7 0x0p99999", "INCRBYFLOAT x7 -0x1p-16445",
        "INCRBYFLOAT x8 0.1", "INCRBYFLOAT x8 -0.1", "INCRBYFLOAT x8 -1e-4940", "INCRBYFLOAT x8 1e-4940",
        "SET f abc", "INCRBYFLOAT f 1", "SET f inf", "INCRBYFLOAT f 1", "INCRBYFLOAT f -inf",
        "SET f 1.18973149535723176502e+4932", "INCRBYFLOAT f 0", "INCRBYFLOAT f 1e4932",
        "SET f -0", "INCRBYFLOAT f -0", "INCRBYFLOAT f -1e-30",
        "SET f 0.000003814697265625", "INCRBYFLOAT f 0",
        "SET f 3 EX 100", "INCRBYFLOAT f 1.5", "TYPE f", "PTTL f",
        "INCRBYFLOAT n 0", "TYPE n", "PTTL n",
        "HSET h f v", "INCRBYFLOAT h 1", "INCRBYFLOAT h abc", "TYPE h", "PTTL h");

    // ------------------------------------------------------------------ byte ranges

    [Fact]
    public void Append_strlen() => diff.Run(
        "STRLEN k", "APPEND k abc", "APPEND k def", "GET k", "STRLEN k",
        "APPEND e \"\"", "GET e", "TYPE e", "PTTL e", "STRLEN e", "APPEND e \"\"", "TYPE e", "PTTL e",
        "SET n 10", "APPEND n 5", "INCR n", "STRLEN n",
        "SET t v EX 100", "APPEND t w", "TYPE t", "PTTL t",
        "HSET h f v", "APPEND h x", "STRLEN h", "TYPE h", "PTTL h",
        "RPUSH l x", "STRLEN l");

    [Fact]
    public void Getrange_every_index_shape() => diff.Run(
        "GETRANGE k 0 -1",
        "SET k \"Hello World\"",
        "GETRANGE k 0 4", "GETRANGE k 0 -1", "GETRANGE k -5 -1", "GETRANGE k 5 3", "GETRANGE k -1 -5",
        "GETRANGE k 0 100", "GETRANGE k 100 200", "GETRANGE k -100 2", "GETRANGE k -100 -50", "GETRANGE k 3 -100",
        "GETRANGE k 10 10", "GETRANGE k 11 11", "GETRANGE k -1 -1", "GETRANGE k 0 0",
        "GETRANGE k -9223372036854775808 9223372036854775807", "GETRANGE k 9223372036854775807 -9223372036854775808",
        "GETRANGE k a 1", "GETRANGE k 1 b", "GETRANGE k 1.5 2", "GETRANGE missing a 1",
        "SET e \"\"", "GETRANGE e 0 -1", "GETRANGE e 0 0", "GETRANGE e -1 0",
        "SET n 12345", "GETRANGE n 1 2",
        "HSET h f v", "GETRANGE h 0 -1", "GETRANGE h x 0");

    [Fact]
    public void Setrange_every_edge() => diff.Run(
        "SETRANGE k 0 \"\"", "TYPE k", "PTTL k", "SETRANGE k 5 \"\"", "TYPE k", "PTTL k",
        "SETRANGE k 0 abc", "GET k",
        "SETRANGE k 1 X", "GET k", "SETRANGE k 5 Z", "GET k", "STRLEN k",
        "SETRANGE k 0 \"\"", "SETRANGE k 100 \"\"", "GET k",
        "SETRANGE k -1 x", "SETRANGE k -1 \"\"", "SETRANGE k abc x", "SETRANGE k 1.5 x",
        "SETRANGE k 536870912 x", "SETRANGE k 536870911 xy", "SETRANGE k 9223372036854775807 x",
        "SETRANGE k 99999999999999999999 x",
        "SETRANGE m 536870912 x", "SETRANGE m 536870912 \"\"", "TYPE m", "PTTL m",
        "SETRANGE z 3 abc", "GET z",
        "SET n 12345", "SETRANGE n 2 x", "GET n",
        "SET t v EX 100", "SETRANGE t 3 w", "TYPE t", "PTTL t", "GET t",
        "HSET h f v", "SETRANGE h 0 x", "SETRANGE h 0 \"\"", "SETRANGE h -1 x", "SETRANGE h 536870912 x", "TYPE h", "PTTL h");

    // ------------------------------------------------------------------ binary and arity

    [Fact]
    public void Binary_values_and_keys_round_trip()
    {
        byte[] bin = [0, 1, 2, 0xff, 0xfe, (byte)'\r', (byte)'\n', 0, 0x80, 0xc3];
        byte[] key = [0xff, 0, (byte)'k'];
        byte[] B(string s) => Encoding.ASCII.GetBytes(s);
        diff.Run([
            [B("SET"), key, bin], [B("GET"), key], [B("STRLEN"), key],
            [B("APPEND"), key, bin], [B("GETRANGE"), key, B("3"), B("12")],
            [B("SETRANGE"), key, B("15"), [0, 0xff]], [B("GET"), key],
            [B("SETRANGE"), B("z"), B("4"), [0xff]], [B("GET"), B("z")],
            [B("MSET"), B("a"), bin, B("b"), [0x00]], [B("MGET"), B("a"), B("b"), key],
            [B("GETSET"), B("a"), [0xfe]], [B("GETDEL"), B("a")], [B("GETEX"), B("b"), B("PERSIST")],
            [B("SET"), B("x"), bin, B("GET")], [B("SETNX"), bin, bin], [B("GET"), bin],
            [B("INCR"), key], [B("INCRBYFLOAT"), key, B("1")], [B("INCRBYFLOAT"), B("f"), B("1\0")],
            [B("INCRBY"), B("i"), B("1\0")], [B("SET"), B("i"), B("1\0")], [B("INCR"), B("i")],
            // Redis compares options as C strings: "nx\0junk" is NX.
            [B("SET"), B("o"), B("v"), B("nx\0junk")], [B("SET"), B("o"), B("w"), B("nx\0junk")], [B("GET"), B("o")],
            [B("SET"), B("o"), B("w"), B("XX\0"), B("GET\0x")], [B("GETEX"), B("o"), B("persist\0")],
            [B("SET"), B("o"), B("w"), B("EX\0"), B("100")], [B("SET"), B("o"), B("w"), B("E")],
            [B("SETEX"), B("s"), B("100\0"), B("v")],
        ]);
    }

    [Fact]
    public void Long_inputs_and_the_5120_byte_float_limit()
    {
        var ones = new string('1', 5119);
        diff.Run(
            $"INCRBYFLOAT a {ones}", // 5119 characters: accepted
            $"INCRBYFLOAT b {ones}1", // 5120: string2ld refuses
            $"SET c 0.{new string('0', 4000)}1", "INCRBYFLOAT c 1",
            $"INCRBYFLOAT d 1{new string('0', 300)}", "INCRBYFLOAT d -1", "GET d");
    }

    [Fact]
    public void Wrong_arity_of_variadic_commands() => diff.Run(
        "SET k", "GET", "GETEX", "MGET", "MSET", "MSET a", "MSETNX", "MSETNX a", "INCRBYFLOAT k", "SETRANGE k 0",
        "GETRANGE k 0", "APPEND k", "STRLEN", "GETDEL", "GETSET k", "INCR", "DECRBY k");

    // ------------------------------------------------------------------ random sequences

    [Fact]
    public void Random_string_command_sequences_match_redis()
    {
        var random = new Random(20240607);
        string[] keys = ["k1", "k2", "k3"];
        byte[][] values =
        [
            "0"u8.ToArray(), "1"u8.ToArray(), "-7"u8.ToArray(), "42"u8.ToArray(), "9223372036854775807"u8.ToArray(),
            "3.5"u8.ToArray(), "1e3"u8.ToArray(), "abc"u8.ToArray(), ""u8.ToArray(), "hello world"u8.ToArray(),
            [0, 0xff, 0x80], "0x10"u8.ToArray(), "inf"u8.ToArray(),
        ];
        byte[] B(string s) => Encoding.ASCII.GetBytes(s);
        byte[] Key() => B(keys[random.Next(keys.Length)]);
        byte[] Val() => random.Next(4) == 0 ? B(random.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture)) : values[random.Next(values.Length)];
        byte[] Int() => B(random.Next(8) switch
        {
            0 => "abc",
            1 => random.Next(-100000, 100000).ToString(CultureInfo.InvariantCulture),
            _ => random.Next(-20, 21).ToString(CultureInfo.InvariantCulture),
        });
        byte[] Float() => B(random.Next(6) switch
        {
            0 => (random.NextDouble() * 100).ToString("R", CultureInfo.InvariantCulture),
            1 => "-" + random.Next(0, 100) + "." + random.Next(0, 1000),
            2 => random.Next(-5, 5) + "e" + random.Next(-3, 4),
            3 => "x",
            _ => random.Next(-10, 10).ToString(CultureInfo.InvariantCulture) + ".25",
        });
        byte[][] ExpireOpt() => random.Next(7) switch
        {
            0 => [B("EX"), B(random.Next(100, 10000).ToString(CultureInfo.InvariantCulture))],
            1 => [B("PX"), B(random.Next(100000, 10000000).ToString(CultureInfo.InvariantCulture))],
            2 => [B("EXAT"), B((NowSeconds + random.Next(100, 10000)).ToString(CultureInfo.InvariantCulture))],
            3 => [B("PXAT"), B((NowMs + random.Next(100000, 10000000)).ToString(CultureInfo.InvariantCulture))],
            4 => [B("EXAT"), B("1")], // already past: the key is gone
            5 => [B("EX"), B("0")],
            _ => [B("KEEPTTL")],
        };

        byte[][] Next()
        {
            switch (random.Next(24))
            {
                case 0: return [B("GET"), Key()];
                case 1:
                {
                    var c = new List<byte[]> { B("SET"), Key(), Val() };
                    if (random.Next(3) == 0) c.Add(B(random.Next(2) == 0 ? "NX" : "XX"));
                    if (random.Next(3) == 0) c.Add(B("GET"));
                    if (random.Next(2) == 0) c.AddRange(ExpireOpt());
                    return c.ToArray();
                }
                case 2: return [B("SETNX"), Key(), Val()];
                case 3: return [B("SETEX"), Key(), B((random.Next(5) == 0 ? random.Next(-1, 1) : random.Next(100, 10000)).ToString(CultureInfo.InvariantCulture)), Val()];
                case 4: return [B("PSETEX"), Key(), B((random.Next(5) == 0 ? random.Next(-1, 1) : random.Next(100000, 10000000)).ToString(CultureInfo.InvariantCulture)), Val()];
                case 5: return [B("GETSET"), Key(), Val()];
                case 6: return [B("GETDEL"), Key()];
                case 7:
                {
                    var c = new List<byte[]> { B("GETEX"), Key() };
                    var o = random.Next(4);
                    if (o == 0) c.Add(B("PERSIST"));
                    else if (o == 1) c.AddRange(ExpireOpt());
                    return c.ToArray();
                }
                case 8: return [B("MGET"), Key(), Key(), Key()];
                case 9: return [B("MSET"), Key(), Val(), Key(), Val()];
                case 10: return [B("MSETNX"), Key(), Val(), Key(), Val()];
                case 11: return [B("INCR"), Key()];
                case 12: return [B("DECR"), Key()];
                case 13: return [B("INCRBY"), Key(), Int()];
                case 14: return [B("DECRBY"), Key(), Int()];
                case 15: case 16: return [B("INCRBYFLOAT"), Key(), Float()];
                case 17: return [B("APPEND"), Key(), Val()];
                case 18: return [B("STRLEN"), Key()];
                case 19: return [B("GETRANGE"), Key(), Int(), Int()];
                case 20: return [B("SETRANGE"), Key(), B(random.Next(-1, 30).ToString(CultureInfo.InvariantCulture)), Val()];
                case 21: return [B("SET"), Key(), Val()];
                case 22: return [B("PTTL"), Key()];
                default: return [B("EXISTS"), Key()];
            }
        }

        for (var round = 0; round < 10; round++)
        {
            var context = $"random round {round}";
            diff.Reset();
            void Step(params byte[][] args) => diff.Step(args, context);
            for (var i = 0; i < 300; i++)
            {
                var cmd = Next();
                var name = Encoding.ASCII.GetString(cmd[0]);
                if (name is "PTTL" or "EXISTS")
                {
                    // A look at the key: its type and TTL too.
                    Step(cmd);
                    Step(B("TYPE"), cmd[1]);
                    Step(B("PTTL"), cmd[1]);
                    continue;
                }
                if (random.Next(150) == 0)
                {
                    // Now and then a key of another type, which every string command must refuse.
                    var key = B(keys[random.Next(keys.Length)]);
                    Step(B("DEL"), key);
                    Step(B("HSET"), key, B("f"), B("v"));
                    continue;
                }
                Step(cmd);
            }
            foreach (var key in keys)
            {
                Step(B("EXISTS"), B(key));
                Step(B("TYPE"), B(key));
                Step(B("PTTL"), B(key));
            }
        }
    }

    [Fact]
    public void Incrbyfloat_matches_redis_long_double_on_random_decimals()
    {
        var random = new Random(7001);
        string Digits(int n)
        {
            var sb = new StringBuilder(n);
            for (var i = 0; i < n; i++) sb.Append((char)('0' + random.Next(10)));
            return sb.ToString();
        }
        string Decimal()
        {
            var sb = new StringBuilder();
            if (random.Next(3) == 0) sb.Append('-');
            switch (random.Next(10))
            {
                case 0: // hex float
                    sb.Append("0x").Append(random.Next(1, 1 << 30).ToString("x", CultureInfo.InvariantCulture));
                    if (random.Next(2) == 0) sb.Append('.').Append(random.Next(0, 1 << 20).ToString("x", CultureInfo.InvariantCulture));
                    sb.Append('p').Append(random.Next(-80, 80));
                    return sb.ToString();
                case 1: // huge or tiny exponents, close to the long double's range
                    sb.Append(Digits(1 + random.Next(25))).Append('e').Append(random.Next(2) == 0 ? random.Next(4900, 4935) : -random.Next(4920, 4960));
                    return sb.ToString();
                case 2: // many digits
                    sb.Append(Digits(1 + random.Next(60))).Append('.').Append(Digits(random.Next(60)));
                    return sb.ToString();
                case 3: // exact binary fractions (ties at the 18th decimal)
                    sb.Append(random.Next(0, 1000)).Append('.').Append(
                        (random.Next(1, 1 << 18) / (double)(1 << 18)).ToString("F18", CultureInfo.InvariantCulture)[2..]);
                    return sb.ToString();
                default:
                    sb.Append(Digits(random.Next(0, 12)));
                    if (sb.Length == 0 || sb[^1] == '-' || random.Next(2) == 0) sb.Append('.').Append(Digits(1 + random.Next(22)));
                    if (random.Next(3) == 0) sb.Append('e').Append(random.Next(-30, 30));
                    return sb.ToString();
            }
        }

        for (var i = 0; i < 400; i++)
        {
            var a = Decimal();
            var b = Decimal();
            var c = Decimal();
            // a and b go through string2ld as increments; SET c then checks it as a stored value.
            diff.Run([
                ["INCRBYFLOAT", "x", a], ["INCRBYFLOAT", "x", b], ["INCRBYFLOAT", "x", c],
                ["SET", "y", c], ["INCRBYFLOAT", "y", a],
            ]);
        }
    }

    // ------------------------------------------------------------------ LCS and SUBSTR

    [Fact]
    public void Lcs_every_option() => diff.Run(
        "MSET key1 ohmytext key2 mynewtext", "LCS key1 key2", "LCS key1 key2 LEN", "LCS key1 key2 IDX",
        "LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN", "LCS key1 key2 idx withmatchlen", "LCS key1 key2 IDX MINMATCHLEN 0",
        "LCS key1 key2 IDX MINMATCHLEN -5", "LCS key1 key2 IDX MINMATCHLEN 100", "LCS key1 key2 MINMATCHLEN 2 LEN",
        "LCS key1 key2 WITHMATCHLEN", "LCS key1 key2 LEN IDX", "LCS key1 key2 IDX LEN", "LCS key1 key2 MINMATCHLEN",
        "LCS key1 key2 MINMATCHLEN x", "LCS key1 key2 FOO", "LCS key1 key2 IDX MINMATCHLEN 9223372036854775807",
        "LCS key1 key1", "LCS key1 key1 IDX WITHMATCHLEN", "LCS key1 nosuch", "LCS nosuch key2 IDX", "LCS nosuch nosuch2 LEN",
        "SET e \"\"", "LCS e key1 IDX", "SET n 12345", "SET m 2468", "LCS n m IDX WITHMATCHLEN",
        "SET a ABCBDAB", "SET b BDCABA", "LCS a b", "LCS b a", "LCS a b IDX WITHMATCHLEN", "LCS b a IDX",
        "HSET h f v", "LCS h key1", "LCS key1 h LEN", "LCS key1 h FOO", "LCS", "LCS key1");

    [Fact]
    public void Lcs_on_random_strings_picks_the_same_subsequence_and_ranges()
    {
        var random = new Random(7117);
        string Text(int max) => new(Enumerable.Range(0, random.Next(0, max)).Select(_ => "abcab\xffx"[random.Next(7)]).ToArray());
        for (var i = 0; i < 150; i++)
        {
            var a = Text(40);
            var b = Text(40);
            diff.Run([
                ["SET", "a", a], ["SET", "b", b], ["LCS", "a", "b"], ["LCS", "b", "a", "LEN"],
                ["LCS", "a", "b", "IDX", "WITHMATCHLEN"], ["LCS", "a", "b", "IDX", "MINMATCHLEN", random.Next(0, 4).ToString(CultureInfo.InvariantCulture)],
            ]);
        }
    }

    [Fact]
    public void Substr_is_getrange() => diff.Run(
        "SUBSTR k 0 -1", "SET k \"Hello World\"", "SUBSTR k 0 4", "SUBSTR k -5 -1", "SUBSTR k 5 3", "SUBSTR k 0 100",
        "SUBSTR k -100 2", "SUBSTR k a 1", "SUBSTR k 1 b", "SUBSTR k 1", "HSET h f v", "SUBSTR h 0 1");
}
