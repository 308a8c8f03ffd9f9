using System.Globalization;
using System.Text;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>
/// The bitmap commands against redis-server 7.0: hand-written edges for SETBIT, GETBIT,
/// BITCOUNT, BITPOS, BITOP (AND OR XOR NOT), BITFIELD and BITFIELD_RO, then seeded random
/// sequences over binary strings, each followed by GET so the bytes are compared too.
/// BITOP's Redis 8.2 operations have no oracle here: see Types/BitmapsTests.
/// </summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class BitmapsDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    [Fact]
    public void Command_getkeys_and_acl_category_bitmap() => diff.Run(
        "COMMAND GETKEYS BITOP AND d a b c", "COMMAND GETKEYS BITOP NOT d a", "COMMAND GETKEYS BITFIELD k GET u8 0",
        "COMMAND GETKEYS BITFIELD_RO k GET u8 0", "COMMAND GETKEYS SETBIT k 0 1", "COMMAND GETKEYS BITCOUNT k");


    [Fact]
    public void Setbit_and_getbit() => diff.Run(
        "GETBIT k 0", "SETBIT k 7 1", "GET k", "GETBIT k 7", "GETBIT k 6", "GETBIT k 100",
        "SETBIT k 7 1", "SETBIT k 7 0", "GET k", "SETBIT k 0 1", "GET k", "SETBIT k 23 0", "GET k", "STRLEN k",
        "SETBIT n 100 0", "GET n", "STRLEN n", "TYPE n",
        "SETBIT k -1 1", "SETBIT k x 1", "SETBIT k 1.5 1", "SETBIT k 4294967296 1", "SETBIT k 9223372036854775807 1",
        "SETBIT k 99999999999999999999 1", "SETBIT k 0 2", "SETBIT k 0 -1", "SETBIT k 0 x", "SETBIT k 0 \"\"",
        "GETBIT k -1", "GETBIT k x", "GETBIT k 4294967296", "GETBIT missing 4294967295",
        "SET s A", "SETBIT s 6 1", "GET s", "SETBIT s 1 0", "GET s",
        "SET i 12", "GETBIT i 2", "GETBIT i 3", "SETBIT i 7 0", "GET i", "INCR i",
        "SET t v EX 100", "SETBIT t 0 1", "TYPE t", "PTTL t", "SETBIT t 0 1", "GET t",
        "HSET h f v", "SETBIT h 0 1", "GETBIT h 0", "SETBIT h x 1", "GETBIT h x", "TYPE h");

    [Fact]
    public void Bitcount_byte_and_bit_ranges() => diff.Run(
        "BITCOUNT k", "BITCOUNT k 0 -1", "BITCOUNT k a b", "BITCOUNT k 0", "BITCOUNT k 0 1 bit x",
        "SET k foobar", "BITCOUNT k", "BITCOUNT k 0 0", "BITCOUNT k 1 1", "BITCOUNT k 1 -2", "BITCOUNT k -2 -1",
        "BITCOUNT k -1 -2", "BITCOUNT k 5 1", "BITCOUNT k -100 100", "BITCOUNT k 100 200",
        "BITCOUNT k 0 -1 BYTE", "BITCOUNT k 0 -1 BIT", "BITCOUNT k 5 30 BIT", "BITCOUNT k 5 30 bit",
        "BITCOUNT k 1 1 BIT", "BITCOUNT k 0 0 BIT", "BITCOUNT k 7 8 BIT", "BITCOUNT k -5 -1 BIT", "BITCOUNT k -100 -90 BIT",
        "BITCOUNT k 40 47 BIT", "BITCOUNT k 47 47 BIT", "BITCOUNT k 3 2 BIT", "BITCOUNT k 0 1000 BIT",
        "BITCOUNT k 0", "BITCOUNT k 0 1 BITS", "BITCOUNT k 0 1 BYTE extra", "BITCOUNT k a 1", "BITCOUNT k 0 b",
        "BITCOUNT k 9223372036854775807 -9223372036854775808", "BITCOUNT k -9223372036854775808 9223372036854775807",
        "SET e \"\"", "BITCOUNT e", "BITCOUNT e 0 -1", "BITCOUNT e 0 -1 BIT",
        "SET big \"0123456789abcdefghijklmnopqrstuvwxyz0123456789\"", "BITCOUNT big", "BITCOUNT big 3 40", "BITCOUNT big 5 350 BIT",
        "SET n 255", "BITCOUNT n",
        "HSET h f v", "BITCOUNT h", "BITCOUNT h 0 1", "BITCOUNT h a b");

    [Fact]
    public void Bitpos_every_range_shape() => diff.Run(
        "BITPOS k 1", "BITPOS k 0", "BITPOS k 2", "BITPOS k x", "BITPOS k 1 a",
        "SET k \"\\xff\\xf0\\x00\"", "BITPOS k 0", "BITPOS k 1", "BITPOS k 0 1", "BITPOS k 0 2", "BITPOS k 1 2",
        "BITPOS k 0 0 0", "BITPOS k 0 0 -1", "BITPOS k 1 -1", "BITPOS k 1 -2 -1", "BITPOS k 0 5 10",
        "BITPOS k 0 0 -1 BIT", "BITPOS k 0 3 10 BIT", "BITPOS k 1 9 15 BIT", "BITPOS k 1 12 15 BIT", "BITPOS k 0 8 11 BIT",
        "BITPOS k 1 0 7 BIT", "BITPOS k 0 0 7 BIT", "BITPOS k 0 4 3 BIT", "BITPOS k 1 -5 -1 BIT", "BITPOS k 0 -100 100 BIT",
        "BITPOS k 1 16 BIT", "BITPOS k 0 16 BIT", "BITPOS k 0 7 BYTE", "BITPOS k 0 1 2 byte", "BITPOS k 0 1 2 BITS",
        "BITPOS k 0 a 2", "BITPOS k 0 1 b", "BITPOS k 0 1 2 BIT extra",
        "SET ones \"\\xff\\xff\"", "BITPOS ones 0", "BITPOS ones 0 0", "BITPOS ones 0 0 -1", "BITPOS ones 0 0 1", "BITPOS ones 1 1",
        "BITPOS ones 0 0 15 BIT", "BITPOS ones 0 3 BIT", "BITPOS ones 0 3 9 BIT", "BITPOS ones 1 3 9 BIT",
        "SET zeros \"\\x00\\x00\\x00\"", "BITPOS zeros 1", "BITPOS zeros 0", "BITPOS zeros 1 1", "BITPOS zeros 1 0 -1 BIT",
        "BITPOS zeros 0 20 23 BIT", "BITPOS zeros 1 2 17 BIT",
        "SET e \"\"", "BITPOS e 0", "BITPOS e 1", "BITPOS e 0 0", "BITPOS e 0 0 -1",
        "SET n 1", "BITPOS n 1", "BITPOS n 0",
        "HSET h f v", "BITPOS h 1", "BITPOS h 2");

    [Fact]
    public void Bitop_and_or_xor_not() => diff.Run(
        "SET a \"\\xff\\x0f\\xaa\"", "SET b \"\\x0f\\xff\"", "SET c abcdefghijklmnopqrstuvwxyz0123456789ABCDEF",
        "BITOP AND d a b", "GET d", "BITOP OR d a b", "GET d", "BITOP XOR d a b", "GET d", "BITOP NOT d a", "GET d",
        "BITOP and d a b c", "GET d", "BITOP or d c a b", "GET d", "BITOP xor d c b", "GET d", "BITOP not d c", "GET d",
        "BITOP AND d c c", "GET d", "BITOP AND d a missing", "GET d", "BITOP OR d missing a", "GET d",
        "BITOP NOT d missing", "EXISTS d", "SET d x", "BITOP AND d missing other", "EXISTS d",
        "SET e \"\"", "SET d x", "BITOP OR d e missing", "EXISTS d", "BITOP NOT d e", "EXISTS d",
        "SET d x EX 100", "BITOP OR d a", "PTTL d", "GET d",
        "BITOP NOT d a b", "BITOP NOT d", "BITOP FOO d a", "BITOP ANDX d a", "BITOP",
        "HSET h f v", "BITOP AND d a h", "BITOP AND h a", "TYPE h", "GET h", "BITOP NOT d h",
        "BITOP AND a a b", "GET a");

    [Fact]
    public void Bitfield_get_set_incrby_and_overflow() => diff.Run(
        "BITFIELD k", "BITFIELD k GET u8 0", "EXISTS k", "BITFIELD k SET u8 0 255", "GET k",
        "BITFIELD k GET u8 0 GET i8 0 GET u4 4 GET i4 4 GET u1 7 GET i1 7 GET i64 0 GET u63 1",
        "BITFIELD k SET i8 #1 -1 GET u16 0", "GET k", "BITFIELD k INCRBY u8 #1 1", "GET k",
        "BITFIELD k SET u2 100 1 GET u2 100", "GET k", "STRLEN k",
        "BITFIELD w INCRBY u2 0 1 INCRBY u2 0 1 INCRBY u2 0 1 INCRBY u2 0 1", "BITFIELD w INCRBY u2 0 -1 INCRBY u2 0 -5",
        "BITFIELD w OVERFLOW SAT INCRBY u2 0 5 INCRBY u2 0 -9 INCRBY i4 8 100 INCRBY i4 8 -100",
        "BITFIELD w OVERFLOW FAIL INCRBY u2 0 5 INCRBY i4 8 7 INCRBY i4 8 1 OVERFLOW WRAP INCRBY i4 8 1",
        "BITFIELD w OVERFLOW wrap SET i8 16 200 SET u8 24 -1 OVERFLOW sat SET i8 16 200 SET u8 24 -1 SET i8 32 -129",
        "BITFIELD w OVERFLOW fail SET i8 16 200 SET u8 24 -1 SET u8 24 255", "GET w",
        "BITFIELD w SET i64 0 -1 GET u63 0 GET i64 0 INCRBY i64 0 1 INCRBY i64 0 -9223372036854775808",
        "BITFIELD w OVERFLOW SAT INCRBY i64 0 -9223372036854775808 INCRBY i64 0 -1 SET i64 0 9223372036854775807 INCRBY i64 0 1",
        "BITFIELD w OVERFLOW WRAP INCRBY i64 0 1 INCRBY u63 64 -1 INCRBY u63 64 9223372036854775807",
        "BITFIELD w OVERFLOW SAT INCRBY u63 64 9223372036854775807 INCRBY u63 64 -9223372036854775808",
        "GET w",
        "BITFIELD f OVERFLOW FAIL SET u2 0 7", "EXISTS f", "GET f", "BITFIELD f OVERFLOW FAIL SET u2 100 7", "GET f",
        "BITFIELD k GET u64 0", "BITFIELD k GET i65 0", "BITFIELD k GET i0 0", "BITFIELD k GET x8 0", "BITFIELD k GET u 0",
        "BITFIELD k GET \"\" 0", "BITFIELD k GET u08 0", "BITFIELD k GET u8 -1", "BITFIELD k GET u8 #-1", "BITFIELD k GET u8 x",
        "BITFIELD k GET u8 4294967296", "BITFIELD k GET u8 4294967295", "BITFIELD k GET u8 #536870912",
        "BITFIELD k GET u8 #2305843009213693952", "BITFIELD k GET u8 #0x", "BITFIELD k GET u8 ##1",
        "BITFIELD k SET u8 0 x", "BITFIELD k SET u8 0", "BITFIELD k GET u8", "BITFIELD k OVERFLOW", "BITFIELD k OVERFLOW MAYBE GET u8 0",
        "BITFIELD k FOO", "BITFIELD k GET u8 0 FOO", "BITFIELD k SET u8 0 1 GET i64 #x",
        "BITFIELD_RO k GET u8 0 GET i4 #3", "BITFIELD_RO k SET u8 0 1", "BITFIELD_RO k INCRBY u8 0 1", "BITFIELD_RO k OVERFLOW SAT",
        "BITFIELD_RO k", "BITFIELD_RO missing GET u8 0", "EXISTS missing",
        "SET t v EX 100", "BITFIELD t SET u8 0 65", "PTTL t", "GET t",
        "HSET h f v", "BITFIELD h GET u8 0", "BITFIELD h SET u8 0 1", "BITFIELD_RO h GET u8 0", "BITFIELD_RO h SET u8 0 1",
        "BITFIELD h GET u65 0");

    [Fact]
    public void The_redis_documentation_examples() => diff.Run(
        "SETBIT mykey 7 1", "SETBIT mykey 7 0", "GET mykey",
        "SET mykey \"\\x00\\xff\\xf0\"", "BITPOS mykey 0", "BITPOS mykey 1 2", "BITPOS mykey 1 2 -1 BYTE", "BITPOS mykey 1 7 15 BIT",
        "SET mykey \"\\x00\\x00\\x00\"", "BITPOS mykey 1", "BITPOS mykey 1 7 -3 BIT",
        "SET key1 foobar", "SET key2 abcdef", "BITOP AND dest key1 key2", "GET dest",
        "BITFIELD mykey INCRBY i5 100 1 GET u4 0", "BITFIELD mykey incrby u2 100 1 OVERFLOW SAT incrby u2 102 1",
        "BITFIELD mykey OVERFLOW FAIL incrby u2 102 1", "BITFIELD mykey SET i8 0 100 SET i8 8 200",
        "BITFIELD_RO hello GET i8 16");

    [Fact]
    public void Random_bitmap_sequences_match_redis_byte_for_byte()
    {
        var random = new Random(20250118);
        string[] keys = ["b1", "b2", "b3"];
        byte[] B(string s) => Encoding.ASCII.GetBytes(s);
        string I(int lo, int hi) => random.Next(lo, hi).ToString(CultureInfo.InvariantCulture);
        byte[] Key() => B(keys[random.Next(keys.Length)]);
        byte[] Bytes()
        {
            var b = new byte[random.Next(0, 70)];
            for (var i = 0; i < b.Length; i++) b[i] = (byte)(random.Next(3) switch { 0 => 0, 1 => 0xff, _ => random.Next(256) });
            return b;
        }
        byte[] Type() => B((random.Next(2) == 0 ? "u" : "i") + I(1, 65));
        byte[] Offset() => B(random.Next(4) == 0 ? "#" + I(0, 20) : I(0, 600));
        byte[][] Range() => random.Next(4) switch
        {
            0 => [],
            1 => [B(I(-80, 80)), B(I(-80, 80))],
            2 => [B(I(-600, 600)), B(I(-600, 600)), B("BIT")],
            _ => [B(I(-10, 10)), B(I(-10, 10)), B("BYTE")],
        };

        byte[][] Next()
        {
            switch (random.Next(12))
            {
                case 0: return [B("SET"), Key(), Bytes()];
                case 1: return [B("SETBIT"), Key(), B(I(0, 600)), B(I(0, 2))];
                case 2: return [B("GETBIT"), Key(), B(I(0, 600))];
                case 3: return [B("BITCOUNT"), Key(), .. Range()];
                case 4:
                {
                    var r = Range();
                    return [B("BITPOS"), Key(), B(I(0, 2)), .. random.Next(3) == 0 && r.Length >= 2 ? r[..1] : r];
                }
                case 5:
                {
                    var op = new[] { "AND", "OR", "XOR", "NOT" }[random.Next(4)];
                    return op == "NOT" ? [B("BITOP"), B(op), Key(), Key()] : [B("BITOP"), B(op), Key(), Key(), Key(), .. random.Next(2) == 0 ? [] : new[] { Key() }];
                }
                case 6: case 7:
                {
                    var c = new List<byte[]> { B(random.Next(5) == 0 ? "BITFIELD_RO" : "BITFIELD"), Key() };
                    for (var n = random.Next(1, 5); n > 0; n--)
                    {
                        switch (random.Next(4))
                        {
                            case 0: c.AddRange([B("GET"), Type(), Offset()]); break;
                            case 1: c.AddRange([B("SET"), Type(), Offset(), B(I(-300, 300))]); break;
                            case 2: c.AddRange([B("INCRBY"), Type(), Offset(), B(random.Next(3) == 0 ? "9223372036854775807" : I(-300, 300))]); break;
                            default: c.AddRange([B("OVERFLOW"), B(new[] { "WRAP", "SAT", "FAIL" }[random.Next(3)])]); break;
                        }
                    }
                    return c.ToArray();
                }
                case 8: return [B("DEL"), Key()];
                case 9: return [B("APPEND"), Key(), Bytes()];
                case 10: return [B("SETRANGE"), Key(), B(I(0, 40)), Bytes()];
                default: return [B("STRLEN"), Key()];
            }
        }

        for (var round = 0; round < 8; round++)
        {
            var context = $"random round {round}";
            diff.Reset();
            for (var i = 0; i < 250; i++)
            {
                var cmd = Next();
                diff.Step(cmd, context);
                if (cmd.Length > 1) diff.Step([B("GET"), cmd[Encoding.ASCII.GetString(cmd[0]) == "BITOP" ? 2 : 1]], context);
                if (random.Next(100) == 0) diff.Step([B("HSET"), Key(), B("f"), B("v")], context); // a wrong type now and then
            }
        }
    }
}
