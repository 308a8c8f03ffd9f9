using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// Connection and server commands (server.c): PING, ECHO, TIME, INFO and COMMAND with its
/// COUNT, INFO, LIST, GETKEYS and HELP subcommands. COMMAND describes our own command table
/// in Redis 7's reply shapes; what cannot be derived from the table is left out rather than
/// made up (see <see cref="CommandInfo"/>).
/// </summary>
public static class Server
{
    /// <summary>The Redis version clients see: the one whose behaviour this store follows.</summary>
    public const string RedisVersion = "7.0.15";

    static readonly Reply Pong = Reply.Simple("PONG");

    public static Reply Ping(CommandContext ctx, byte[][] args) => args.Length switch
    {
        1 => Pong,
        2 => Reply.Bulk(args[1]),
        _ => throw new RedisException(Errors.WrongArity("ping")),
    };

    public static Reply Echo(CommandContext ctx, byte[][] args) => Reply.Bulk(args[1]);

    /// <summary>[unix seconds, microseconds] of the command's clock.</summary>
    public static Reply Time(CommandContext ctx, byte[][] args)
    {
        var seconds = Math.DivRem(ctx.NowMs, 1000, out var ms);
        return Reply.Array([Reply.Bulk(Numbers.ToBytes(seconds)), Reply.Bulk(Numbers.ToBytes(ms * 1000))]);
    }

    // ---------------------------------------------------------------- INFO

    static readonly string StoreVersion = typeof(Server).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    static readonly long ProcessStartMs = StartTimeMs();

