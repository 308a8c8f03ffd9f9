using System.Text;
using System.Text.Json;
using CsCheck;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Types;

/// <summary>
/// Pure engine tests of streams: time from the context (auto IDs, idle times), monotonic IDs, JSON
/// of every shape a stream takes, sizes, keyspace events, and a property test against a model.
/// </summary>
public sealed class StreamsTests(ITestOutputHelper output)
{
    const long Now = 1_700_000_000_000;
    readonly MemoryKeyspace keyspace = new();

    Reply Run(params string[] words) => RunAt(Now, words);

    Reply RunAt(long now, params string[] words) =>
        Engine.Execute(new CommandContext(keyspace, now), words.Select(Encoding.UTF8.GetBytes).ToArray());

    Reply Run(byte[][] args) => Engine.Execute(new CommandContext(keyspace, Now), args);

    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    static string Text(Reply r) => r is BulkReply { Value: { } v } ? Encoding.UTF8.GetString(v) : r.ToString();

    StreamValue Stream(string key) => keyspace.Get(B(key))!.Stream!;

    static KeyState RoundTrip(KeyState state, out string json)
    {
        json = JsonSerializer.Serialize(state);
        return JsonSerializer.Deserialize<KeyState>(json)!;
    }

    /// <summary>Everything a stream replies, for comparing two streams by behaviour.</summary>
    static string Describe(MemoryKeyspace ks, string key, long now)
    {
        var sb = new StringBuilder();
        foreach (var cmd in new[] { $"XRANGE {key} - +", $"XINFO STREAM {key} FULL COUNT 0", $"XINFO GROUPS {key}" })
            sb.AppendLine(Engine.Execute(new CommandContext(ks, now), cmd.Split(' ').Select(B).ToArray()).ToString());
        return sb.ToString();
    }

    // ---------- time and IDs ----------

    [Fact]
    public void Auto_ids_come_from_the_context_clock_and_never_go_back()
    {
        Assert.Equal($"{Now}-0", Text(RunAt(Now, "XADD", "s", "*", "a", "1")));
        Assert.Equal($"{Now}-1", Text(RunAt(Now, "XADD", "s", "*", "a", "1")));
        // the clock goes back (another host, a restore): IDs stay monotonic
        Assert.Equal($"{Now}-2", Text(RunAt(Now - 5000, "XADD", "s", "*", "a", "1")));
        Assert.Equal($"{Now + 1}-0", Text(RunAt(Now + 1, "XADD", "s", "*", "a", "1")));
        Assert.Equal($"{Now + 1}-1", Text(RunAt(Now, "XADD", "s", $"{Now + 1}-*", "a", "1")));
    }

    [Fact]
    public void The_last_id_survives_serialization_so_a_restarted_entity_keeps_ids_monotonic()
    {
        Run("XADD", "s", "100-5", "a", "1");
        Run("XDEL", "s", "100-5");
        var back = RoundTrip(keyspace.Get(B("s"))!, out _);
        var restored = new MemoryKeyspace();
        restored.Set(B("s"), back);
        var reply = Engine.Execute(new CommandContext(restored, 50), ["XADD"u8.ToArray(), B("s"), B("*"), B("a"), B("1")]);
        Assert.Equal("100-6", Text(reply));
        var error = Engine.Execute(new CommandContext(restored, 50), ["XADD"u8.ToArray(), B("s"), B("100-6"), B("a"), B("1")]);
        Assert.Equal("ERR The ID specified in XADD is equal or smaller than the target stream top item", ((ErrorReply)error).Message);
    }

