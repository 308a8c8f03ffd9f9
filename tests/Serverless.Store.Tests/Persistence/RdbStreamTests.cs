using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using CsCheck;
using Serverless.Store.RdbFiles;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Persistence;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;
using Serverless.Store.Types;
using Xunit.Sdk;

namespace Serverless.Store.Tests.Persistence;

/// <summary>
/// Streams in RDB files: our writer and reader round trip every part of a stream (nodes,
/// tombstones, counters, groups, PEL, consumers); our file passes redis-check-rdb and loads into
/// redis-server 7.0 (with deep payload sanitization) with the same XRANGE / XINFO / XPENDING
/// replies as our engine gives on the value read back; and a dump redis-server saved with
/// streams is read into the same replies.
/// </summary>
[Trait("Needs", "redis-server")]
public sealed class RdbStreamTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("rdb-stream-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    const long Now = 1_750_000_000_000;

    /// <summary>Runs command lines on the engine over <paramref name="keyspace"/>; errors fail (the scripts are meant to work).</summary>
    static void OnEngine(MemoryKeyspace keyspace, long now, IEnumerable<string> commands)
    {
        foreach (var line in commands)
        {
            var reply = Engine.Execute(new CommandContext(keyspace, now), Oracle.Differential.Parse(line));
            if (reply is ErrorReply e) throw new XunitException($"{line}: {e}");
        }
    }

    /// <summary>
    /// Streams of every shape: several nodes (node-max-entries and node-max-bytes splits), fields
    /// that differ from the master's, negative seq deltas, integer values in every listpack width,
    /// tombstones, an emptied stream, a stream with groups and no entries, groups with PEL and
    /// consumers (one without pending entries), an unknown entries-read.
    /// </summary>
    static IEnumerable<string> Script()
    {
        yield return "XADD small 1-1 f v";
        yield return "XADD small 2-0 f v2 g 5";
        for (var i = 1; i <= 260; i++)
        {
            var fields = i % 17 == 0 ? $"other {i} more x" : $"a {i * 7919 - 100000} b v{i}";
            yield return $"XADD big {1000 + i / 3}-{(i % 3) * 5} {fields}";
        }
        yield return "XADD big 2000-0 a " + new string('x', 5000); // over node-max-bytes
        yield return "XADD big 2000-1 a 0 b -1";
        yield return "XADD big 2001-0 a 4095 b -4096 c 32767 d -8388608 e 2147483647 f 9223372036854775807 g -9223372036854775808 h 007 i -0 j +1";
        yield return "XDEL big 1000-5 1001-0 1005-5 1070-10 1071-0";
        yield return "XGROUP CREATE big g1 0";
        yield return "XREADGROUP GROUP g1 alice COUNT 30 STREAMS big >";
        yield return "XREADGROUP GROUP g1 bob COUNT 7 STREAMS big >";
        yield return "XACK big g1 1002-0 1002-5 1003-10";
        yield return "XCLAIM big g1 bob 0 1004-0 1004-5";
        yield return "XGROUP CREATECONSUMER big g1 idle-one";
        yield return "XGROUP CREATE big g2 $";
        yield return "XGROUP CREATE big g3 1050-0"; // entries-read unknown after deletions
        yield return "XREADGROUP GROUP g3 carol COUNT 3 STREAMS big >";
        yield return "XADD emptied 5-1 x 1";
        yield return "XADD emptied 5-2 x 2";
        yield return "XDEL emptied 5-1 5-2";
        yield return "XGROUP CREATE groupsonly g $ MKSTREAM";
        yield return "XGROUP CREATECONSUMER groupsonly g c";
        yield return "XADD trimmed 1-1 k v";
        yield return "XADD trimmed 1-2 k v";
        yield return "XADD trimmed 1-3 k v";
        yield return "XTRIM trimmed MAXLEN 1";
        yield return "XSETID trimmed 9-9 ENTRIESADDED 40 MAXDELETEDID 1-5";
    }

    static readonly string[] Keys = ["small", "big", "emptied", "groupsonly", "trimmed"];

    static MemoryKeyspace Built(long now)
    {
        var keyspace = new MemoryKeyspace();
        OnEngine(keyspace, now, Script());
        return keyspace;
    }

    static Dictionary<byte[], KeyState> Read(byte[] file)
    {
        var read = new Dictionary<byte[], KeyState>(Bytes.Comparer);
        foreach (var e in RdbModel.ReadAll(file)) read[e.Key] = e.State;
        return read;
    }

    [Fact]
    public void Streams_of_every_shape_round_trip_field_by_field()
    {
        var keyspace = Built(Now);
        var big = keyspace.Get(U("big"))!.Stream!;
        Assert.True(big.NodeCount >= 4, "the script should make several nodes");
        Assert.Contains(big.Nodes, n => n.Deleted > 0);
        Assert.Equal(0, keyspace.Get(U("emptied"))!.Stream!.Length);

        var file = RdbModel.Write(keyspace.Entries.ToList(), Now);
        Assert.Equal("REDIS0010", Encoding.ASCII.GetString(file, 0, 9));
        var read = Read(file);
        Assert.Equal(Keys.Order(), read.Keys.Select(Encoding.UTF8.GetString).Order());
        foreach (var key in Keys)
        {
            var original = keyspace.Get(U(key))!;
            Assert.Equal(RdbModel.Describe(original), RdbModel.Describe(read[U(key)]));
        }
        // The listpack written for a node without tombstones is exactly the size the engine counts
        // to split nodes, so node boundaries stay Redis's after a restore.
        foreach (var node in big.Nodes.Where(n => n.Deleted == 0))
            Assert.Equal(node.ListpackBytes, RdbWriter.NodeListpack(node).Length);
    }

    /// <summary>Random stream histories: appends (same or other fields), deletes, trims, group reads, acks, claims.</summary>
    static readonly Gen<string[]> GenScript =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 3], Gen.Int[0, 300], Gen.Int[0, 40]).Array[1, 400].Select(ops =>
        {
            var lines = new List<string>();
            ulong ms = 1, seq = 0;
            var ids = new List<string>();
            foreach (var (op, small, n, m) in ops)
            {
                switch (op)
                {
                    case <= 3:
                        if (small == 0) { ms += (ulong)m; seq = 0; } else seq += (ulong)small;
                        var id = $"{ms}-{seq}";
                        ids.Add(id);
                        lines.Add(small == 3 ? $"XADD s {id} z {n} y v{m}" : $"XADD s {id} a {n - 150} b {new string('q', m * m % 200)}");
                        break;
                    case 4 when ids.Count > 0:
                        lines.Add($"XDEL s {ids[n % ids.Count]}");
                        break;
                    case 5:
                        lines.Add($"XGROUP CREATE s g{small} {(m % 2 == 0 ? "0" : "$")} MKSTREAM");
                        break;
                    case 6:
                        lines.Add($"XREADGROUP GROUP g{small} c{m % 3} COUNT {1 + n % 20} STREAMS s >");
                        break;
                    case 7 when ids.Count > 0:
                        lines.Add(n % 3 == 0 ? $"XTRIM s MAXLEN ~ {m}" : n % 3 == 1 ? $"XACK s g{small} {ids[m % ids.Count]}" : $"XCLAIM s g{small} c{m % 3} 0 {ids[n % ids.Count]}");
                        break;
                }
            }
            return lines.ToArray();
        });

    [Fact]
    public void Random_stream_histories_round_trip_field_by_field()
    {
        GenScript.Sample(lines =>
        {
            var keyspace = new MemoryKeyspace();
            foreach (var line in lines) Engine.Execute(new CommandContext(keyspace, Now), Oracle.Differential.Parse(line)); // errors are part of the history
            var read = Read(RdbModel.Write(keyspace.Entries.ToList(), Now));
            Assert.Equal(keyspace.Entries.Count(), read.Count);
            foreach (var (key, state) in keyspace.Entries)
                Assert.Equal(RdbModel.Describe(state), RdbModel.Describe(read[key]));
        }, iter: 150);
    }

    [Fact]
    public void An_rdb9_stream_listpacks_value_is_read_with_counters_derived_as_redis_does()
    {
        // RDB_TYPE_STREAM_LISTPACKS (15): no first ID, max deleted ID, entries added or entries read.
        var output = new MemoryStream();
        var writer = new RdbWriter(output);
        writer.WriteHeader(9, []);
        writer.WriteDbStart(0, 1, 0);
        writer.WriteLength(Rdb.TypeStreamListpacks); // a type byte is what WriteLength writes for a value under 64
        writer.WriteString(U("old"));
        writer.WriteLength(1); // one node
        var master = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(master, 7);
        writer.WriteString(master);
        writer.WriteString(new Listpack.Builder()
            .Add(1).Add(1).Add(1).Add(U("f")).Add(0) // master: 1 live, 1 deleted, fields [f], 0
            .Add(2 | 1).Add(0).Add(0).Add(U("x")).Add(4) // 7-0 deleted (SAMEFIELDS)
            .Add(2).Add(0).Add(3).Add(U("y")).Add(4) // 7-3 live
            .ToArray());
        writer.WriteLength(1); // length
        writer.WriteLength(7); writer.WriteLength(3); // last ID
        writer.WriteLength(1); // one group
        writer.WriteString(U("g"));
        writer.WriteLength(0); writer.WriteLength(0); // last delivered 0-0
        writer.WriteLength(0); // empty PEL
        writer.WriteLength(0); // no consumers
        writer.WriteEnd();

        var entry = Assert.Single(RdbModel.ReadAll(output.ToArray()));
        var s = entry.State.Stream!;
        Assert.Equal(1, s.Length);
        Assert.Equal(new StreamId(7, 3), s.FirstId); // streamGetEdgeID skips the tombstone
        Assert.Equal(1, s.EntriesAdded); // = length
        Assert.True(s.MaxDeletedId.IsZero);
        Assert.Equal(0, s.Groups[U("g")].EntriesRead); // streamEstimateDistanceFromFirstEverEntry(0-0)
        Assert.Equal("7-3 f=y", string.Join(";", s.Entries.Select(e => $"{e.Id} {Encoding.UTF8.GetString(e.Fields[0])}={Encoding.UTF8.GetString(e.Fields[1])}")));
    }

    [Fact]
    public void Malformed_stream_values_are_refused()
    {
        byte[] File(Action<RdbWriter> value)
        {
            var output = new MemoryStream();
            var writer = new RdbWriter(output);
            writer.WriteHeader(10, []);
            writer.WriteDbStart(0, 1, 0);
            writer.WriteLength(Rdb.TypeStreamListpacks2);
            writer.WriteString(U("s"));
            value(writer);
            writer.WriteEnd();
            return output.ToArray();
        }
        var lp = new Listpack.Builder().Add(1).Add(0).Add(1).Add(U("f")).Add(0).Add(2).Add(0).Add(0).Add(U("v")).Add(4).ToArray();
        var key16 = new byte[16];
        key16[7] = 1;
        void Tail(RdbWriter w, ulong length)
        {
            w.WriteLength(length);
            foreach (var n in new ulong[] { 1, 0, 1, 0, 0, 0, 1, 0 }) w.WriteLength(n); // last, first, maxdel, added, groups
        }
        Assert.Single(RdbModel.ReadAll(File(w => { w.WriteLength(1); w.WriteString(key16); w.WriteString(lp); Tail(w, 1); })));
        Assert.Contains("not the size of a stream ID", Assert.Throws<RdbFormatException>(() =>
            RdbModel.ReadAll(File(w => { w.WriteLength(1); w.WriteString(new byte[8]); w.WriteString(lp); Tail(w, 1); }))).Message);
        Assert.Contains("does not match", Assert.Throws<RdbFormatException>(() =>
            RdbModel.ReadAll(File(w => { w.WriteLength(1); w.WriteString(key16); w.WriteString(lp); Tail(w, 2); }))).Message);
        var badCount = new Listpack.Builder().Add(1).Add(0).Add(1).Add(U("f")).Add(0).Add(2).Add(0).Add(0).Add(U("v")).Add(5).ToArray();
        Assert.Contains("lp-count", Assert.Throws<RdbFormatException>(() =>
            RdbModel.ReadAll(File(w => { w.WriteLength(1); w.WriteString(key16); w.WriteString(badCount); Tail(w, 1); }))).Message);
    }

    // ------------------------------------------------------------------ redis-server

    /// <summary>XPENDING's extended form with the idle times (index 2 of each row) masked.</summary>
    static Reply MaskIdle(Reply r) => r is ArrayReply { Items: { } rows }
        ? Reply.Array(rows.Select(row => row is ArrayReply { Items: { } f } ? Reply.Array(f.Select((x, i) => i == 2 ? ReplyMasks.Masked : x).ToArray()) : row).ToArray())
        : r;

    /// <summary>
    /// The stream commands a client sees, on redis-server and on our engine; then one more XADD on
    /// both (radix-tree-keys then shows the node boundaries agree). Times that depend on the clock
    /// (idle) are masked; absolute ones (seen-time, delivery times) are compared as they are.
    /// </summary>
    static void AssertSameReplies(RespClient redis, MemoryKeyspace ours, string key)
    {
        var groups = ((ArrayReply)redis.Call("XINFO", "GROUPS", key)).Items!
            .Select(g => Encoding.UTF8.GetString(((BulkReply)((ArrayReply)g).Items![1]).Value!)).ToList();
        var checks = new List<(string Command, Func<Reply, Reply> Mask)>
        {
            ($"XLEN {key}", r => r),
            ($"XRANGE {key} - +", r => r),
            ($"XREVRANGE {key} + - COUNT 5", r => r),
            ($"XINFO STREAM {key}", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes")),
            ($"XINFO STREAM {key} FULL COUNT 0", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes")),
            ($"XINFO GROUPS {key}", r => r),
        };
        foreach (var g in groups)
        {
            checks.Add(($"XPENDING {key} {g}", r => r));
            checks.Add(($"XPENDING {key} {g} - + 1000", MaskIdle));
            checks.Add(($"XINFO CONSUMERS {key} {g}", r => ReplyMasks.MaskNamed(r, "idle")));
        }
        checks.Add(($"XADD {key} * after load", r => ReplyMasks.Masked)); // auto IDs differ by clock; the effect is checked next
        checks.Add(($"XINFO STREAM {key}", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes", "last-generated-id", "last-entry", "first-entry", "recorded-first-entry-id")));
        foreach (var (command, mask) in checks)
        {
            var args = Oracle.Differential.Parse(command);
            var expected = mask(redis.Call(args));
            var actual = mask(Engine.Execute(new CommandContext(ours, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), args));
            if (!expected.Equals(actual))
                throw new XunitException($"{command}\nredis-server: {expected}\nengine:       {actual}");
        }
    }

    [Fact]
    public void Our_streams_pass_redis_check_rdb_and_load_into_redis_server_with_the_same_replies()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var keyspace = Built(now);
        var path = Path.Combine(dir, "ours.rdb");
        File.WriteAllBytes(path, RdbModel.Write(keyspace.Entries.ToList(), now));

        var (code, output) = RdbModel.CheckRdb(path);
        Assert.True(code == 0, output);
        Assert.Contains("RDB looks OK", output);
        Assert.Contains($"[info] {Keys.Length} keys read", output);

        var restored = new MemoryKeyspace();
        foreach (var (key, state) in Read(File.ReadAllBytes(path))) restored.Set(key, state);
        using var redis = new RedisWithFile(dir, "ours.rdb", "--sanitize-dump-payload", "yes");
        Assert.Equal(Keys.Length, ((IntegerReply)redis.Client.Call("DBSIZE")).Value);
        foreach (var key in Keys) AssertSameReplies(redis.Client, restored, key);
    }

    [Fact]
    public void A_dump_with_streams_saved_by_redis_server_is_read_into_the_same_replies()
    {
        using var redis = new RedisWithFile(dir, "theirs.rdb");
        foreach (var line in Script())
            Assert.IsNotType<ErrorReply>(redis.Client.Call(Oracle.Differential.Parse(line)));
        Assert.Equal(Reply.Ok, redis.Client.Call("SAVE"));

        var file = File.ReadAllBytes(Path.Combine(dir, "theirs.rdb"));
        var restored = new MemoryKeyspace();
        var reader = new RdbReader(new MemoryStream(file));
        while (reader.TryRead(out var entry)) restored.Set(entry.Key, entry.State);
        Assert.Equal(Keys.Order(), restored.Entries.Select(e => Encoding.UTF8.GetString(e.Key)).Order());
        Assert.True(((ArrayReply)redis.Client.Call("XINFO", "STREAM", "big")).Items!.Count > 0);
        // Redis wrote STREAM_LISTPACKS_2 (type 19) right after each stream's key name.
        Assert.True(file.AsSpan().IndexOf((ReadOnlySpan<byte>)[Rdb.TypeStreamListpacks2, 3, (byte)'b', (byte)'i', (byte)'g']) > 0);
        foreach (var key in Keys) AssertSameReplies(redis.Client, restored, key);
    }
}
