using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>
/// Which commands the store has, against redis-server 7.0.15's own list: every command and
/// subcommand Redis 7.0 has, minus those that stay out (each with its reason; the README's
/// "What stays out" lists the same), plus the newer ones the Redis clients send.
/// </summary>
public static class CommandCoverage
{
    /// <summary>Newer than Redis 7.0 (issue 18): hash field expiry (7.4), HGETDEL/HGETEX/HSETEX (8.0), XACKDEL/XDELEX (8.2).</summary>
    public static readonly HashSet<string> NewerThan70 =
    [
        "hexpire", "hpexpire", "hexpireat", "hpexpireat", "httl", "hpttl", "hexpiretime", "hpexpiretime", "hpersist",
        "hgetdel", "hgetex", "hsetex", "xackdel", "xdelex",
    ];

    /// <summary>Redis 7.0 commands and subcommands the store does not have, and why. A container's subcommands go with it.</summary>
    public static readonly Dictionary<string, string> StaysOut = new()
    {
        ["cluster"] = "cluster: the store is one logical server; keys are spread over entities, not slots",
        ["asking"] = "cluster", ["readonly"] = "cluster", ["readwrite"] = "cluster", ["migrate"] = "cluster",
        ["restore-asking"] = "cluster", ["spublish"] = "cluster (sharded pub/sub)", ["ssubscribe"] = "cluster (sharded pub/sub)",
        ["sunsubscribe"] = "cluster (sharded pub/sub)",
        ["replicaof"] = "replication: durability comes from Azure Storage, not replicas", ["slaveof"] = "replication",
        ["replconf"] = "replication", ["psync"] = "replication", ["sync"] = "replication", ["wait"] = "replication",
        ["failover"] = "replication", ["role"] = "replication",
        ["acl"] = "ACL user management: access is by bearer token (full or read-only)",
        ["auth"] = "connection state: REST has no connection; the token authenticates each request",
        ["hello"] = "connection state", ["select"] = "connection state (one database)", ["reset"] = "connection state",
        ["quit"] = "connection state",
        ["client"] = "CLIENT: no connections over REST",
        ["monitor"] = "MONITOR: no connections over REST",
        ["subscribe"] = "pub/sub subscriptions are SignalR or server-sent events, not commands",
        ["unsubscribe"] = "pub/sub subscriptions", ["psubscribe"] = "pub/sub subscriptions", ["punsubscribe"] = "pub/sub subscriptions",
        ["multi"] = "transactions are the /multi-exec endpoint", ["exec"] = "transactions", ["discard"] = "transactions",
        ["watch"] = "transactions (no connection to hold a WATCH)", ["unwatch"] = "transactions",
        ["debug"] = "DEBUG: internals of one redis-server process",
        ["module"] = "modules (RedisJSON and others: a later issue)",
        ["shutdown"] = "the store is serverless: there is no server process to stop",
        ["bgrewriteaof"] = "no AOF: snapshots are RDB files in Blob Storage",
        ["slowlog"] = "diagnostics of one server process", ["latency"] = "diagnostics of one server process",
        ["lolwut"] = "Redis's art: not a data command",
        ["config|rewrite"] = "there is no configuration file to rewrite",
        ["memory|doctor"] = "one process's allocator: the store's memory is entity state (MEMORY USAGE tells a key's)",
        ["memory|malloc-stats"] = "one process's allocator", ["memory|purge"] = "one process's allocator",
        ["memory|stats"] = "one process's allocator",
        ["pfdebug"] = "HyperLogLog internals of one redis-server process (PFDEBUG, PFSELFTEST)", ["pfselftest"] = "HyperLogLog internals",
        ["command|getkeysandflags"] = "the table's key-spec flags are a worst case, not Redis's per-key flags",
    };

    static string Container(string name) => name.Split('|')[0];

    /// <summary>Whether a Redis 7.0 command or subcommand stays out (itself, or its container).</summary>
    public static bool IsOut(string name) => StaysOut.ContainsKey(name) || (name.Contains('|') && StaysOut.ContainsKey(Container(name)));

}

/// <summary>COMMAND COUNT and COMMAND LIST equal redis-server 7.0.15's, minus what stays out, plus the newer commands.</summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class CommandCoverageTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    static List<string> Names(Reply reply) =>
        Assert.IsType<ArrayReply>(reply).Items!.Select(r => Encoding.UTF8.GetString(((BulkReply)r).Value!)).ToList();

    [Fact]
    public void Command_list_is_redis_7_0_minus_what_stays_out_plus_the_newer_commands()
    {
        var theirs = Names(redis.Client.Call("COMMAND", "LIST"));
        var ours = Names(diff.OnEngine(Oracle.Differential.Parse("COMMAND LIST")));
        var expected = theirs.Where(n => !CommandCoverage.IsOut(n))
            .Concat(CommandCoverage.NewerThan70).ToHashSet();
        var missing = expected.Except(ours).Order().ToList();
        var extra = ours.Except(expected).Order().ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, $"missing: {string.Join(' ', missing)}; not in redis-server 7.0 nor listed newer: {string.Join(' ', extra)}");

        // The lists themselves name only what redis-server 7.0 has (or does not, for the newer ones).
        Assert.All(CommandCoverage.StaysOut.Keys, name => Assert.Contains(name, theirs));
        Assert.All(CommandCoverage.NewerThan70, name => Assert.DoesNotContain(name, theirs));
    }

    [Fact]
    public void Command_count_is_the_same_sum()
    {
        var theirs = Names(redis.Client.Call("COMMAND", "LIST")).Where(n => !n.Contains('|'));
        var expected = theirs.Count(n => !CommandCoverage.IsOut(n)) + CommandCoverage.NewerThan70.Count;
        Assert.Equal(Reply.Integer(expected), diff.OnEngine(Oracle.Differential.Parse("COMMAND COUNT")));
        Assert.Equal(expected, CommandTable.All.Count);
    }

    /// <summary>The newer commands' rows as redis.io's pages give them: arity, read or write, first/last/step key.</summary>
    [Theory]
    [InlineData("hexpire", -6, false)]
    [InlineData("hpexpire", -6, false)]
    [InlineData("hexpireat", -6, false)]
    [InlineData("hpexpireat", -6, false)]
    [InlineData("httl", -5, true)]
    [InlineData("hpttl", -5, true)]
    [InlineData("hexpiretime", -5, true)]
    [InlineData("hpexpiretime", -5, true)]
    [InlineData("hpersist", -5, false)]
    [InlineData("hgetdel", -5, false)]
    [InlineData("hgetex", -5, false)]
    [InlineData("hsetex", -6, false)]
    [InlineData("xackdel", -6, false)]
    [InlineData("xdelex", -5, false)]
    public void Newer_commands_rows_follow_redis_io(string name, int arity, bool readOnly)
    {
        var spec = CommandTable.Find(name)!;
        Assert.Equal((arity, readOnly, !readOnly, 1, 1, 1), (spec.Arity, spec.IsReadOnly, spec.IsWrite, spec.FirstKey, spec.LastKey, spec.Step));
        Assert.True(CommandDocs.Has(name));
    }
}