    [Fact]
    public void Idle_times_and_claims_use_the_context_clock()
    {
        Run("XADD", "s", "1-1", "a", "1");
        Run("XADD", "s", "1-2", "a", "2");
        Run("XGROUP", "CREATE", "s", "g", "0");
        RunAt(Now, "XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
        var pending = (ArrayReply)RunAt(Now + 1500, "XPENDING", "s", "g", "-", "+", "10");
        Assert.Equal(1500, ((IntegerReply)((ArrayReply)pending.Items![0]).Items![2]).Value);
        Assert.Empty(((ArrayReply)RunAt(Now + 1500, "XPENDING", "s", "g", "IDLE", "2000", "-", "+", "10")).Items!);
        Assert.Equal(2, ((ArrayReply)RunAt(Now + 2500, "XPENDING", "s", "g", "IDLE", "2000", "-", "+", "10")).Items!.Count);

        // not idle long enough: nothing claimed; later: claimed, delivery count 2
        Assert.Empty(((ArrayReply)RunAt(Now + 1000, "XCLAIM", "s", "g", "bob", "2000", "1-1")).Items!);
        Assert.Single(((ArrayReply)RunAt(Now + 3000, "XCLAIM", "s", "g", "bob", "2000", "1-1")).Items!);
        var claimed = (ArrayReply)RunAt(Now + 3000, "XPENDING", "s", "g", "-", "+", "10", "bob");
        Assert.Equal([B("1-1"), B("bob")], claimed.Items!.Cast<ArrayReply>().SelectMany(x => x.Items!.Take(2)).Select(r => ((BulkReply)r).Value!));
        Assert.Equal(2, ((IntegerReply)((ArrayReply)claimed.Items![0]).Items![3]).Value);

        // XAUTOCLAIM takes what is idle: 1-2 (alice's, idle 4 s), not 1-1 (bob's, just claimed)
        var auto = (ArrayReply)RunAt(Now + 4000, "XAUTOCLAIM", "s", "g", "carol", "3500", "0", "JUSTID");
        Assert.Equal("[\"0-0\", [\"1-2\"], []]", auto.ToString());
        var consumers = (ArrayReply)RunAt(Now + 4100, "XINFO", "CONSUMERS", "s", "g");
        Assert.Equal(3, consumers.Items!.Count);
        Assert.Equal("[\"name\", \"carol\", \"pending\", :1, \"idle\", :100]", consumers.Items![2].ToString());
    }

    [Fact]
    public void A_stream_is_kept_when_its_last_entry_goes()
    {
        Run("XADD", "s", "1-1", "a", "1");
        Assert.Equal(1, ((IntegerReply)Run("XDEL", "s", "1-1")).Value);
        Assert.Equal("+stream", Run("TYPE", "s").ToString());
        Run("XADD", "s", "1-2", "a", "1");
        Assert.Equal(1, ((IntegerReply)Run("XTRIM", "s", "MAXLEN", "0")).Value);
        Assert.NotNull(keyspace.Get(B("s")));
        Assert.Equal(0, Stream("s").Length);
    }

    [Fact]
    public void Keyspace_events_are_raised_where_redis_raises_them()
    {
        var ctx = new CommandContext(keyspace, Now) { RecordEvents = true };
        string Events(params string[] words)
        {
            var c = new CommandContext(keyspace, Now) { RecordEvents = true };
            Engine.Execute(c, words.Select(B).ToArray());
            return string.Join(",", c.Events?.Select(e => $"{e.Class}:{e.Name}") ?? []);
        }
        Assert.Equal("t:xadd", Events("XADD", "s", "1-1", "a", "1"));
        Assert.Equal("t:xadd,t:xtrim", Events("XADD", "s", "MAXLEN", "1", "1-2", "a", "1"));
        Assert.Equal("", Events("XADD", "s", "1-0", "a", "1")); // error: nothing
        Assert.Equal("t:xgroup-create", Events("XGROUP", "CREATE", "s", "g", "0"));
        Assert.Equal("t:xgroup-createconsumer", Events("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"));
        Assert.Equal("t:xgroup-createconsumer", Events("XGROUP", "CREATECONSUMER", "s", "g", "d"));
        Assert.Equal("t:xgroup-delconsumer", Events("XGROUP", "DELCONSUMER", "s", "g", "d"));
        Assert.Equal("t:xgroup-setid", Events("XGROUP", "SETID", "s", "g", "0"));
        Assert.Equal("t:xsetid", Events("XSETID", "s", "5-0"));
        Assert.Equal("t:xdel", Events("XDEL", "s", "1-2"));
        Assert.Equal("", Events("XDEL", "s", "1-2"));
        Assert.Equal("", Events("XTRIM", "s", "MAXLEN", "5"));
        Assert.Equal("t:xgroup-destroy", Events("XGROUP", "DESTROY", "s", "g"));
        Assert.Null(ctx.Events);
    }

    [Fact]
    public void Errors_change_nothing()
    {
        Run("XADD", "s", "1-1", "a", "1");
        Run("XGROUP", "CREATE", "s", "g", "0");
        RunAt(Now, "XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
        var before = Describe(keyspace, "s", Now);
        var version = keyspace.Get(B("s"))!.Version;
        foreach (var bad in new[]
        {
            "XADD s 1-1 a 1", "XADD s MAXLEN x 2-1 a 1", "XADD s 2-1 a", "XTRIM s MAXLEN -1", "XDEL s 1-1 x",
            "XACK s g 1-1 x", "XCLAIM s g bob 0 1-1 LASTID 9-9 BOGUS", "XAUTOCLAIM s g bob 0 0 COUNT 0",
            "XGROUP CREATE s g 0", "XGROUP SETID s g x", "XSETID s 0-1", "XREADGROUP GROUP g bob STREAMS s $",
        })
            Assert.IsType<ErrorReply>(Run(bad.Split(' ')));
        Assert.Equal(before, Describe(keyspace, "s", Now));
        Assert.Equal(version, keyspace.Get(B("s"))!.Version);
    }

    // ---------- JSON ----------

    [Fact]
    public void Json_round_trips_every_shape()
    {
        // empty stream with a group (XGROUP CREATE ... MKSTREAM), and after deletions
        Run("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM");
        Run("XADD", "emptied", "1-1", "a", "1");
        Run("XDEL", "emptied", "1-1");
        // same fields (compressed), different fields, tombstones, binary, integers, several nodes
        for (var i = 1; i <= 250; i++) Run("XADD", "s", $"{i}-{i % 3}", "f", $"{i}", "g", i % 2 == 0 ? "x" : "y");
        Run("XADD", "s", "300-0", "other", "1");
        Run([B("XADD"), B("s"), B("301-0"), [0xff, 0x00], [0xc3, 0x28], B(""), B("")]);
        Run("XDEL", "s", "5-2", "6-0", "150-0");
        Run("XTRIM", "s", "MINID", "20");
        Run("XSETID", "s", "999-0", "ENTRIESADDED", "400", "MAXDELETEDID", "998-0");
        // groups: PEL across consumers, a consumer with nothing pending, NOACK reads, unknown entries_read
        Run("XGROUP", "CREATE", "s", "g1", "0");
        Run("XGROUP", "CREATE", "s", "g2", "100", "ENTRIESREAD", "50");
        Run([B("XGROUP"), B("CREATE"), B("s"), [0xfe], B("0")]);
        RunAt(Now, "XREADGROUP", "GROUP", "g1", "alice", "COUNT", "10", "STREAMS", "s", ">");
        RunAt(Now + 7, "XREADGROUP", "GROUP", "g1", "bob", "COUNT", "5", "STREAMS", "s", ">");
        RunAt(Now + 9, "XREADGROUP", "GROUP", "g2", "carol", "NOACK", "STREAMS", "s", ">");
        Run("XGROUP", "CREATECONSUMER", "s", "g1", "idle");
        Run("XCLAIM", "s", "g1", "bob", "0", "20-2", "RETRYCOUNT", "9");

        foreach (var key in new[] { "empty", "emptied", "s" })
        {
            var state = keyspace.Get(B(key))!;
            var back = RoundTrip(state, out var json);
            var copy = new MemoryKeyspace();
            copy.Set(B(key), back);
            Assert.Equal(Describe(keyspace, key, Now + 100), Describe(copy, key, Now + 100));
            Assert.Equal(json, JsonSerializer.Serialize(back));
            Assert.Equal(RedisType.Stream, back.Type);
            Assert.False(back.IsEmpty);
            output.WriteLine($"{key}: {json.Length} bytes{(json.Length < 400 ? ": " + json : "")}");
        }
        var s = Stream("s");
        var s2 = RoundTrip(keyspace.Get(B("s"))!, out _).Stream!;
        Assert.Equal(s.NodeCount, s2.NodeCount);
        Assert.Equal(s.Nodes.Select(n => n.ListpackBytes), s2.Nodes.Select(n => n.ListpackBytes));
        // the behaviour that depends on node edges (approximate trims) is the same after a round trip
        var copyKs = new MemoryKeyspace();
        copyKs.Set(B("s"), RoundTrip(keyspace.Get(B("s"))!, out _));
        Assert.Equal(Run("XTRIM", "s", "MAXLEN", "~", "60").ToString(),
            Engine.Execute(new CommandContext(copyKs, Now), "XTRIM s MAXLEN ~ 60".Split(' ').Select(B).ToArray()).ToString());
    }

    [Fact]
    public void Clone_is_deep()
    {
        Run("XADD", "s", "1-1", "a", "1");
        Run("XGROUP", "CREATE", "s", "g", "0");
        Run("COPY", "s", "t");
        Run("XADD", "s", "1-2", "a", "1");
        Run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">");
        Assert.Equal(1, Stream("t").Length);
        Assert.Empty(Stream("t").Groups.Values.Single().Pending);
        Assert.Equal(2, Stream("s").Groups.Values.Single().Pending.Count);
    }

    [Fact]
    public void Serialized_size_per_entry_and_what_trimming_keeps()
    {
        for (var i = 0; i < 10_000; i++) Run("XADD", "s", $"{Now + i}-0", "sensor", "t1", "value", $"{20 + i % 10}.{i % 7}");
        var json = JsonSerializer.Serialize(keyspace.Get(B("s")));
        output.WriteLine($"10,000 entries (2 small fields): {json.Length:N0} bytes JSON, {json.Length / 10_000.0:F1} bytes per entry, {Stream("s").NodeCount} nodes");
        Assert.InRange(json.Length / 10_000.0, 10, 60);

        Run("XTRIM", "s", "MAXLEN", "~", "1000");
        var trimmed = JsonSerializer.Serialize(keyspace.Get(B("s")));
        output.WriteLine($"after XTRIM MAXLEN ~ 1000: {Stream("s").Length} entries, {trimmed.Length:N0} bytes");
        Assert.InRange(Stream("s").Length, 1000, 1099);

        for (var i = 0; i < 10_000; i++) Run("XADD", "k", "MAXLEN", "~", "1000", $"{Now + i}-0", "sensor", "t1", "value", "21.5");
        output.WriteLine($"10,000 XADD MAXLEN ~ 1000: {Stream("k").Length} entries kept, {JsonSerializer.Serialize(keyspace.Get(B("k"))).Length:N0} bytes");
        Assert.InRange(Stream("k").Length, 1000, 1100);
    }

    [Fact]
    public void Rdb_facing_members_expose_the_whole_stream()
    {
        Run("XADD", "s", "1-1", "a", "1");
        Run("XADD", "s", "1-2", "b", "2");
        Run("XDEL", "s", "1-1");
        Run("XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "0");
        RunAt(Now + 5, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">");
        var s = Stream("s");
        Assert.Equal([new StreamId(1, 2)], s.Entries.Select(e => e.Id));
        Assert.Equal(new StreamId(1, 2), s.LastId);
        Assert.Equal(2, s.EntriesAdded);
        Assert.Equal(new StreamId(1, 1), s.MaxDeletedId);
        Assert.Equal(new StreamId(1, 2), s.FirstId);
        var g = s.Groups.Values.Single();
        Assert.Equal(new StreamId(1, 2), g.LastId);
        Assert.Equal(1, g.EntriesRead); // the counter given (0) plus the one entry read
        var p = g.Pending.Single();
        Assert.Equal((Now + 5, 1L, "c"), (p.DeliveryTime, p.DeliveryCount, Encoding.UTF8.GetString(p.Consumer!.Name)));
        Assert.Equal(Now + 5, g.Consumers.Values.Single().SeenTime);
    }

    [Fact]
    public void Read_keys_are_found_after_streams()
    {
        static string Keys(string cmd) => string.Join(",", Streams.ReadKeys(cmd.Split(' ').Select(B).ToArray()));
        Assert.Equal("4,5", Keys("XREAD COUNT 1 STREAMS a b 0 0"));
        Assert.Equal("6", Keys("XREADGROUP GROUP g c NOACK STREAMS s >"));
        Assert.Equal("4", Keys("XREAD BLOCK 5 STREAMS streams 0"));
        Assert.Equal("", Keys("XREAD STREAMS a b 0"));
        Assert.Equal("", Keys("XREAD COUNT 1"));
    }

    // ---------- property ----------

    /// <summary>XADD / XDEL / exact XTRIM against a sorted-list model: XRANGE, XREVRANGE, XLEN agree.</summary>
    [Fact]
    public void Matches_a_sorted_list_model()
    {
        var op = Gen.Select(Gen.Int[0, 9], Gen.Int[1, 40], Gen.Int[0, 3]);
        op.Array[1, 300].Sample(ops =>
        {
            var ks = new MemoryKeyspace();
            var model = new List<(ulong Ms, ulong Seq)>();
            ulong lastMs = 0, lastSeq = 0;
            Reply Exec(string cmd) => Engine.Execute(new CommandContext(ks, Now), cmd.Split(' ').Select(B).ToArray());
            foreach (var (kind, n, fields) in ops)
            {
                switch (kind)
                {
                    case <= 5:
                        var ms = lastMs + (ulong)(n % 3);
                        var seq = ms == lastMs ? lastSeq + 1 : 0;
                        var args = string.Join(' ', Enumerable.Range(0, fields + 1).Select(f => $"f{(f + n) % 3} {n * f}"));
                        Assert.Equal($"{ms}-{seq}", Text(Exec($"XADD s {ms}-{seq} {args}")));
                        model.Add((ms, seq));
                        (lastMs, lastSeq) = (ms, seq);
                        break;
                    case <= 7 when model.Count > 0:
                        var victim = model[n % model.Count];
                        Assert.Equal(":1", Exec($"XDEL s {victim.Ms}-{victim.Seq}").ToString());
                        model.Remove(victim);
                        break;
                    case 8:
                        var removed = Math.Max(0, model.Count - n);
                        Assert.Equal($":{removed}", Exec($"XTRIM s MAXLEN {n}").ToString());
                        model.RemoveRange(0, removed);
                        break;
                    case 9 when model.Count > 0:
                        var min = model[n % model.Count];
                        var below = model.Count(m => (m.Ms, m.Seq).CompareTo((min.Ms, min.Seq)) < 0);
                        Assert.Equal($":{below}", Exec($"XTRIM s MINID {min.Ms}-{min.Seq}").ToString());
                        model.RemoveRange(0, below);
                        break;
                }
                if (ks.Get(B("s")) is null) continue;
                var ids = ((ArrayReply)Exec("XRANGE s - +")).Items!.Select(e => Text(((ArrayReply)e).Items![0])).ToList();
                Assert.Equal(model.Select(m => $"{m.Ms}-{m.Seq}"), ids);
                var rev = ((ArrayReply)Exec("XREVRANGE s + -")).Items!.Select(e => Text(((ArrayReply)e).Items![0])).ToList();
                Assert.Equal(Enumerable.Reverse(ids), rev);
                Assert.Equal($":{model.Count}", Exec("XLEN s").ToString());
                var s = ks.Get(B("s"))!.Stream!;
                Assert.All(s.Nodes, node => Assert.True(node.Live > 0 && node.Entries.Count <= StreamValue.NodeMaxEntries));
            }
            var json = JsonSerializer.Serialize(ks.Get(B("s")));
            var back = new MemoryKeyspace();
            if (ks.Get(B("s")) is { } st)
            {
                back.Set(B("s"), JsonSerializer.Deserialize<KeyState>(json)!);
                Assert.Equal(Describe(ks, "s", Now), Describe(back, "s", Now));
            }
        }, iter: 200);
    }
}
