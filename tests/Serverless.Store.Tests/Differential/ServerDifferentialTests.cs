using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>
/// PING, ECHO, TIME, INFO and COMMAND against redis-server. Replies that describe the server
/// itself (INFO's server section, COMMAND COUNT) differ by nature; those tests compare the parts
/// that must agree.
/// </summary>
[Trait("Needs", "redis-server")]
[Collection(RedisCollection.Name)]
public sealed class ServerDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    Reply Engine(string command) => diff.OnEngine(Args(command));

    Reply Redis(string command) => redis.Client.Call(Args(command));

    static byte[][] Args(string command) =>
        Oracle.Differential.Tokenize(command).Select(Encoding.UTF8.GetBytes).ToArray();

    [Fact]
    public void Ping_and_echo() => diff.Run(
        "PING",
        "ping hello",
        "PING \"\"",
        "PING \"a b\"",
        "PING a b",
        "ECHO hello",
        "ECHO \"\"",
        "ECHO",
        "ECHO a b");

    [Fact]
    public void Ping_and_echo_are_binary_safe()
    {
        var binary = new byte[] { 0, 255, 13, 10, (byte)'x' };
        diff.Run([[Bytes("PING"), binary], [Bytes("ECHO"), binary]]);
    }

    static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Time_has_redis_shape_and_is_close()
    {
        diff.Run("TIME x");
        var theirs = Assert.IsType<ArrayReply>(Redis("TIME")).Items!;
        var ours = Assert.IsType<ArrayReply>(Engine("TIME")).Items!;
        Assert.Equal(2, ours.Count);
        long Seconds(Reply r) => long.Parse(Encoding.ASCII.GetString(((BulkReply)r).Value!));
        Assert.InRange(Seconds(ours[0]) - Seconds(theirs[0]), -2, 2);
        Assert.InRange(Seconds(ours[1]), 0, 999_999);
    }

    [Fact]
    public void Info_keyspace_matches_redis()
    {
        void Same()
        {
            // Redis's avg_ttl is an estimate by sampling; ours is exact.
            static string Strip(Reply r) => System.Text.RegularExpressions.Regex.Replace(r.ToString(), "avg_ttl=\\d+", "avg_ttl=");
            Assert.Equal(Strip(Redis("INFO keyspace")), Strip(Engine("INFO keyspace")));
        }
        diff.Reset();
        Same();
        diff.Run("SET a 1", "SET b 2", "SET c 3", "EXPIRE b 1000", "PEXPIRE c 100000");
        Same();
        diff.Run("SET a 1", "PEXPIRE a 1", "SET b 1");
        Thread.Sleep(20);
        // Redis counts an expired key until it is reaped; we never do, so read it first.
        Assert.Equal(Redis("GET a"), Engine("GET a"));
        Same();
        diff.Run("SET a 1", "DEL a");
        Same();
    }

    [Fact]
    public void Info_section_selection_matches_redis_in_shape()
    {
        // Our sections are a subset of Redis's: every header we print, Redis prints for the same request.
        foreach (var request in new[] { "INFO", "INFO default", "INFO all", "INFO server", "INFO SERVER keyspace", "INFO replication", "INFO cluster", "INFO keyspace server" })
        {
            var ours = Headers(Engine(request));
            var theirs = Headers(Redis(request));
            Assert.NotEmpty(ours);
            Assert.All(ours, h => Assert.Contains(h, theirs));
            Assert.Equal(theirs.Where(ours.Contains), ours); // same order
        }
        Assert.Equal(Redis("INFO nosuch"), Engine("INFO nosuch"));
        // The fields we share with Redis's server section have the same spelling and line format.
        var redisFields = Fields(Redis("INFO server"));
        var ourFields = Fields(Engine("INFO server"));
        foreach (var field in new[] { "redis_version", "redis_mode", "arch_bits", "process_id", "server_time_usec", "uptime_in_seconds", "uptime_in_days" })
        {
            Assert.Contains(field, redisFields.Keys);
            Assert.Contains(field, ourFields.Keys);
        }
        Assert.Equal(redisFields["redis_version"], ourFields["redis_version"]);
        Assert.Equal(redisFields["redis_mode"], ourFields["redis_mode"]);
        Assert.Equal(redisFields["arch_bits"], ourFields["arch_bits"]);
        Assert.Equal(Fields(Redis("INFO replication"))["role"], Fields(Engine("INFO replication"))["role"]);
        Assert.Equal(Fields(Redis("INFO cluster"))["cluster_enabled"], Fields(Engine("INFO cluster"))["cluster_enabled"]);
    }

    sealed class HostStats : IServerStats
    {
        public long ExpiredKeys => 0;
        public PersistenceStats? Persistence => null;
        public KeyspaceStats? Keyspace => null;
    }

    [Fact]
    public void Info_clients_memory_stats_and_cpu_use_redis_field_names_in_redis_order()
    {
        // These sections describe the serving process, so the engine prints them only for a host (CommandContext.Server).
        var ours = Text(Commands.Engine.Execute(new CommandContext(new MemoryKeyspace(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) { Server = new HostStats() },
            Args("INFO clients memory stats cpu")));
        var sections = ours.Split("\r\n\r\n").ToDictionary(s => s.Split("\r\n")[0], s => Names(s));
        Assert.Equal(["# Clients", "# Memory", "# Stats", "# CPU"], sections.Keys);
        foreach (var (header, mine) in sections)
        {
            var theirs = Names(Text(Redis("INFO " + header[2..])));
            Assert.NotEmpty(mine);
            Assert.All(mine, f => Assert.Contains(f, theirs));
            Assert.Equal(theirs.Where(mine.Contains), mine); // same order
        }
        // Redis's defaults where ours say the same thing: no memory limit, no eviction.
        foreach (var field in new[] { "maxmemory", "maxmemory_human", "maxmemory_policy" })
            Assert.Equal(Fields(Redis("INFO memory"))[field], Fields(Reply.Bulk(ours))[field]);

        static List<string> Names(string section) =>
            section.Split("\r\n").Where(l => l.Contains(':') && !l.StartsWith('#')).Select(l => l.Split(':', 2)[0]).ToList();
    }

    static List<string> Headers(Reply info) =>
        Text(info).Split("\r\n").Where(l => l.StartsWith('#')).ToList();

    static Dictionary<string, string> Fields(Reply info) =>
        Text(info).Split("\r\n").Where(l => l.Contains(':') && !l.StartsWith('#'))
            .Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1]);

    static string Text(Reply reply) => Encoding.UTF8.GetString(Assert.IsType<BulkReply>(reply).Value!);

    /// <summary>
    /// For every command we have: COMMAND INFO's name, arity and legacy key positions are
    /// Redis's, and our flags, ACL categories and tips are a subset of Redis's.
    /// </summary>
    [Fact]
    public void Command_info_agrees_with_redis_for_every_command()
    {
        var problems = new List<string>();
        var names = CommandTable.All.SelectMany(s => (s.Subcommands ?? []).Select(sub => s.Name + "|" + sub.Name).Prepend(s.Name));
        foreach (var name in names)
        {
            if (Redis("COMMAND INFO " + name) is ArrayReply { Items: [BulkReply { Value: null }] })
            {
                // Newer than redis-server 7.0: its table row follows redis.io's page, checked by the coverage test.
                if (!CommandCoverage.NewerThan70.Contains(name)) problems.Add($"{name}: unknown to redis-server and not listed as newer");
                continue;
            }
            var theirs = Row(Redis("COMMAND INFO " + name));
            var ours = Row(Engine("COMMAND INFO " + name.ToUpperInvariant()));
            for (var i = 0; i < 6; i++)
                if (i != 2 && !theirs[i].Equals(ours[i])) problems.Add($"{name} field {i}: redis {theirs[i]}, ours {ours[i]}");
            foreach (var field in new[] { 2, 6, 7 })
            {
                var extra = Words(ours[field]).Except(Words(theirs[field])).ToList();
                if (extra.Count > 0) problems.Add($"{name} field {field}: {string.Join(' ', extra)} not in redis's {theirs[field]}");
            }
            if (Assert.IsType<ArrayReply>(ours[8]).Items!.Count == 0 && Assert.IsType<ArrayReply>(theirs[8]).Items!.Count > 0)
                problems.Add($"{name}: no key specs");
        }
        Assert.Empty(problems);
    }

    static IReadOnlyList<Reply> Row(Reply reply)
    {
        var row = Assert.IsType<ArrayReply>(Assert.Single(Assert.IsType<ArrayReply>(reply).Items!)).Items!;
        Assert.Equal(10, row.Count);
        return row;
    }

    static IEnumerable<string> Words(Reply array) => Assert.IsType<ArrayReply>(array).Items!.Select(r => r.ToString().TrimStart('+'));

    [Fact]
    public void Command_info_of_unknown_names_is_nil_like_redis()
    {
        Assert.Equal(Redis("COMMAND INFO nosuch"), Engine("COMMAND INFO nosuch"));
        Assert.Equal(Redis("COMMAND INFO nosuch command|nosuch \"\""), Engine("COMMAND INFO nosuch command|nosuch \"\""));
        Assert.Equal(Row(Redis("COMMAND INFO GeT"))[0], Row(Engine("COMMAND INFO GeT"))[0]);
    }

    [Fact]
    public void Command_getkeys_matches_redis() => diff.Run(
        "COMMAND GETKEYS GET a",
        "COMMAND GETKEYS get a",
        "COMMAND GETKEYS SET a b EX 10",
        "COMMAND GETKEYS MSET a 1 b 2",
        "COMMAND GETKEYS MSET a 1 b",
        "COMMAND GETKEYS DEL a b c",
        "COMMAND GETKEYS RENAME a b",
        "COMMAND GETKEYS COPY a b DB 0 REPLACE",
        "COMMAND GETKEYS LMOVE a b LEFT RIGHT",
        "COMMAND GETKEYS SINTERSTORE d a b",
        "COMMAND GETKEYS SINTERCARD 2 a b LIMIT 1",
        "COMMAND GETKEYS SINTERCARD 0 a",
        "COMMAND GETKEYS ZUNION 2 a b WITHSCORES",
        "COMMAND GETKEYS ZUNIONSTORE d 2 a b",
        "COMMAND GETKEYS ZDIFF 1 a",
        "COMMAND GETKEYS nosuch a",
        "COMMAND GETKEYS PING a",
        "COMMAND GETKEYS KEYS *",
        "COMMAND GETKEYS SCAN 0",
        "COMMAND GETKEYS GET",
        "COMMAND GETKEYS GET a b",
        "COMMAND GETKEYS SET a",
        "COMMAND GETKEYS HSET h f",
        "COMMAND GETKEYS command count",
        "COMMAND GETKEYS command foo",
        "COMMAND GETKEYS",
        "COMMAND GETKEYS GET");

    [Fact]
    public void Command_subcommand_errors_match_redis() => diff.Run(
        "COMMAND foo",
        "COMMAND \"\"",
        "COMMAND COUNT x",
        "COMMAND HELP x",
        "COMMAND LIST FILTERBY",
        "COMMAND LIST FILTERBY foo x",
        "COMMAND LIST FILTERBY pattern",
        "COMMAND LIST FILTERBY pattern a b",
        "COMMAND LIST foo",
        "COMMAND LIST FILTERBY MODULE nosuch",
        "COMMAND LIST FILTERBY ACLCAT nosuch",
        "COMMAND LIST FILTERBY pattern nosuch*",
        "COMMAND INFO nosuch");

    [Fact]
    public void Command_list_filters_are_redis_filters_restricted_to_our_commands()
    {
        var ours = new HashSet<string>(Names(Engine("COMMAND LIST")));
        foreach (var filter in new[] { "", " FILTERBY PATTERN z*", " FILTERBY PATTERN *RANGE*", " FILTERBY PATTERN command*", " FILTERBY PATTERN h[a-e]*",
                     " FILTERBY ACLCAT keyspace", " FILTERBY ACLCAT read", " FILTERBY ACLCAT write", " FILTERBY ACLCAT hash", " FILTERBY ACLCAT sortedset",
                     " FILTERBY ACLCAT admin", " FILTERBY ACLCAT dangerous", " FILTERBY ACLCAT connection", " FILTERBY ACLCAT string", " FILTERBY ACLCAT list", " FILTERBY ACLCAT set" })
        {
            var expected = Names(Redis("COMMAND LIST" + filter)).Where(ours.Contains).Order(StringComparer.Ordinal).ToList();
            var actual = Names(Engine("COMMAND LIST" + filter)).Where(n => !CommandCoverage.NewerThan70.Contains(n)).Order(StringComparer.Ordinal).ToList();
            Assert.True(expected.SequenceEqual(actual),
                $"COMMAND LIST{filter}: missing {string.Join(' ', expected.Except(actual))}; extra {string.Join(' ', actual.Except(expected))}");
        }
    }

    [Fact]
    public void Command_help_lines_are_redis_lines()
    {
        var theirs = Assert.IsType<ArrayReply>(Redis("COMMAND HELP")).Items!;
        var ours = Assert.IsType<ArrayReply>(Engine("COMMAND HELP")).Items!;
        Assert.All(ours, line => Assert.Contains(line, theirs));
    }

    static List<string> Names(Reply reply) =>
        Assert.IsType<ArrayReply>(reply).Items!.Select(r => Encoding.UTF8.GetString(((BulkReply)r).Value!)).ToList();

    // ---------- CONFIG ----------

    /// <summary>Runs commands on both sides, then puts redis-server's and the engine's settings back to their defaults.</summary>
    void WithConfig(params string[] commands)
    {
        try
        {
            diff.Run(commands);
        }
        finally
        {
            diff.Run("CONFIG SET notify-keyspace-events \"\" hash-max-listpack-entries 512 hash-max-listpack-value 64 " +
                "set-max-intset-entries 512 zset-max-listpack-entries 128 zset-max-listpack-value 64 busy-reply-threshold 5000");
        }
    }

    [Fact]
    public void Config_get_names_aliases_and_patterns() => WithConfig(
        "CONFIG GET hash-max-listpack-entries",
        "CONFIG GET HASH-MAX-ZIPLIST-ENTRIES",
        "CONFIG GET hash-max-*",
        "CONFIG GET zset-max-*",
        "CONFIG GET *max-intset*",
        "CONFIG GET lua-time-limit",
        "CONFIG GET LUA-time-limit busy-reply-threshold",
        "CONFIG GET busy-reply-threshold lua-time-limit busy-reply-threshold",
        "CONFIG GET notify-keyspace-events",
        "CONFIG GET hash-max-listpack-value hash-max-l*",
        "CONFIG GET nosuch",
        "CONFIG GET",
        "CONFIG HELP extra",
        "CONFIG FOO",
        "CONFIG");

    [Fact]
    public void Config_get_star_holds_ours_with_redis_values()
    {
        var theirs = Pairs(Redis("CONFIG GET *"));
        var ours = Pairs(Engine("CONFIG GET *"));
        Assert.Equal(12, ours.Count); // seven parameters, five with an alias
        Assert.All(ours, pair => Assert.Equal($"{pair.Key} {theirs[pair.Key]}", $"{pair.Key} {pair.Value}"));
    }

    static Dictionary<string, string> Pairs(Reply reply)
    {
        var items = Assert.IsType<ArrayReply>(reply).Items!.Select(r => Encoding.UTF8.GetString(((BulkReply)r).Value!)).ToList();
        return items.Chunk(2).ToDictionary(p => p[0], p => p[1]);
    }

    [Fact]
    public void Config_set_checks_every_value_then_applies_all_or_nothing() => WithConfig(
        "CONFIG SET hash-max-listpack-entries 10",
        "CONFIG GET hash-max-listpack-entries",
        "CONFIG SET HASH-MAX-ZIPLIST-ENTRIES 20 zset-max-listpack-value 1kb",
        "CONFIG GET hash-max-* zset-max-listpack-value",
        "CONFIG SET hash-max-listpack-value 2MB",
        "CONFIG SET hash-max-listpack-value 3g",
        "CONFIG SET hash-max-listpack-value \"\"",
        "CONFIG SET hash-max-listpack-value kb",
        "CONFIG GET hash-max-listpack-value",
        "CONFIG SET hash-max-listpack-value 1.5",
        "CONFIG SET hash-max-listpack-value -1",
        "CONFIG SET hash-max-listpack-value 1tb",
        "CONFIG SET hash-max-listpack-value 99999999999999999999999",
        "CONFIG SET hash-max-listpack-value 9223372036854775808",
        "CONFIG SET hash-max-listpack-value 9223372036854775807",
        "CONFIG SET hash-max-listpack-entries 1kb",
        "CONFIG SET hash-max-listpack-entries -1",
        "CONFIG SET hash-max-listpack-entries x",
        "CONFIG SET hash-max-listpack-entries \"\"",
        "CONFIG SET hash-max-listpack-entries 9223372036854775807",
        "CONFIG SET busy-reply-threshold -1",
        "CONFIG SET lua-time-limit 100",
        "CONFIG GET busy-reply-threshold",
        "CONFIG SET set-max-intset-entries 5 zset-max-listpack-entries x",
        "CONFIG GET set-max-intset-entries",
        "CONFIG SET nosuch 1",
        "CONFIG SET set-max-intset-entries 7 nosuch 1",
        "CONFIG SET nosuch 1 alsonot 2",
        "CONFIG SET set-max-intset-entries 7 SET-MAX-INTSET-ENTRIES 8",
        "CONFIG SET hash-max-listpack-entries 7 hash-max-ziplist-entries 8",
        "CONFIG SET set-max-intset-entries 7 set-max-intset-entries x",
        "CONFIG SET set-max-intset-entries x set-max-intset-entries 7",
        "CONFIG SET set-max-intset-entries 7 nosuch 1 set-max-intset-entries 8",
        "CONFIG GET set-max-intset-entries",
        "CONFIG SET set-max-intset-entries",
        "CONFIG SET set-max-intset-entries 7 zset-max-listpack-value",
        "CONFIG RESETSTAT",
        "CONFIG RESETSTAT x");

    [Fact]
    public void Config_set_notify_keyspace_events_prints_letters_as_redis() => WithConfig(
        "CONFIG SET notify-keyspace-events KEA",
        "CONFIG GET notify-keyspace-events",
        "CONFIG SET notify-keyspace-events Kx",
        "CONFIG GET notify-keyspace-events",
        "CONFIG SET notify-keyspace-events Egm$",
        "CONFIG GET notify-keyspace-events",
        "CONFIG SET notify-keyspace-events KEAnm",
        "CONFIG GET notify-keyspace-events",
        "CONFIG SET notify-keyspace-events tedz",
        "CONFIG GET notify-keyspace-events",
        "CONFIG SET notify-keyspace-events g$lshzxetdKE",
        "CONFIG GET notify-keyspace-events",
        "CONFIG SET notify-keyspace-events KEq",
        "CONFIG SET notify-keyspace-events \" K\"",
        "CONFIG GET notify-keyspace-events",
        "CONFIG SET notify-keyspace-events \"\"",
        "CONFIG GET notify-keyspace-events");

    [Fact]
    public void Encoding_thresholds_decide_encodings_from_the_next_write() => WithConfig(
        "CONFIG SET hash-max-listpack-entries 2 hash-max-listpack-value 4 set-max-intset-entries 2 zset-max-listpack-entries 2 zset-max-listpack-value 4",
        "HSET h a 1 b 2", "OBJECT ENCODING h", "HSET h c 3", "OBJECT ENCODING h",
        "HSET h2 a 12345", "OBJECT ENCODING h2",
        "HSCAN h 0 COUNT 100",
        "SADD s 1 2", "OBJECT ENCODING s", "SADD s 3", "OBJECT ENCODING s",
        "ZADD z 1 a 2 b", "OBJECT ENCODING z", "ZADD z 3 c", "OBJECT ENCODING z",
        "ZADD z2 1 abcde", "OBJECT ENCODING z2",
        "ZADD z3 -0 a", "ZSCORE z3 a",
        "ZADD z4 -0 a 1 b 2 c", "ZSCORE z4 a",
        "CONFIG SET hash-max-listpack-entries 1000 set-max-intset-entries 1000 zset-max-listpack-entries 1000",
        "OBJECT ENCODING h", "OBJECT ENCODING s",
        "HSET h3 a 1 b 2 c 3", "OBJECT ENCODING h3",
        "SADD s2 1 2 3", "OBJECT ENCODING s2",
        "ZUNIONSTORE u 1 z", "OBJECT ENCODING u",
        "ZRANGESTORE r z 0 -1", "OBJECT ENCODING r",
        "CONFIG SET zset-max-listpack-entries 0",
        "ZADD z5 1 a", "OBJECT ENCODING z5",
        "ZRANGESTORE r z 0 -1", "OBJECT ENCODING r");

    [Fact]
    public void Config_without_a_store_answers_get_from_defaults_and_refuses_set()
    {
        var ctx = new CommandContext(new Keyspace.MemoryKeyspace(), 0);
        Assert.Equal(Reply.BulkArray([Encoding.UTF8.GetBytes("set-max-intset-entries"), Encoding.UTF8.GetBytes("512")]),
            Serverless.Store.Commands.Engine.Execute(ctx, Args("CONFIG GET set-max-intset-entries")));
        Assert.StartsWith("ERR CONFIG SET and RESETSTAT need a configuration store",
            Assert.IsType<ErrorReply>(Serverless.Store.Commands.Engine.Execute(ctx, Args("CONFIG SET set-max-intset-entries 1"))).Message);
        Assert.Equal(0, diff.Config.StatResets);
        diff.OnEngine(Args("CONFIG RESETSTAT"));
        Assert.Equal(1, diff.Config.StatResets);
        Assert.Equal(Reply.Error("ERR Unknown option or number of arguments for CONFIG SET - 'maxmemory'"), Engine("CONFIG SET maxmemory 100"));
    }

    // ---------- COMMAND DOCS ----------

    /// <summary>
    /// COMMAND DOCS answers from data generated out of redis-server 7.0.15's own COMMAND DOCS
    /// (tests/tools/command-docs.sh): every command of the table that redis-server has answers
    /// exactly as redis-server does; a container's entry lists only the subcommands the table
    /// has, each as redis-server lists it.
    /// </summary>
    [Fact]
    public void Command_docs_are_redis_docs()
    {
        var problems = new List<string>();
        foreach (var spec in CommandTable.All)
        {
            var theirs = Assert.IsType<ArrayReply>(Redis("COMMAND DOCS " + spec.Name)).Items!;
            var ours = Assert.IsType<ArrayReply>(Engine("COMMAND DOCS " + spec.Name.ToUpperInvariant())).Items!;
            if (theirs.Count == 0)
            {
                // Newer than 7.0: documented from redis.io's pages (CommandDocs.Newer.json).
                if (ours.Count != 2) problems.Add($"{spec.Name}: no docs");
                continue;
            }
            if (spec.Subcommands is null)
            {
                if (!theirs.SequenceEqual(ours)) problems.Add($"{spec.Name}: redis {Reply.Array(theirs)}\n  ours {Reply.Array(ours)}");
                continue;
            }
            var theirMap = Map(theirs[1]);
            var ourMap = Map(ours[1]);
            foreach (var (field, value) in ourMap.Where(f => f.Key != "subcommands"))
                if (!theirMap[field].Equals(value)) problems.Add($"{spec.Name} {field}: redis {theirMap[field]}, ours {value}");
            var theirSubs = Map(theirMap["subcommands"]);
            var ourSubs = Map(ourMap["subcommands"]);
            Assert.Equal(spec.Subcommands.Count, ourSubs.Count);
            foreach (var (name, docs) in ourSubs)
            {
                if (!theirSubs.TryGetValue(name, out var theirDocs)) problems.Add($"{name}: not a redis-server subcommand");
                else if (!theirDocs.Equals(docs)) problems.Add($"{name}: redis {theirDocs}\n  ours {docs}");
                var alone = Assert.IsType<ArrayReply>(Engine("COMMAND DOCS " + name)).Items!;
                Assert.Equal([Reply.Bulk(name), docs], alone);
            }
        }
        Assert.Empty(problems);
    }

    static Dictionary<string, Reply> Map(Reply flat) =>
        Assert.IsType<ArrayReply>(flat).Items!.Chunk(2).ToDictionary(p => Encoding.UTF8.GetString(((BulkReply)p[0]).Value!), p => p[1]);

    [Fact]
    public void Command_docs_of_several_names_all_and_unknown()
    {
        Assert.Equal(Redis("COMMAND DOCS get SET nosuch \"\""), Engine("COMMAND DOCS get SET nosuch \"\""));
        Assert.Equal(Redis("COMMAND DOCS xgroup|create XINFO|STREAM xgroup|nosuch"), Engine("COMMAND DOCS xgroup|create XINFO|STREAM xgroup|nosuch"));
        Assert.Equal(Redis("COMMAND DOCS nosuch"), Engine("COMMAND DOCS nosuch"));
        var all = Map(Engine("COMMAND DOCS"));
        Assert.Equal(CommandTable.All.Select(s => s.Name).Order(), all.Keys.Order());
        Assert.All(CommandTable.All, spec => Assert.True(CommandDocs.Has(spec.Name), spec.Name));
        var generatedFrom = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "entities/Engine/Commands/CommandDocs.json")))
            .RootElement.GetProperty("redis_version").GetString();
        Assert.Equal(Fields(Redis("INFO server"))["redis_version"], generatedFrom);
    }

    static string RepositoryRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Serverless.Store.sln"))) dir = Path.GetDirectoryName(dir)!;
        return dir;
    }
}