    static long StartTimeMs()
    {
        try { return new DateTimeOffset(Process.GetCurrentProcess().StartTime.ToUniversalTime()).ToUnixTimeMilliseconds(); }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        }
    }

    /// <summary>The INFO sections this store can fill honestly, in Redis's order.</summary>
    static readonly string[] InfoSections = ["server", "persistence", "stats", "replication", "cluster", "keyspace"];

    /// <summary>
    /// INFO [section ...]: no argument, "default", "all" and "everything" give every section we
    /// have; unknown sections are ignored (an empty reply if nothing is left), as in Redis.
    /// Keyspace counts exclude expired keys; it is left out where the keyspace cannot be listed.
    /// </summary>
    public static Reply Info(CommandContext ctx, byte[][] args)
    {
        var wanted = new HashSet<string>();
        var everything = args.Length == 1;
        for (var i = 1; i < args.Length; i++)
        {
            var name = Encoding.UTF8.GetString(args[i]).ToLowerInvariant();
            if (name is "default" or "all" or "everything") everything = true;
            wanted.Add(name);
        }

        var sb = new StringBuilder();
        var sections = 0;
        foreach (var section in InfoSections)
        {
            if (!everything && !wanted.Contains(section)) continue;
            if (section == "keyspace" && ctx.Server?.Keyspace is null && ctx.Keyspace is not IEnumerableKeyspace) continue;
            if (section == "stats" && ctx.Server is null) continue;
            if (section == "persistence" && ctx.Server?.Persistence is null) continue;
            if (sections++ > 0) sb.Append("\r\n");
            switch (section)
            {
                case "server": ServerSection(ctx, sb); break;
                case "persistence": PersistenceSection(ctx.Server!.Persistence!, sb); break;
                case "stats":
                    sb.Append("# Stats\r\nexpired_keys:").Append(ctx.Server!.ExpiredKeys.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
                    break;
                case "replication": sb.Append("# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"); break;
                case "cluster": sb.Append("# Cluster\r\ncluster_enabled:0\r\n"); break;
                case "keyspace": KeyspaceSection(ctx, sb); break;
            }
        }
        return Reply.Bulk(sb.ToString());
    }

    static void ServerSection(CommandContext ctx, StringBuilder sb)
    {
        var uptime = Math.Max(0, ctx.NowMs - ProcessStartMs) / 1000;
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# Server\r\n")
            .Append("redis_version:").Append(RedisVersion).Append("\r\n")
            .Append("serverless_store_version:").Append(StoreVersion).Append("\r\n")
            .Append("redis_mode:standalone\r\n")
            .Append("os:").Append(RuntimeInformation.OSDescription).Append(' ').Append(RuntimeInformation.OSArchitecture).Append("\r\n")
            .Append("arch_bits:").Append((IntPtr.Size * 8).ToString(inv)).Append("\r\n")
            .Append("process_id:").Append(Environment.ProcessId.ToString(inv)).Append("\r\n")
            .Append("server_time_usec:").Append((ctx.NowMs * 1000).ToString(inv)).Append("\r\n")
            .Append("uptime_in_seconds:").Append(uptime.ToString(inv)).Append("\r\n")
            .Append("uptime_in_days:").Append((uptime / 86400).ToString(inv)).Append("\r\n");
    }

    /// <summary>
    /// The snapshot service's numbers, in Redis's order and names, as this process knows them.
    /// rdb_changes_since_last_save is left out: writes land in key entities across instances, and
    /// no process sees them all (docs/snapshots.md).
    /// </summary>
    static void PersistenceSection(PersistenceStats stats, StringBuilder sb)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# Persistence\r\nloading:0\r\n")
            .Append("rdb_bgsave_in_progress:").Append(stats.BgsaveInProgress ? '1' : '0').Append("\r\n")
            .Append("rdb_last_save_time:").Append(stats.LastSaveUnix.ToString(inv)).Append("\r\n")
            .Append("rdb_last_bgsave_status:").Append(stats.LastBgsaveOk ? "ok" : "err").Append("\r\n")
            .Append("rdb_last_bgsave_time_sec:").Append(stats.LastBgsaveSeconds.ToString(inv)).Append("\r\n")
            .Append("rdb_saves:").Append(stats.Saves.ToString(inv)).Append("\r\n");
    }

    /// <summary>db0:keys=N,expires=M,avg_ttl=ms: only when the database has keys, as in Redis.</summary>
    static void KeyspaceSection(CommandContext ctx, StringBuilder sb)
    {
        sb.Append("# Keyspace\r\n");
        var stats = ctx.Server?.Keyspace ?? Count(ctx);
        if (stats.Keys == 0) return;
        sb.Append(CultureInfo.InvariantCulture, $"db0:keys={stats.Keys},expires={stats.Expires},avg_ttl={stats.AvgTtlMs}\r\n");
    }

    /// <summary>The keyspace's counts from an enumerable keyspace (expired keys excluded).</summary>
    public static KeyspaceStats Count(CommandContext ctx)
    {
        long keys = 0, expires = 0;
        Int128 ttlSum = 0; // remaining TTLs can add up past 64 bits
        Keys.ForEachLive(ctx, (_, state) =>
        {
            keys++;
            if (state.ExpiresAt is { } at)
            {
                expires++;
                ttlSum += at - ctx.NowMs;
            }
        });
        // Redis estimates avg_ttl by sampling; we know it exactly.
        return new KeyspaceStats(keys, expires, expires == 0 ? 0 : (long)(ttlSum / expires));
    }

    // ---------------------------------------------------------------- COMMAND

    /// <summary>COMMAND's own subcommands: (name, arity) as Redis 7.0 declares them.</summary>
    static readonly (string Name, int Arity)[] CommandSubcommands =
        [("count", 2), ("getkeys", -4), ("help", 2), ("info", -2), ("list", -2)];

    static readonly string[] HelpLines =
    [
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "HELP",
        "    Prints this help.",
    ];

    /// <summary>Every COMMAND INFO entry, built once (the table never changes).</summary>
    static readonly Lazy<Dictionary<string, Reply>> Infos = new(BuildInfos);

    static Dictionary<string, Reply> BuildInfos()
    {
        var infos = new Dictionary<string, Reply>(StringComparer.OrdinalIgnoreCase);
        foreach (var spec in CommandTable.All) infos[spec.Name] = CommandInfo(spec);
        foreach (var sub in CommandSubcommands) infos["command|" + sub.Name] = SubcommandInfo(sub.Name, sub.Arity);
        return infos;
    }

    public static Reply Command(CommandContext ctx, byte[][] args)
    {
        if (args.Length == 1) return AllInfos();
        var sub = args[1].Length > 32 ? null : Encoding.ASCII.GetString(args[1]).ToLowerInvariant();
        var arity = 0;
        foreach (var s in CommandSubcommands)
            if (s.Name == sub) arity = s.Arity;
        if (arity == 0)
            throw new RedisException($"ERR unknown subcommand '{Clip(args[1], 128)}'. Try COMMAND HELP.");
        if (arity > 0 ? args.Length != arity : args.Length < -arity)
            throw new RedisException(Errors.WrongArity("command|" + sub));

        switch (sub)
        {
            case "count":
                return Reply.Integer(CommandTable.All.Count);
            case "help":
                return Reply.Array(HelpLines.Select(Reply.Simple).ToArray());
            case "info":
                if (args.Length == 2) return AllInfos();
                var found = new Reply[args.Length - 2];
                for (var i = 2; i < args.Length; i++)
                    found[i - 2] = Infos.Value.GetValueOrDefault(Encoding.UTF8.GetString(args[i])) ?? Reply.Nil;
                return Reply.Array(found);
            case "list":
                return CommandList(args);
            default:
                return GetKeys(args);
        }
    }

    static Reply AllInfos() => Reply.Array(CommandTable.All.Select(s => Infos.Value[s.Name]).ToArray());

    /// <summary>COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern].</summary>
    static Reply CommandList(byte[][] args)
    {
        string? filter = null;
        byte[]? argument = null;
        for (var i = 2; i < args.Length; i++)
        {
            if (Lower(args[i]) == "filterby" && args.Length - 1 - i == 2)
            {
                filter = Lower(args[i + 1]);
                if (filter is not ("module" or "aclcat" or "pattern")) throw new RedisException(Errors.Syntax);
                argument = args[i + 2];
                i += 2;
            }
            else
            {
                throw new RedisException(Errors.Syntax);
            }
        }

        var names = new List<Reply>();
        foreach (var spec in CommandTable.All)
        {
            var subcommands = spec.Name == "command" ? CommandSubcommands.Select(s => "command|" + s.Name) : [];
            foreach (var name in subcommands.Prepend(spec.Name))
            {
                var keep = filter switch
                {
                    null => true,
                    "module" => false, // no modules here
                    "aclcat" => Categories(spec).Contains("@" + Lower(argument!)),
                    // Redis matches names case-insensitively; names are lower case, so lowering
                    // the pattern is the same thing.
                    _ => Glob.Match(Encoding.ASCII.GetBytes(Lower(argument!)), Encoding.ASCII.GetBytes(name)),
                };
                if (keep) names.Add(Reply.Bulk(name));
            }
        }
        return Reply.Array(names);
    }

    /// <summary>COMMAND GETKEYS command args...: the keys as the command table finds them.</summary>
    static Reply GetKeys(byte[][] args)
    {
        var command = args[2..];
        var spec = CommandTable.Find(command[0]) ?? throw new RedisException("ERR Invalid command specified");
        if (spec.Name == "command" && command.Length > 1)
        {
            // A container command: Redis looks the subcommand up first.
            var sub = Lower(command[1]);
            if (!CommandSubcommands.Any(s => s.Name == sub)) throw new RedisException("ERR Invalid command specified");
        }
        if (spec.FirstKey == 0 && spec.MovableKeys is null) throw new RedisException("ERR The command has no key arguments");
        if (!spec.ArityOk(command.Length)) throw new RedisException("ERR Invalid number of arguments specified for command");
        var positions = spec.KeyPositions(command);
        if (positions.Count == 0)
        {
            // EVAL and FCALL may name no key (Redis's CMD_NO_MANDATORY_KEYS).
            if (spec.Handler.Method.DeclaringType == typeof(Scripting.ScriptCommands)) return Reply.EmptyArray;
            throw new RedisException("ERR Invalid arguments specified for command");
        }
        var keys = new Reply[positions.Count];
        for (var i = 0; i < keys.Length; i++) keys[i] = Reply.Bulk(command[positions[i]]);
        return Reply.Array(keys);
    }

    /// <summary>
    /// One COMMAND INFO entry in Redis 7's shape: name, arity, flags, first key, last key, step,
    /// ACL categories, tips, key specs, subcommands. Flags, categories and tips are the Redis
    /// words our table's flags imply; words we cannot derive (fast, denyoom, @slow...) are left
    /// out, so ours are a subset of Redis's.
    /// </summary>
    static Reply CommandInfo(CommandSpec spec)
    {
        var flags = new List<Reply>();
        var container = spec.Flags.HasFlag(CommandFlags.Container); // XGROUP, XINFO: Redis shows none of these
        if (spec.IsWrite && !container) flags.Add(Reply.Simple("write"));
        if (spec.IsReadOnly && !container) flags.Add(Reply.Simple("readonly"));
        // Our Admin (needs the full-access token) is wider than Redis's admin flag (FLUSHALL lacks it).
        if (spec.MovableKeys is not null && !container) flags.Add(Reply.Simple("movablekeys"));

        var tips = new List<Reply>();
        if (spec.Flags.HasFlag(CommandFlags.Nondeterministic)) tips.Add(Reply.Bulk("nondeterministic_output"));

        var subcommands = spec.Name == "command"
            ? CommandSubcommands.Select(s => SubcommandInfo(s.Name, s.Arity)).ToArray()
            : [];

        return Reply.Array(
        [
            Reply.Bulk(spec.Name),
            Reply.Integer(spec.Arity),
            Reply.Array(flags),
            Reply.Integer(spec.FirstKey),
            Reply.Integer(spec.LastKey),
            Reply.Integer(spec.Step),
            Reply.Array(Categories(spec).Select(Reply.Simple).ToArray()),
            Reply.Array(tips),
            Reply.Array(container ? [] : KeySpecs(spec)),
            Reply.Array(subcommands),
        ]);
    }

    static Reply SubcommandInfo(string name, int arity) => Reply.Array(
    [
        Reply.Bulk("command|" + name),
        Reply.Integer(arity),
        Reply.EmptyArray,
        Reply.Zero,
        Reply.Zero,
        Reply.Zero,
        Reply.Array([Reply.Simple("@connection")]),
        Reply.EmptyArray,
        Reply.EmptyArray,
        Reply.EmptyArray,
    ]);

    /// <summary>ACL categories implied by the table, in Redis's category order.</summary>
    static List<string> Categories(CommandSpec spec)
    {
        var group = spec.Handler.Method.DeclaringType;
        var categories = new List<string>();
        if (spec.Flags.HasFlag(CommandFlags.Container)) return categories; // Redis lists only @slow for XGROUP, XINFO
        if (group == typeof(Scripting.ScriptCommands)) return ["@scripting"]; // EVAL_RO too: Redis gives scripts no @read
        if (group == typeof(Keys)) categories.Add("@keyspace");
        if (spec.IsReadOnly) categories.Add("@read");
        if (spec.IsWrite) categories.Add("@write");
        if (group == typeof(Sets)) categories.Add("@set");
        if (group == typeof(SortedSets)) categories.Add("@sortedset");
        if (group == typeof(Lists)) categories.Add("@list");
        if (group == typeof(Hashes)) categories.Add("@hash");
        if (group == typeof(Strings)) categories.Add("@string");
        if (group == typeof(Streams)) categories.Add("@stream");
        if (spec.Service == HostService.Snapshots) categories.Add("@admin"); // SAVE, BGSAVE, LASTSAVE
        // KEYS (O(n) in one go) and INFO (exposes the server) are Redis's other dangerous commands.
        if (spec.Flags.HasFlag(CommandFlags.Admin) || spec.Name is "keys" or "info") categories.Add("@dangerous");
        if (spec.Name is "ping" or "echo" or "command") categories.Add("@connection");
        if (spec.Flags.HasFlag(CommandFlags.Publishes)) categories.Add("@pubsub"); // PUBSUB itself is only @slow in Redis (its subcommands are @pubsub)
        return categories;
    }

    /// <summary>
    /// Key specs from the legacy first/last/step triple: one index/range spec. Commands whose keys
    /// move with a numkeys argument get Redis's "unknown" spec for those. The access flags are
    /// the worst case (as Redis says of EVAL's keys): RO/access for reads, RW/access/update for writes.
    /// </summary>
    static Reply[] KeySpecs(CommandSpec spec)
    {
        var specs = new List<Reply>();
        var flags = Reply.Array(spec.IsWrite
            ? [Reply.Simple("RW"), Reply.Simple("access"), Reply.Simple("update")]
            : [Reply.Simple("RO"), Reply.Simple("access")]);
        if (spec.FirstKey > 0)
        {
            var lastKey = spec.LastKey < 0 ? spec.LastKey : spec.LastKey - spec.FirstKey;
            specs.Add(Reply.Array(
            [
                Reply.Bulk("flags"), flags,
                Reply.Bulk("begin_search"), Reply.Array([Reply.Bulk("type"), Reply.Bulk("index"), Reply.Bulk("spec"),
                    Reply.Array([Reply.Bulk("index"), Reply.Integer(spec.FirstKey)])]),
                Reply.Bulk("find_keys"), Reply.Array([Reply.Bulk("type"), Reply.Bulk("range"), Reply.Bulk("spec"),
                    Reply.Array([Reply.Bulk("lastkey"), Reply.Integer(lastKey), Reply.Bulk("keystep"), Reply.Integer(spec.Step),
                        Reply.Bulk("limit"), Reply.Zero])]),
            ]));
        }
        if (spec.MovableKeys is not null)
        {
            specs.Add(Reply.Array(
            [
                Reply.Bulk("flags"), flags,
                Reply.Bulk("begin_search"), Reply.Array([Reply.Bulk("type"), Reply.Bulk("unknown"), Reply.Bulk("spec"), Reply.EmptyArray]),
                Reply.Bulk("find_keys"), Reply.Array([Reply.Bulk("type"), Reply.Bulk("unknown"), Reply.Bulk("spec"), Reply.EmptyArray]),
            ]));
        }
        return specs.ToArray();
    }

    static string Lower(byte[] arg) => Encoding.UTF8.GetString(arg).ToLowerInvariant();

    static string Clip(byte[] b, int max) => Encoding.UTF8.GetString(b, 0, Math.Min(b.Length, max));
}
