using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Serverless.Store.Tests.Types;

/// <summary>Pure engine tests of PING, ECHO, TIME, INFO and COMMAND.</summary>
public sealed class ServerTests
{
    const long T0 = 1_700_000_000_123;

    readonly MemoryKeyspace keyspace = new();

    Reply Run(string command, long now = T0, IKeyspace? ks = null, IServerStats? stats = null) =>
        Engine.Execute(new CommandContext(ks ?? keyspace, now) { Server = stats }, Args(command));

    static byte[][] Args(string command) =>
        Oracle.Differential.Tokenize(command).Select(Encoding.UTF8.GetBytes).ToArray();

    static string Text(Reply reply) => Encoding.UTF8.GetString(Assert.IsType<BulkReply>(reply).Value!);

    void Put(string key, long? expiresAt = null) =>
        keyspace.Set(Bytes.From(key), new KeyState { String = [1], ExpiresAt = expiresAt });

    [Fact]
    public void Ping_and_echo()
    {
        Assert.Equal(Reply.Simple("PONG"), Run("PING"));
        Assert.Equal(Reply.Bulk("hi there"), Run("PING \"hi there\""));
        Assert.Equal(Reply.Error("ERR wrong number of arguments for 'ping' command"), Run("PING a b"));
        Assert.Equal(Reply.Bulk(""), Run("ECHO \"\""));
        var binary = new byte[] { 0, 255, 13, 10 };
        Assert.Equal(Reply.Bulk(binary), Engine.Execute(new CommandContext(keyspace, T0), [Bytes.From("ECHO"), binary]));
    }

