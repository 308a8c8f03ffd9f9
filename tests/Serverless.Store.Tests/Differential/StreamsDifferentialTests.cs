using System.Text;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;
using Xunit.Sdk;

namespace Serverless.Store.Tests.Differential;

/// <summary>
/// Every stream command against redis-server 7.0 with explicit IDs (auto IDs depend on the clock):
/// happy paths, every option, consumer-group flows, errors. Replies that hold times (idle,
/// delivery and seen times) are compared with those numbers masked, and XINFO STREAM without
/// radix-tree-nodes (an internal count of Redis's rax, see docs/streams.md).
/// </summary>
[Trait("Needs", "redis-server")]
[Collection(RedisCollection.Name)]
public sealed class StreamsDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    /// <summary>Runs a command on both sides and compares the replies after <paramref name="mask"/> blanked times.</summary>
    void Masked(string command, Func<Reply, Reply> mask)
    {
        var args = Oracle.Differential.Parse(command);
        var expected = mask(redis.Client.Call(args));
        var actual = mask(diff.OnEngine(args));
        if (!expected.Equals(actual))
            throw new XunitException($"{command}\nredis-server: {expected}\nengine:       {actual}");
    }

    // ---------- XADD ----------

    [Fact]
    public void XAdd_with_explicit_ids_and_errors() => diff.Run(
        "XADD s 1-1 a 1",
        "XADD s 1-2 a 2 b 3",
        "XADD s 1-2 a 1",
        "XADD s 1-1 a 1",
        "XADD s 0-1 a 1",
        "XADD s 1 a 1",
        "XADD s 2 a 1",
        "XADD s 2-* a 1",
        "XADD s 2-* a 1",
        "XADD s 1-* a 1",
        "XADD s 3-* a 1",
        "XADD s 0-0 a 1",
        "XADD t 0-0 a 1",
        "EXISTS t",
        "XADD t 0 a 1",
        "XADD t 0-* a 1",
        "XADD s 5-1 a",
        "XADD s 5-1 a 1 b",
        "XADD s 5-1",
        "XADD s abc a 1",
        "XADD s - a 1",
        "XADD s + a 1",
        "XADD s 5-x a 1",
        "XADD s -5 a 1",
        "XADD s 05-1 a 1",
        "XADD s 18446744073709551616-0 a 1",
        "XADD s 18446744073709551615-18446744073709551614 a 1",
        "XADD s 18446744073709551615-* a 1",
        "XADD s 18446744073709551615-18446744073709551615 a 1",
        "XADD s * a 1",
        "XLEN s",
        "XRANGE s - +",
        "TYPE s",
        "SET str x",
        "XADD str 1-1 a 1",
        "XADD s 99-1 \"\" \"\"",
        "XLEN nosuch");

    [Fact]
    public void XAdd_auto_id_has_redis_shape()
    {
        diff.Reset();
        var (redisId, engineId) = (redis.Client.Call(Oracle.Differential.Parse("XADD s * a 1")), diff.OnEngine(Oracle.Differential.Parse("XADD s * a 1")));
        Assert.Matches("^[0-9]+-0$", Encoding.ASCII.GetString(((BulkReply)redisId).Value!));
        Assert.Matches("^[0-9]+-[0-9]+$", Encoding.ASCII.GetString(((BulkReply)engineId).Value!));
        diff.Run("XADD s 9999999999999-5 a 1", "XADD s * a 1", "XADD s * a 1", "XADD s 9999999999999-* a 1");
    }

    [Fact]
    public void XAdd_nomkstream_and_trimming_options() => diff.Run(
        "XADD s NOMKSTREAM 1-1 a 1",
        "EXISTS s",
        "XADD s 1-1 a 1",
        "XADD s NOMKSTREAM 1-2 a 1",
        "XADD s MAXLEN 2 1-3 a 1",
        "XRANGE s - +",
        "XADD s MAXLEN = 1 1-4 a 1",
        "XRANGE s - +",
        "XADD s MINID 1-4 1-5 a 1",
        "XADD s MINID = 1-5 1-6 a 1",
        "XRANGE s - +",
        "XADD s MAXLEN ~ 1 1-7 a 1",
        "XLEN s",
        "XADD s MAXLEN 1 MINID 1-1 1-8 a 1",
        "XADD s MINID 1 MAXLEN 1 1-8 a 1",
        "XADD s MAXLEN -1 1-8 a 1",
        "XADD s MAXLEN x 1-8 a 1",
        "XADD s MINID x 1-8 a 1",
        "XADD s MINID - 1-8 a 1",
        "XADD s LIMIT 10 1-8 a 1",
        "XADD s MAXLEN 1 LIMIT 10 1-8 a 1",
        "XADD s MAXLEN ~ 1 LIMIT -1 1-8 a 1",
        "XADD s MAXLEN ~ 1 LIMIT x 1-8 a 1",
        "XADD s MAXLEN ~ 1 LIMIT 0 1-8 a 1",
        "XADD s maxlen ~ 0 limit 1 1-9 a 1",
        "XADD s LIMIT 0 1-10 a 1",
        "XADD s MAXLEN",
        "XADD s MAXLEN 1",
        "XADD s MAXLEN 1 1-11",
        "XLEN s",
        "XRANGE s - +");

    [Fact]
    public void Approximate_trimming_removes_whole_nodes_like_redis()
    {
        var commands = new List<string>();
        for (var i = 1; i <= 350; i++) commands.Add($"XADD s 1-{i} f v{i}");
        commands.Add("XADD s MAXLEN ~ 120 1-351 f v");
        commands.Add("XLEN s");
        commands.Add("XTRIM s MAXLEN ~ 50");
        commands.Add("XLEN s");
        commands.Add("XTRIM s MINID ~ 1-330");
        commands.Add("XLEN s");
        commands.Add("XTRIM s MAXLEN ~ 0 LIMIT 10");
        commands.Add("XTRIM s MAXLEN ~ 0 LIMIT 100");
        commands.Add("XRANGE s - + COUNT 3");
        // big values: nodes close on 4096 bytes before 100 entries
        for (var i = 1; i <= 120; i++) commands.Add($"XADD b 1-{i} field {new string('x', 100 + i % 7)}");
        commands.Add("XTRIM b MAXLEN ~ 10");
        commands.Add("XLEN b");
        // different fields (no SAMEFIELDS compression), integers stored as integers
        for (var i = 1; i <= 200; i++) commands.Add($"XADD c {i}-0 f{i % 3} {i * 1000} g -{i}");
        commands.Add("XTRIM c MAXLEN ~ 30");
        commands.Add("XLEN c");
        commands.Add("XDEL c 150-0 151-0 199-0");
        commands.Add("XTRIM c MINID ~ 190");
        commands.Add("XLEN c");
        diff.Run(commands.ToArray());
        foreach (var key in new[] { "s", "b", "c" })
            Masked($"XINFO STREAM {key}", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes"));
    }

    // ---------- XRANGE / XREVRANGE / XLEN ----------

    [Fact]
    public void XRange_and_XRevRange_bounds_count_and_errors() => diff.Run(
        "XADD s 1-1 a 1",
        "XADD s 1-2 b 2",
        "XADD s 2-0 c 3",
        "XADD s 3-5 d 4 e 5",
        "XRANGE s - +",
        "XRANGE s 1 1",
        "XRANGE s 1-2 +",
        "XRANGE s (1-1 +",
        "XRANGE s - (3-5",
        "XRANGE s (1-2 (3-5",
        "XRANGE s 2 3",
        "XRANGE s + -",
        "XRANGE s - + COUNT 2",
        "XRANGE s - + COUNT 0",
        "XRANGE s - + COUNT -1",
        "XRANGE s - + count 1 COUNT 3",
        "XRANGE s - + COUNT",
        "XRANGE s - + COUNT x",
        "XRANGE s - + LIMIT 1",
        "XRANGE s x +",
        "XRANGE s - x",
        "XRANGE s (- +",
        "XRANGE s - (+",
        "XRANGE s ( +",
        "XRANGE s (18446744073709551615-18446744073709551615 +",
        "XRANGE s - (0-0",
        "XRANGE s 0-0 0-0",
        "XREVRANGE s + -",
        "XREVRANGE s 2 1",
        "XREVRANGE s (3-5 (1-1",
        "XREVRANGE s + - COUNT 1",
        "XREVRANGE s - +",
        "XREVRANGE s + - COUNT 0",
        "XRANGE nosuch - +",
        "XRANGE nosuch - + COUNT 0",
        "XREVRANGE nosuch + -",
        "SET str x",
        "XRANGE str - +",
        "XLEN str",
        "XREVRANGE str + -",
        "XRANGE s -",
        "XLEN s");

    // ---------- XDEL / XTRIM ----------

    [Fact]
    public void XDel_keeps_the_empty_stream_and_tracks_ids() => diff.Run(
        "XADD s 1-1 a 1",
        "XADD s 1-2 a 2",
        "XADD s 1-3 a 3",
        "XDEL s 1-2 1-2 9-9",
        "XRANGE s - +",
        "XDEL s 1-1",
        "XDEL s 1-3",
        "XLEN s",
        "EXISTS s",
        "TYPE s",
        "XADD s 1-2 a 1",
        "XADD s 1-4 a 1",
        "XDEL s x",
        "XDEL s 1-4 x",
        "XLEN s",
        "XDEL nosuch x",
        "XDEL nosuch 1-1",
        "SET str x",
        "XDEL str 1-1",
        "XDEL s",
        "XDEL s - +");

    [Fact]
    public void XDel_info_after_deletions_matches()
    {
        diff.Run("XADD s 1-1 a 1", "XADD s 1-2 a 2", "XADD s 1-3 a 3", "XADD s 1-4 a 4", "XDEL s 1-1 1-3");
        Masked("XINFO STREAM s", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes"));
        diff.Continue("XDEL s 1-2 1-4");
        Masked("XINFO STREAM s", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes"));
    }

    [Fact]
    public void XTrim_options_and_errors() => diff.Run(
        "XADD s 1-1 a 1",
        "XADD s 1-2 a 2",
        "XADD s 1-3 a 3",
        "XADD s 1-4 a 4",
        "XTRIM s MAXLEN 3",
        "XTRIM s MAXLEN = 3",
        "XTRIM s MINID 1-3",
        "XRANGE s - +",
        "XTRIM s MINID = 1-4",
        "XTRIM s MAXLEN ~ 0",
        "XTRIM s maxlen 0",
        "XLEN s",
        "EXISTS s",
        "XTRIM nosuch MAXLEN 0",
        "XTRIM s FOO 1",
        "XTRIM s MAXLEN",
        "XTRIM s LIMIT 5",
        "XTRIM s MAXLEN 1 LIMIT 5",
        "XTRIM s MAXLEN -1",
        "XTRIM s MINID x",
        "XTRIM s MINID 1-1 MAXLEN 1",
        "XTRIM s NOMKSTREAM MAXLEN 1",
        "SET str x",
        "XTRIM str MAXLEN 1",
        "XTRIM str MAXLEN x",
        "XTRIM s");

    // ---------- XREAD ----------

    [Fact]
    public void XRead_several_streams_count_dollar_and_errors() => diff.Run(
        "XADD a 1-1 f 1",
        "XADD a 1-2 f 2",
        "XADD b 2-1 g 1",
        "XREAD STREAMS a 0",
        "XREAD COUNT 1 STREAMS a b 0 0",
        "XREAD STREAMS a b 1-1 2-1",
        "XREAD STREAMS a b $ $",
        "XREAD STREAMS a nosuch 0 0",
        "XREAD STREAMS nosuch 0",
        "XREAD COUNT 0 STREAMS a 0",
        "XREAD COUNT -5 STREAMS a 0",
        "XREAD BLOCK 0 STREAMS a 0",
        "XREAD streams a 1",
        "XREAD STREAMS a (1",
        "XREAD STREAMS a -",
        "XREAD STREAMS a >",
        "XREAD STREAMS a b 0",
        "XREAD STREAMS a",
        "XREAD COUNT x STREAMS a 0",
        "XREAD BLOCK x STREAMS a 0",
        "XREAD BLOCK -1 STREAMS a 0",
        "XREAD GROUP g c STREAMS a 0",
        "XREAD NOACK STREAMS a 0",
        "XREAD FOO STREAMS a 0",
        "XREAD COUNT 1 a 0",
        "XREAD COUNT 1",
        "SET str x",
        "XREAD STREAMS a str 0 0",
        "XREAD STREAMS str a 0 x",
        "XREAD STREAMS a str x 0");

    // ---------- consumer groups ----------

    [Fact]
    public void XGroup_subcommands_and_errors() => diff.Run(
        "XGROUP CREATE s g $",
        "XGROUP CREATE s g $ MKSTREAM",
        "XGROUP CREATE s g $ MKSTREAM",
        "EXISTS s",
        "XLEN s",
        "XADD s 1-1 a 1",
        "XGROUP CREATE s g2 0",
        "XGROUP CREATE s g3 1-1 ENTRIESREAD 1",
        "XGROUP CREATE s g4 0 ENTRIESREAD -2",
        "XGROUP CREATE s g4 0 ENTRIESREAD x",
        "XGROUP CREATE s g4 0 ENTRIESREAD",
        "XGROUP CREATE s g4 0 FOO",
        "XGROUP CREATE s g4 x",
        "XGROUP CREATE s g4 -",
        "XGROUP CREATE s g4 0 MKSTREAM ENTRIESREAD 3 MKSTREAM",
        "XGROUP CREATE s g5 0 MKSTREAM ENTRIESREAD 3",
        "XGROUP CREATE s",
        "XGROUP CREATECONSUMER s g c1",
        "XGROUP CREATECONSUMER s g c1",
        "XGROUP CREATECONSUMER s nog c1",
        "XGROUP CREATECONSUMER nosuch g c1",
        "XGROUP CREATECONSUMER s g",
        "XGROUP DELCONSUMER s g c1",
        "XGROUP DELCONSUMER s g c1",
        "XGROUP DELCONSUMER s nog c1",
        "XGROUP SETID s g 1-1",
        "XGROUP SETID s g $",
        "XGROUP SETID s g - ENTRIESREAD 5",
        "XGROUP SETID s g 0 ENTRIESREAD",
        "XGROUP SETID s g 0 MKSTREAM",
        "XGROUP SETID s nog 0",
        "XGROUP SETID s g x",
        "XGROUP SETID nosuch g 0",
        "XINFO GROUPS s",
        "XGROUP DESTROY s g",
        "XGROUP DESTROY s g",
        "XGROUP DESTROY nosuch g",
        "XGROUP DESTROY s g extra",
        "XGROUP HELP",
        "XGROUP HELP extra",
        "XGROUP FOO",
        "XGROUP",
        "SET str x",
        "XGROUP CREATE str g 0",
        "XGROUP CREATE str g 0 MKSTREAM",
        "XINFO GROUPS s");

    [Fact]
    public void Consumer_group_flow_read_pending_ack_with_masked_times()
    {
        diff.Run(
            "XADD s 1-1 a 1",
            "XADD s 1-2 b 2",
            "XADD s 1-3 c 3",
            "XGROUP CREATE s g 0",
            "XREADGROUP GROUP g alice COUNT 2 STREAMS s >",
            "XREADGROUP GROUP g bob STREAMS s >",
            "XREADGROUP GROUP g bob STREAMS s >",
            "XPENDING s g",
            "XREADGROUP GROUP g alice STREAMS s 0",
            "XREADGROUP GROUP g alice COUNT 1 STREAMS s 1-1",
            "XACK s g 1-1 9-9",
            "XACK s g 1-1",
            "XPENDING s g",
            "XINFO GROUPS s",
            "XADD s 1-4 d 4",
            "XINFO GROUPS s",
            "XREADGROUP GROUP g carol NOACK STREAMS s >",
            "XPENDING s g",
            "XINFO GROUPS s",
            "XDEL s 1-2",
            "XREADGROUP GROUP g alice STREAMS s 0",
            "XINFO GROUPS s",
            "XACK s g 1-2 1-3",
            "XPENDING s g",
            "XACK s nog 1-1",
            "XACK nosuch g 1-1",
            "XACK s g x",
            "XACK nosuch g x",
            "XGROUP DELCONSUMER s g alice",
            "XPENDING s g");
        Masked("XPENDING s g - + 10", r => ReplyMasks.MaskAt(r, 1, 2));
        Masked("XINFO CONSUMERS s g", r => ReplyMasks.MaskNamed(r, "idle"));
        Masked("XINFO STREAM s FULL", r => ReplyMasks.MaskNamed(ReplyMasks.MaskAt(r, 0), "radix-tree-nodes", "seen-time", "pending"));
    }

    [Fact]
    public void XReadGroup_errors_and_several_streams() => diff.Run(
        "XADD a 1-1 f 1",
        "XADD b 1-1 f 1",
        "XGROUP CREATE a g 0",
        "XGROUP CREATE b g $",
        "XREADGROUP GROUP g c STREAMS a b > >",
        "XADD b 1-2 f 2",
        "XREADGROUP GROUP g c STREAMS a b > >",
        "XREADGROUP GROUP g c STREAMS a b 0 0",
        "XREADGROUP GROUP g c COUNT 1 BLOCK 10 STREAMS a >",
        "XREADGROUP GROUP g c STREAMS a $",
        "XREADGROUP GROUP nog c STREAMS a >",
        "XREADGROUP GROUP g c STREAMS nosuch >",
        "XREADGROUP GROUP g c STREAMS a x",
        "XREADGROUP GROUP g c STREAMS a",
        "XREADGROUP COUNT 1 STREAMS a >",
        "XREADGROUP GROUP g STREAMS a >",
        "XREADGROUP GROUP g c NOACK COUNT 1 a >",
        "SET str x",
        "XREADGROUP GROUP g c STREAMS str >",
        "XPENDING a g",
        "XPENDING b g");

    [Fact]
    public void XGroup_setid_back_redelivers_to_the_new_reader() => diff.Run(
        "XADD s 1-1 a 1",
        "XADD s 1-2 a 2",
        "XGROUP CREATE s g 0",
        "XREADGROUP GROUP g alice STREAMS s >",
        "XGROUP SETID s g 0",
        "XREADGROUP GROUP g bob COUNT 1 STREAMS s >",
        "XPENDING s g",
        "XREADGROUP GROUP g alice STREAMS s 0",
        "XREADGROUP GROUP g bob STREAMS s 0",
        "XINFO GROUPS s");

    [Fact]
    public void XPending_forms_and_errors()
    {
        diff.Run(
            "XADD s 1-1 a 1",
            "XADD s 1-2 a 2",
            "XADD s 1-3 a 3",
            "XGROUP CREATE s g 0",
            "XPENDING s g",
            "XPENDING s g - + 10",
            "XREADGROUP GROUP g alice COUNT 2 STREAMS s >",
            "XREADGROUP GROUP g bob STREAMS s >",
            "XPENDING s g - + 0",
            "XPENDING s g - + -1",
            "XPENDING s g - + 10 nobody",
            "XPENDING s g IDLE 3600000 - + 10",
            "XPENDING s g IDLE 3600000 - + 10 alice",
            "XPENDING s g - + x",
            "XPENDING s g x + 10",
            "XPENDING s g - x 10",
            "XPENDING s g (18446744073709551615-18446744073709551615 + 10",
            "XPENDING s g - (0 10",
            "XPENDING s g IDLE x - + 10",
            "XPENDING s g IDLE 10 - +",
            "XPENDING s g -",
            "XPENDING s g - +",
            "XPENDING s g - + 10 alice a b c",
            "XPENDING s nog",
            "XPENDING nosuch g",
            "XPENDING nosuch g - + x",
            "SET str x",
            "XPENDING str g");
        Masked("XPENDING s g - + 10", r => ReplyMasks.MaskAt(r, 1, 2));
        Masked("XPENDING s g (1-1 1-3 1", r => ReplyMasks.MaskAt(r, 1, 2));
        Masked("XPENDING s g - + 10 alice", r => ReplyMasks.MaskAt(r, 1, 2));
        Masked("XPENDING s g IDLE 0 - + 10 bob", r => ReplyMasks.MaskAt(r, 1, 2));
        Masked("XPENDING s g - + 10 alice extra", r => ReplyMasks.MaskAt(r, 1, 2));
    }

    [Fact]
    public void XClaim_moves_pending_entries_between_consumers()
    {
        diff.Run(
            "XADD s 1-1 a 1",
            "XADD s 1-2 a 2",
            "XADD s 1-3 a 3",
            "XGROUP CREATE s g 0",
            "XREADGROUP GROUP g alice STREAMS s >",
            "XCLAIM s g bob 3600000 1-1",
            "XCLAIM s g bob 0 1-1",
            "XCLAIM s g bob 0 1-2 JUSTID",
            "XCLAIM s g bob 0 1-3 RETRYCOUNT 7 IDLE 0",
            "XPENDING s g",
            "XCLAIM s g carol 0 9-9",
            "XCLAIM s g carol 0 9-9 FORCE",
            "XADD s 1-4 a 4",
            "XCLAIM s g carol 0 1-4",
            "XCLAIM s g carol 0 1-4 FORCE JUSTID",
            "XCLAIM s g carol 0 1-4 LASTID 5-0",
            "XINFO GROUPS s",
            "XDEL s 1-1",
            "XCLAIM s g carol 0 1-1",
            "XPENDING s g",
            "XCLAIM s g carol x 1-1",
            "XCLAIM s g carol 0 1-2 IDLE x",
            "XCLAIM s g carol 0 1-2 TIME x",
            "XCLAIM s g carol 0 1-2 RETRYCOUNT x",
            "XCLAIM s g carol 0 1-2 LASTID x",
            "XCLAIM s g carol 0 1-2 BOGUS",
            "XCLAIM s g carol 0 bad-id",
            "XCLAIM s g carol 0 1-2 IDLE",
            "XCLAIM s nog carol 0 1-2",
            "XCLAIM nosuch g carol 0 1-2",
            "XCLAIM nosuch g carol x 1-2",
            "SET str x",
            "XCLAIM str g carol 0 1-2",
            "XPENDING s g");
        Masked("XPENDING s g - + 10", r => ReplyMasks.MaskAt(r, 1, 2));
        Masked("XINFO CONSUMERS s g", r => ReplyMasks.MaskNamed(r, "idle"));
    }

    [Fact]
    public void XAutoClaim_scans_the_pel_and_drops_deleted_entries()
    {
        diff.Run(
            "XADD s 1-1 a 1",
            "XADD s 1-2 a 2",
            "XADD s 1-3 a 3",
            "XADD s 1-4 a 4",
            "XGROUP CREATE s g 0",
            "XREADGROUP GROUP g alice STREAMS s >",
            "XAUTOCLAIM s g bob 3600000 0",
            "XAUTOCLAIM s g bob 0 0 COUNT 1",
            "XAUTOCLAIM s g bob 0 (1-1 COUNT 1 JUSTID",
            "XDEL s 1-3",
            "XAUTOCLAIM s g bob 0 0",
            "XPENDING s g",
            "XAUTOCLAIM s g bob 0 - COUNT 10",
            "XAUTOCLAIM s g bob 0 0 COUNT 0",
            "XAUTOCLAIM s g bob 0 0 COUNT x",
            "XAUTOCLAIM s g bob 0 0 COUNT 1152921504606846976",
            "XAUTOCLAIM s g bob x 0",
            "XAUTOCLAIM s g bob 0 x",
            "XAUTOCLAIM s g bob 0 (18446744073709551615-18446744073709551615",
            "XAUTOCLAIM s g bob 0 0 FOO",
            "XAUTOCLAIM s g bob 0 0 COUNT",
            "XAUTOCLAIM s nog bob 0 0",
            "XAUTOCLAIM nosuch g bob 0 0",
            "XAUTOCLAIM nosuch g bob 0 0 FOO",
            "SET str x",
            "XAUTOCLAIM str g bob 0 0");
        Masked("XPENDING s g - + 10", r => ReplyMasks.MaskAt(r, 1, 2));
    }

    // ---------- XINFO / XSETID ----------

    [Fact]
    public void XInfo_forms_and_errors()
    {
        diff.Run(
            "XINFO STREAM nosuch",
            "XINFO GROUPS nosuch",
            "XINFO CONSUMERS nosuch g",
            "XINFO HELP",
            "XINFO HELP x",
            "XINFO FOO s",
            "XINFO STREAM",
            "XINFO CONSUMERS s",
            "XINFO",
            "XGROUP CREATE s g $ MKSTREAM",
            "XINFO GROUPS s",
            "XINFO CONSUMERS s g",
            "XINFO CONSUMERS s nog",
            "XINFO STREAM s FOO",
            "XINFO STREAM s FULL COUNT",
            "XINFO STREAM s FULL COUNT x",
            "XINFO STREAM s FULL LIMIT 1",
            "SET str x",
            "XINFO STREAM str",
            "XINFO GROUPS str");
        Masked("XINFO STREAM s", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes"));
        diff.Continue("XADD s 1-1 a 1 b 2", "XADD s 1-2 a 3 b 4", "XADD s 2-0 c 5");
        Masked("XINFO STREAM s", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes"));
        Masked("XINFO STREAM s FULL", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes"));
        Masked("XINFO STREAM s FULL COUNT 1", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes"));
        Masked("XINFO STREAM s FULL COUNT 0", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes"));
        Masked("XINFO STREAM s FULL COUNT -1", r => ReplyMasks.MaskNamed(r, "radix-tree-nodes"));
    }

    [Fact]
    public void XSetId_and_lag_estimates() => diff.Run(
        "XSETID nosuch 1-1",
        "XADD s 1-1 a 1",
        "XADD s 1-2 a 2",
        "XSETID s 1-1",
        "XSETID s 5-0",
        "XADD s 4-0 a 1",
        "XADD s 5-1 a 1",
        "XSETID s 9-0 ENTRIESADDED 1",
        "XSETID s 9-0 ENTRIESADDED -1",
        "XSETID s 9-0 ENTRIESADDED 10 MAXDELETEDID 9-1",
        "XSETID s 9-0 ENTRIESADDED 10 MAXDELETEDID 1-5",
        "XSETID s 9-0 FOO 1",
        "XSETID s x",
        "XSETID s 9-0 ENTRIESADDED",
        "XGROUP CREATE s g 0",
        "XGROUP CREATE s h 1-2 ENTRIESREAD 2",
        "XINFO GROUPS s",
        "XDEL s 1-2",
        "XINFO GROUPS s",
        "XREADGROUP GROUP g c STREAMS s >",
        "XINFO GROUPS s",
        "XADD t 1-1 a 1",
        "XDEL t 1-1",
        "XSETID t 0-5",
        "XGROUP CREATE t g 0",
        "XINFO GROUPS t",
        "SET str x",
        "XSETID str 1-1");

    [Fact]
    public void Binary_fields_values_and_names() => diff.Run(
    [
        ["XADD", "s\u00ff", "1-1", "f\u0000", "v\u00e9\u0001"],
        ["XADD", "s\u00ff", "1-2", "", ""],
        ["XRANGE", "s\u00ff", "-", "+"],
        ["XGROUP", "CREATE", "s\u00ff", "g\u0000", "0"],
        ["XREADGROUP", "GROUP", "g\u0000", "c\u00ff", "STREAMS", "s\u00ff", ">"],
        ["XPENDING", "s\u00ff", "g\u0000"],
        ["XACK", "s\u00ff", "g\u0000", "1-1"],
        ["XINFO", "GROUPS", "s\u00ff"],
    ]);

    [Fact]
    public void Keys_commands_see_streams() => diff.Run(
        "XADD s 1-1 a 1",
        "TYPE s",
        "EXISTS s",
        "COPY s t",
        "XRANGE t - +",
        "RENAME s u",
        "XLEN u",
        "SCAN 0 TYPE stream",
        "DEL u",
        "EXISTS u");
}
