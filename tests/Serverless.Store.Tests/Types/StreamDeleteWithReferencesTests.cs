using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Types;

/// <summary>
/// XDELEX and XACKDEL (Redis 8.2). No redis-server that recent runs here: these are redis.io's
/// rules (KEEPREF keeps other groups' references, DELREF removes them, ACKED deletes only what no
/// group still needs) and the cases of Redis's own test suite for the commands.
/// </summary>
public sealed class StreamDeleteWithReferencesTests
{
    readonly MemoryKeyspace keyspace = new();
    readonly List<string> events = [];

    Reply Run(string command)
    {
        var ctx = new CommandContext(keyspace, 1_700_000_000_000) { RecordEvents = true };
        var reply = Engine.Execute(ctx, Oracle.Differential.Parse(command));
        events.AddRange((ctx.Events ?? []).Select(e => $"{e.Name} {Encoding.UTF8.GetString(e.Key)}"));
        return reply;
    }

    static Reply Ints(params long[] values) => Reply.Array(values.Select(Reply.Integer).ToArray());

    static Reply NothingPending => Reply.Array([Reply.Zero, Reply.Nil, Reply.Nil, Reply.NilArray]);

    /// <summary>Two entries read by two groups, as Redis's tests set it up.</summary>
    void TwoGroupsReadTwoEntries()
    {
        Run("XADD mystream 1-0 f v");
        Run("XADD mystream 2-0 f v");
        Run("XGROUP CREATE mystream group1 0");
        Run("XGROUP CREATE mystream group2 0");
        Run("XREADGROUP GROUP group1 consumer1 STREAMS mystream >");
        Run("XREADGROUP GROUP group2 consumer2 STREAMS mystream >");
    }

    static Reply PendingOfConsumer2 => Reply.Array([Reply.Integer(2), Reply.Bulk("1-0"), Reply.Bulk("2-0"),
        Reply.Array([Reply.Array([Reply.Bulk("consumer2"), Reply.Bulk("2")])])]);

    [Fact]
    public void Xackdel_delref_removes_the_entries_from_every_pel()
    {
        TwoGroupsReadTwoEntries();
        Assert.Equal(Ints(1, 1), Run("XACKDEL mystream group1 DELREF IDS 2 1-0 2-0"));
        Assert.Equal(Reply.Zero, Run("XLEN mystream"));
        Assert.Equal(NothingPending, Run("XPENDING mystream group1"));
        Assert.Equal(NothingPending, Run("XPENDING mystream group2"));
        Assert.Equal(Ints(-1, -1), Run("XACKDEL mystream group2 DELREF IDS 2 1-0 2-0"));
    }

    [Fact]
    public void Xackdel_acked_deletes_only_what_every_group_acknowledged()
    {
        TwoGroupsReadTwoEntries();
        Assert.Equal(Ints(2, 2), Run("XACKDEL mystream group1 ACKED IDS 2 1-0 2-0"));
        Assert.Equal(Reply.Integer(2), Run("XLEN mystream"));
        Assert.Equal(NothingPending, Run("XPENDING mystream group1"));
        Assert.Equal(PendingOfConsumer2, Run("XPENDING mystream group2"));
        Assert.Equal(Ints(1, 1), Run("XACKDEL mystream group2 ACKED IDS 2 1-0 2-0"));
        Assert.Equal(Reply.Zero, Run("XLEN mystream"));
        Assert.Equal(NothingPending, Run("XPENDING mystream group2"));
    }

    [Fact]
    public void Xackdel_keepref_deletes_and_leaves_other_groups_references()
    {
        TwoGroupsReadTwoEntries();
        events.Clear();
        Assert.Equal(Ints(1, 1), Run("XACKDEL mystream group1 KEEPREF IDS 2 1-0 2-0"));
        Assert.Equal(["xdel mystream"], events);
        Assert.Equal(Reply.Zero, Run("XLEN mystream"));
        Assert.Equal(PendingOfConsumer2, Run("XPENDING mystream group2"));
        Assert.Equal(Ints(1, 1), Run("XACKDEL mystream group2 IDS 2 1-0 2-0")); // KEEPREF is the default
        Assert.Equal(NothingPending, Run("XPENDING mystream group2"));
    }