    [Fact]
    public void Time_comes_from_the_command_clock()
    {
        Assert.Equal(Reply.Array([Reply.Bulk("1700000000"), Reply.Bulk("123000")]), Run("TIME"));
        Assert.Equal(Reply.Array([Reply.Bulk("5"), Reply.Bulk("0")]), Run("TIME", now: 5000));
        // A host with a finer clock gives microseconds: TIME answers them, and INFO's server_time_usec.
        var fine = new CommandContext(keyspace, T0) { NowMicros = T0 * 1000 + 456 };
        Assert.Equal(Reply.Array([Reply.Bulk("1700000000"), Reply.Bulk("123456")]), Engine.Execute(fine, Args("TIME")));
        Assert.Contains("\r\nserver_time_usec:1700000000123456\r\n", Text(Engine.Execute(fine, Args("INFO server"))));
        var micros = CommandContext.UnixMicros(new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0).AddTicks(4567)));
        Assert.Equal(T0 * 1000 + 456, micros);
    }

    [Fact]
    public void Info_has_redis_headers_and_crlf_lines()
    {
        var info = Text(Run("INFO"));
        Assert.StartsWith("# Server\r\nredis_version:7.0.15\r\n", info);
        Assert.Contains("\r\nserverless_store_version:", info);
        Assert.Contains("\r\nredis_mode:standalone\r\n", info);
        Assert.Contains("\r\narch_bits:", info);
        Assert.Contains($"\r\nprocess_id:{Environment.ProcessId}\r\n", info);
        Assert.Contains($"\r\nserver_time_usec:{T0 * 1000}\r\n", info);
        Assert.Contains("\r\n\r\n# Replication\r\nrole:master\r\n", info);
        Assert.Contains("\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n", info);
        Assert.EndsWith("\r\n\r\n# Keyspace\r\n", info);
        Assert.DoesNotContain("\n\n", info.Replace("\r\n", "\n").Replace("\n\n#", "#"));
        foreach (var line in info.Split("\r\n"))
            Assert.True(line == "" || line.StartsWith('#') || line.Contains(':'), line);
        Assert.Equal(info.Replace("server_time_usec", ""), Text(Run("INFO default")).Replace("server_time_usec", ""));
        Assert.Equal(info, Text(Run("INFO ALL")));
        Assert.Equal(info, Text(Run("INFO everything")));
    }

    [Fact]
    public void Info_keyspace_counts_live_keys_and_expiries_exactly()
    {
        Put("a");
        Put("b", T0 + 10_000);
        Put("c", T0 + 30_000);
        Put("expired", T0);
        Assert.Equal("# Keyspace\r\ndb0:keys=3,expires=2,avg_ttl=20000\r\n", Text(Run("INFO keyspace")));
        Assert.Null(keyspace.Get(Bytes.From("expired")));
        keyspace.Clear();
        Assert.Equal("# Keyspace\r\n", Text(Run("INFO keyspace")));
        Put("p");
        Assert.Equal("# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n", Text(Run("INFO KEYSPACE")));
    }

    [Fact]
    public void Info_average_ttl_does_not_overflow()
    {
        Put("a", long.MaxValue);
        Put("b", long.MaxValue - 2);
        Assert.Equal($"# Keyspace\r\ndb0:keys=2,expires=2,avg_ttl={long.MaxValue - 1 - T0}\r\n", Text(Run("INFO keyspace")));
    }

    [Fact]
    public void Info_sections_come_in_redis_order_and_unknown_ones_are_ignored()
    {
        var both = Text(Run("INFO keyspace server"));
        Assert.StartsWith("# Server\r\n", both);
        Assert.EndsWith("\r\n\r\n# Keyspace\r\n", both);
        Assert.DoesNotContain("# Replication", both);
        Assert.Equal(both.Replace("server_time_usec", ""), Text(Run("INFO server nosuch keyspace")).Replace("server_time_usec", ""));
        Assert.Equal("", Text(Run("INFO nosuch")));
        Assert.Equal("# Cluster\r\ncluster_enabled:0\r\n", Text(Run("INFO cluster")));
    }

    [Fact]
    public void Info_answers_without_an_enumerable_keyspace()
    {
        var single = new SingleKeyspace();
        var info = Text(Run("INFO", ks: single));
        Assert.StartsWith("# Server\r\n", info);
        Assert.DoesNotContain("Keyspace", info);
        Assert.Equal("", Text(Run("INFO keyspace", ks: single)));
    }

    [Fact]
    public void Command_count_and_list_cover_the_table()
    {
        Assert.Equal(Reply.Integer(CommandTable.All.Count), Run("COMMAND COUNT"));
        var list = Names(Run("COMMAND LIST"));
        foreach (var spec in CommandTable.All) Assert.Contains(spec.Name, list);
        Assert.Contains("command|getkeys", list);
        Assert.Equal(CommandTable.All.Count + CommandTable.All.Sum(s => s.Subcommands?.Count ?? 0), list.Count);
        Assert.Equal(CommandTable.All.Count, Assert.IsType<ArrayReply>(Run("COMMAND")).Items!.Count);
        Assert.Equal(Run("COMMAND"), Run("COMMAND INFO"));
    }

    [Fact]
    public void Command_list_filters()
    {
        Assert.Equal(["zadd", "zcard", "zcount", "zdiff", "zdiffstore"], Names(Run("COMMAND LIST FILTERBY PATTERN Z[A-D]*")).Order().ToList());
        Assert.Equal(["command", "command|count", "command|docs", "command|getkeys", "command|help", "command|info", "command|list", "echo", "ping"],
            Names(Run("COMMAND LIST FILTERBY ACLCAT connection")).Order().ToList());
        Assert.Equal(["bgsave", "config|get", "config|resetstat", "config|set", "flushall", "flushdb", "info", "keys", "lastsave", "restore", "save", "sort", "sort_ro", "swapdb"],
            Names(Run("COMMAND LIST FILTERBY aclcat DANGEROUS")).Order(StringComparer.Ordinal).ToList());
        Assert.Empty(Names(Run("COMMAND LIST FILTERBY MODULE json")));
        Assert.Empty(Names(Run("COMMAND LIST FILTERBY ACLCAT nosuch")));
        Assert.Equal(Reply.Error("ERR syntax error"), Run("COMMAND LIST FILTERBY"));
        Assert.Equal(Reply.Error("ERR syntax error"), Run("COMMAND LIST FILTERBY foo x"));
        Assert.Equal(Reply.Error("ERR syntax error"), Run("COMMAND LIST FILTERBY pattern x y"));
    }

    [Fact]
    public void Command_info_has_redis_7_shape()
    {
        var reply = Assert.IsType<ArrayReply>(Run("COMMAND INFO get nosuch ZUNIONSTORE command|count"));
        Assert.Equal(4, reply.Items!.Count);
        var get = Assert.IsType<ArrayReply>(reply.Items[0]).Items!;
        Assert.Equal(10, get.Count);
        Assert.Equal(Reply.Bulk("get"), get[0]);
        Assert.Equal(Reply.Integer(2), get[1]);
        Assert.Equal(Reply.Array([Reply.Simple("readonly")]), get[2]);
        Assert.Equal([Reply.Integer(1), Reply.Integer(1), Reply.Integer(1)], get.Skip(3).Take(3));
        Assert.Equal(Reply.Array([Reply.Simple("@read"), Reply.Simple("@string")]), get[6]);
        Assert.Equal(Reply.EmptyArray, get[7]);
        var keySpecs = Assert.IsType<ArrayReply>(get[8]).Items!;
        Assert.Equal(
            "[[\"flags\", [+RO, +access], \"begin_search\", [\"type\", \"index\", \"spec\", [\"index\", :1]], " +
            "\"find_keys\", [\"type\", \"range\", \"spec\", [\"lastkey\", :0, \"keystep\", :1, \"limit\", :0]]]]",
            Reply.Array(keySpecs).ToString());
        Assert.Equal(Reply.EmptyArray, get[9]);

        Assert.Equal(Reply.Nil, reply.Items[1]);

        var zunionstore = Assert.IsType<ArrayReply>(reply.Items[2]).Items!;
        Assert.Equal(Reply.Bulk("zunionstore"), zunionstore[0]);
        Assert.Equal(Reply.Array([Reply.Simple("write"), Reply.Simple("movablekeys")]), zunionstore[2]);
        Assert.Equal(2, Assert.IsType<ArrayReply>(zunionstore[8]).Items!.Count);

        Assert.Equal(Reply.Bulk("command|count"), Assert.IsType<ArrayReply>(reply.Items[3]).Items![0]);
    }

    [Fact]
    public void Command_info_flags_and_tips_follow_the_table()
    {
        var flush = Assert.IsType<ArrayReply>(((ArrayReply)Run("COMMAND INFO flushall")).Items![0]).Items!;
        Assert.Equal(Reply.Array([Reply.Simple("write")]), flush[2]);
        Assert.Equal(Reply.Array([Reply.Simple("@keyspace"), Reply.Simple("@write"), Reply.Simple("@dangerous")]), flush[6]);
        var spop = Assert.IsType<ArrayReply>(((ArrayReply)Run("COMMAND INFO spop")).Items![0]).Items!;
        Assert.Equal(Reply.Array([Reply.Bulk("nondeterministic_output")]), spop[7]);
        var del = Assert.IsType<ArrayReply>(((ArrayReply)Run("COMMAND INFO del")).Items![0]).Items!;
        Assert.Contains("\"lastkey\", :-1", del[8].ToString());
        var command = Assert.IsType<ArrayReply>(((ArrayReply)Run("COMMAND INFO command")).Items![0]).Items!;
        Assert.Equal(6, Assert.IsType<ArrayReply>(command[9]).Items!.Count);
    }

    [Fact]
    public void Command_getkeys()
    {
        Assert.Equal(Reply.BulkArray([Bytes.From("a")]), Run("COMMAND GETKEYS GET a"));
        Assert.Equal(Reply.BulkArray([Bytes.From("a"), Bytes.From("c")]), Run("COMMAND GETKEYS MSET a b c d"));
        Assert.Equal(Reply.BulkArray([Bytes.From("d"), Bytes.From("x"), Bytes.From("y")]), Run("COMMAND GETKEYS ZUNIONSTORE d 2 x y WEIGHTS 1 2"));
        Assert.Equal(Reply.Error("ERR Invalid command specified"), Run("COMMAND GETKEYS nosuch a"));
        Assert.Equal(Reply.Error("ERR The command has no key arguments"), Run("COMMAND GETKEYS PING a"));
        Assert.Equal(Reply.Error("ERR Invalid number of arguments specified for command"), Run("COMMAND GETKEYS GET a b"));
        Assert.Equal(Reply.Error("ERR Invalid arguments specified for command"), Run("COMMAND GETKEYS SINTERCARD 0 a"));
        Assert.Equal(Reply.Error("ERR wrong number of arguments for 'command|getkeys' command"), Run("COMMAND GETKEYS GET"));
    }

    [Fact]
    public void Command_subcommand_errors()
    {
        Assert.Equal(Reply.Error("ERR unknown subcommand 'foo'. Try COMMAND HELP."), Run("COMMAND foo"));
        Assert.Equal(Reply.Error("ERR wrong number of arguments for 'command|count' command"), Run("COMMAND COUNT x"));
        Assert.Equal(Reply.Error("ERR wrong number of arguments for 'command|help' command"), Run("COMMAND help x"));
        var help = Assert.IsType<ArrayReply>(Run("COMMAND HELP")).Items!;
        Assert.Equal(Reply.Simple("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"), help[0]);
        var longName = new string('x', 300);
        Assert.Equal(Reply.Error($"ERR unknown subcommand '{new string('x', 128)}'. Try COMMAND HELP."), Run("COMMAND " + longName));
    }

    static List<string> Names(Reply reply) =>
        Assert.IsType<ArrayReply>(reply).Items!.Select(r => Encoding.UTF8.GetString(((BulkReply)r).Value!)).ToList();

    sealed class SingleKeyspace : IKeyspace
    {
        public KeyState? Get(byte[] key) => null;
        public void Set(byte[] key, KeyState state) { }
        public void Remove(byte[] key) { }
    }

    sealed class CountingStats : IServerStats
    {
        public long ExpiredKeys => 7;
        public PersistenceStats? Persistence => null;
        public KeyspaceStats? Keyspace => null;
    }

    [Fact]
    public void Info_stats_reports_expired_keys_where_the_keyspace_counts_them()
    {
        var counting = new CountingStats();
        Assert.Matches("^# Stats\r\ntotal_commands_processed:\\d+\r\nexpired_keys:7\r\nevicted_keys:0\r\n$", Text(Run("INFO stats", stats: counting)));
        Assert.Contains("expired_keys:7\r\nevicted_keys:0\r\n\r\n# Replication", Text(Run("INFO", stats: counting)));
        Assert.DoesNotContain("# Stats", Text(Run("INFO"))); // the in-memory keyspace does not count
    }

    [Fact]
    public void Info_clients_memory_and_cpu_describe_the_serving_process()
    {
        var info = Text(Run("INFO clients memory cpu", stats: new CountingStats()));
        Assert.Matches("^# Clients\r\nconnected_clients:\\d+\r\n\r\n# Memory\r\nused_memory:\\d+\r\nused_memory_human:[0-9.]+[BKMGTP]\r\n", info);
        Assert.Contains("\r\nmaxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\n", info);
        Assert.Matches("\r\n# CPU\r\nused_cpu_sys:\\d+\\.\\d{6}\r\nused_cpu_user:\\d+\\.\\d{6}\r\nused_cpu_sys_children:0\\.000000\r\nused_cpu_user_children:0\\.000000\r\n$", info);
        var used = long.Parse(info.Split("\r\n").Single(l => l.StartsWith("used_memory:"))["used_memory:".Length..]);
        Assert.InRange(used, 1, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        // Without a host (an in-memory keyspace), there is no serving process to describe.
        Assert.Equal("", Text(Run("INFO clients memory cpu")));
    }
}
