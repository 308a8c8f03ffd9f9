using System.Text;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>
/// DUMP and RESTORE against redis-server 7.0, both ways: a payload redis-server dumps restores
/// here into the same value, and a payload this store dumps restores in redis-server into the
/// same value; each time both sides restore the same bytes and answer the same reads. Payload
/// bytes themselves differ (redis-server writes compact encodings and LZF, we write plain ones).
/// </summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class DumpDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    static byte[][] Args(params object[] parts) => parts.Select(p => p as byte[] ?? B((string)p)).ToArray();

    /// <summary>Values of every type in every encoding redis-server 7.0 has, and what reads each.</summary>
    static readonly (string Build, string[] Reads)[] Values =
    [
        ("SET v 12345", ["GET", "OBJECT ENCODING"]),
        ("SET v -2147483649", ["GET"]),
        ("SET v hello", ["GET", "OBJECT ENCODING"]),
        ("SET v " + new string('x', 200) + "-compressible", ["GET", "OBJECT ENCODING"]),
        ("SET v \"\"", ["GET"]),
        ("RPUSH v a 1 b 300 -70000 5000000000 " + string.Join(' ', Enumerable.Range(0, 300).Select(i => $"e{i}")), ["LRANGE 0 -1", "LLEN"]),
        ("SADD v 3 1 2 -5 70000 5000000000", ["SMEMBERS", "SCARD", "OBJECT ENCODING"]),
        ("SADD v a b c 1", ["SMEMBERS", "OBJECT ENCODING"]),
        ("HSET v f 1 g two h " + new string('y', 30), ["HGETALL", "OBJECT ENCODING"]),
        ("HSET v big " + new string('z', 100) + " f 1", ["HGETALL", "OBJECT ENCODING"]),
        ("ZADD v 1 a 2.5 b -inf c +inf d 0 e", ["ZRANGE 0 -1 WITHSCORES", "OBJECT ENCODING"]),
        ("ZADD v " + string.Join(' ', Enumerable.Range(0, 200).Select(i => $"{i * 0.5} m{i}")), ["ZRANGE 0 -1 WITHSCORES", "OBJECT ENCODING"]),
        ("XADD v 1-1 f v g w", ["XRANGE - +", "XLEN"]),
    ];

    static byte[][] Read(string read, string key)
    {
        var words = Oracle.Differential.Tokenize(read);
        return words[0] == "OBJECT"
            ? Args("OBJECT", words[1], key)
            : [B(words[0]), B(key), .. words.Skip(1).Select(B)];
    }

    [Fact]
    public void Redis_payloads_restore_here_and_ours_restore_there()
    {
        foreach (var (build, reads) in Values)
        {
            diff.Run(build);
            var theirs = Assert.IsType<BulkReply>(redis.Client.Call("DUMP", "v")).Value!;
            var ours = Assert.IsType<BulkReply>(diff.OnEngine(Args("DUMP", "v"))).Value!;
            foreach (var (payload, target) in new[] { (theirs, "from-redis"), (ours, "from-store") })
            {
                diff.Step(Args("RESTORE", target, "0", payload), build);
                foreach (var read in reads) diff.Step(Read(read, target), $"{build}, restored into {target}");
                diff.Step(Args("TTL", target));
            }
        }
    }

    [Fact]
    public void A_stream_with_groups_and_pending_entries_moves_both_ways()
    {
        diff.Run(
            "XADD s 1-1 a 1", "XADD s 1-2 b 2", "XADD s 2-0 c 3", "XDEL s 1-2",
            "XGROUP CREATE s g1 0", "XGROUP CREATE s g2 $",
            "XREADGROUP GROUP g1 alice COUNT 1 STREAMS s >",
            "XREADGROUP GROUP g1 bob STREAMS s >");
        var theirs = Assert.IsType<BulkReply>(redis.Client.Call("DUMP", "s")).Value!;
        var ours = Assert.IsType<BulkReply>(diff.OnEngine(Args("DUMP", "s"))).Value!;
        foreach (var payload in new[] { theirs, ours })
        {
            diff.Step(Args("RESTORE", "t", "0", payload, "REPLACE"));
            diff.Continue(
                "XRANGE t - +",
                "XLEN t",
                "XPENDING t g1",
                "XINFO GROUPS t",
                "XREADGROUP GROUP g2 carol STREAMS t >");
            // Delivery times moved with the payload; idle times differ by the milliseconds between the two calls.
            var pending = Args("XPENDING", "t", "g1", "-", "+", "10");
            Assert.Equal(ReplyMasks.MaskAt(redis.Client.Call(pending), 1, 2), ReplyMasks.MaskAt(diff.OnEngine(pending), 1, 2));
        }
    }

    [Fact]
    public void Restore_options_ttls_and_errors_in_redis_order()
    {
        diff.Run("SET src hello", "RPUSH lst a b");
        var payload = Assert.IsType<BulkReply>(redis.Client.Call("DUMP", "src")).Value!;
        var corrupt = (byte[])payload.Clone();
        corrupt[1] ^= 1;
        var newer = (byte[])payload.Clone();
        newer[^10] = 11; // RDB version 11: newer than 7.0 reads
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(newer.AsSpan(newer.Length - 8), Serverless.Store.RdbFiles.Crc64Jones.Compute(newer.AsSpan(0, newer.Length - 8)));
        static byte[] Frame(byte[] body) => WithFooter(body, Serverless.Store.RdbFiles.Rdb.WriteVersion);
        var badType = Frame([77, 1, (byte)'x']);
        var emptyList = Frame([1, 0]);
        var truncated = Frame([0, 5, (byte)'a']);
        var opcode = Frame([254, 0]);

        foreach (var command in new[]
        {
            Args("RESTORE", "k", "0", payload),
            Args("GET", "k"),
            Args("RESTORE", "k", "0", payload),
            Args("RESTORE", "k", "0", payload, "REPLACE"),
            Args("RESTORE", "lst", "0", payload, "REPLACE"),
            Args("TYPE", "lst"),
            Args("RESTORE", "t1", "100000", payload),
            Args("PTTL", "t1"),
            Args("RESTORE", "t2", "1", payload, "ABSTTL"),
            Args("EXISTS", "t2"),
            Args("RESTORE", "k", "1", payload, "ABSTTL", "REPLACE"),
            Args("EXISTS", "k"),
            Args("RESTORE", "t3", (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 100000).ToString(), payload, "ABSTTL"),
            Args("PTTL", "t3"),
            Args("RESTORE", "t4", "9223372036854775807", payload),
            Args("EXISTS", "t4"),
            Args("RESTORE", "t5", "0", payload, "IDLETIME", "100"),
            Args("RESTORE", "t6", "0", payload, "FREQ", "255"),
            Args("RESTORE", "t7", "0", payload, "IDLETIME", "-1"),
            Args("RESTORE", "t7", "0", payload, "IDLETIME", "x"),
            Args("RESTORE", "t7", "0", payload, "FREQ", "256"),
            Args("RESTORE", "t7", "0", payload, "FREQ", "-1"),
            Args("RESTORE", "t7", "0", payload, "IDLETIME", "1", "FREQ", "1"),
            Args("RESTORE", "t7", "0", payload, "FREQ", "1", "IDLETIME", "1"),
            Args("RESTORE", "t7", "0", payload, "IDLETIME"),
            Args("RESTORE", "t7", "0", payload, "FOO"),
            Args("RESTORE", "t7", "-1", payload),
            Args("RESTORE", "t7", "x", payload),
            Args("RESTORE", "src", "x", payload),
            Args("RESTORE", "src", "-1", "garbage"),
            Args("RESTORE", "t7", "0", "garbage"),
            Args("RESTORE", "t7", "0", ""),
            Args("RESTORE", "t7", "0", corrupt),
            Args("RESTORE", "t7", "0", badType),
            Args("RESTORE", "t7", "0", emptyList),
            Args("RESTORE", "t7", "0", truncated),
            Args("RESTORE", "t7", "0", opcode),
            Args("EXISTS", "t7"),
            Args("DUMP", "nosuch"),
            Args("RESTORE", "t7", "0"),
            Args("DUMP"),
            Args("COMMAND", "GETKEYS", "RESTORE", "a", "0", "x"),
        })
            diff.Step(command);

        // A payload of a newer RDB version (RDB 11 here): Redis 7.0 refuses it; this store reads
        // versions up to 12 (Redis 7.4's, which its own hashes with field expiries need) when it
        // knows the value's encoding.
        Assert.Equal(Reply.Error("ERR DUMP payload version or checksum are wrong"), redis.Client.Call(Args("RESTORE", "t8", "0", newer)));
        Assert.Equal(Reply.Ok, diff.OnEngine(Args("RESTORE", "t8", "0", newer)));
        Assert.Equal(Reply.Bulk("hello"), diff.OnEngine(Args("GET", "t8")));
    }

    /// <summary>A payload body with the version byte and CRC-64 a DUMP footer has.</summary>
    static byte[] WithFooter(byte[] body, byte version)
    {
        var payload = new byte[body.Length + 10];
        body.CopyTo(payload, 0);
        payload[body.Length] = version;
        var crc = Serverless.Store.RdbFiles.Crc64Jones.Compute(payload.AsSpan(0, body.Length + 2));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(body.Length + 2), crc);
        return payload;
    }
}