    [Fact]
    public void Xackdel_on_a_missing_key_or_group_and_its_argument_errors()
    {
        Assert.Equal(Ints(-1, -1), Run("XACKDEL s g IDS 2 1-1 2-2"));
        Run("XADD s 1-0 f v");
        Assert.Equal(Ints(-1, -1), Run("XACKDEL s g IDS 2 1-1 2-2"));
        Run("XGROUP CREATE s g 0");
        Assert.Equal(Ints(-1), Run("XACKDEL s g IDS 1 1-0")); // not delivered, so not pending
        Assert.Equal(Reply.One, Run("XLEN s"));
        foreach (var (command, error) in new[]
        {
            ("XACKDEL", "ERR wrong number of arguments for 'xackdel' command"),
            ("XACKDEL s g", "ERR wrong number of arguments for 'xackdel' command"),
            ("XACKDEL s g IDS abc 1-1", "ERR Number of IDs must be a positive integer"),
            ("XACKDEL s g IDS 0 1-1", "ERR Number of IDs must be a positive integer"),
            ("XACKDEL s g IDS -5 1-1", "ERR Number of IDs must be a positive integer"),
            ("XACKDEL s g IDS 3 1-1 2-2", "ERR The `numids` parameter must match the number of arguments"),
            ("XACKDEL s g IDS 1 1-1 2-2", "ERR syntax error"),
            ("XACKDEL s g KEEPREF DELREF IDS 1 1-1", "ERR syntax error"),
            ("XACKDEL s g KEEPREF ACKED IDS 1 1-1", "ERR syntax error"),
            ("XACKDEL s g DELREF ACKED IDS 1 1-1", "ERR syntax error"),
            ("XACKDEL s g IDS 1 nope", "ERR Invalid stream ID specified as stream command argument"),
            ("XDELEX s IDS 0 1-1", "ERR Number of IDs must be a positive integer"),
            ("XDELEX s FOO IDS 1 1-1", "ERR syntax error"),
        })
            Assert.Equal(Reply.Error(error), Run(command));
        Run("SET str v");
        Assert.Equal(Reply.Error(Errors.WrongType), Run("XACKDEL str g IDS 1 1-1"));
        Assert.Equal(Reply.Error(Errors.WrongType), Run("XDELEX str IDS 1 1-1"));
    }

    [Fact]
    public void Xdelex_acked_waits_until_no_group_needs_the_entry()
    {
        Run("XADD s4 1-0 a 1");
        Run("XGROUP CREATE s4 grp 0");
        Run("XREADGROUP GROUP grp cons1 COUNT 10 STREAMS s4 >");
        Assert.Equal(Ints(2), Run("XDELEX s4 ACKED IDS 1 1-0"));
        Assert.Equal(Reply.One, Run("XLEN s4"));
        Assert.Equal(Reply.One, Run("XACK s4 grp 1-0"));
        Assert.Equal(Ints(1), Run("XDELEX s4 ACKED IDS 1 1-0"));
        Assert.Equal(Reply.Zero, Run("XLEN s4"));

        // A group that has not been served the entry yet still needs it.
        Run("XADD s5 1-0 a 1");
        Run("XGROUP CREATE s5 late 0");
        Assert.Equal(Ints(2, -1), Run("XDELEX s5 ACKED IDS 2 1-0 9-9"));
    }

    [Fact]
    public void Xdelex_keepref_and_delref_like_xdel_with_or_without_the_references()
    {
        TwoGroupsReadTwoEntries();
        Assert.Equal(Ints(1, -1), Run("XDELEX mystream IDS 2 1-0 3-0"));
        Assert.Equal(Reply.Integer(2), Assert.IsType<ArrayReply>(Run("XPENDING mystream group1")).Items![0]);
        Assert.Equal(Ints(1), Run("XDELEX mystream DELREF IDS 1 2-0"));
        Assert.Equal(Reply.One, Assert.IsType<ArrayReply>(Run("XPENDING mystream group1")).Items![0]); // 1-0 kept, 2-0 gone
        Assert.Equal(Ints(-1), Run("XDELEX mystream DELREF IDS 1 1-0")); // gone from the stream; its references go now
        Assert.Equal(NothingPending, Run("XPENDING mystream group1"));
        Assert.Equal(NothingPending, Run("XPENDING mystream group2"));
        Assert.Equal(Ints(-1), Run("XDELEX nosuch IDS 1 1-0"));
    }
}
