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

    /// <summary>[unix seconds, microseconds] of the command's clock (<see cref="CommandContext.NowMicros"/>).</summary>
    public static Reply Time(CommandContext ctx, byte[][] args)
    {
        var seconds = Math.DivRem(ctx.NowMicros, 1_000_000, out var micros);
        return Reply.Array([Reply.Bulk(Numbers.ToBytes(seconds)), Reply.Bulk(Numbers.ToBytes(micros))]);
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
    static readonly string[] InfoSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "cluster", "keyspace"];

    /// <summary>Sections about the serving process: printed where a host serves the commands (<see cref="CommandContext.Server"/>).</summary>
    static readonly HashSet<string> HostSections = ["clients", "memory", "stats", "cpu"];

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
            if (HostSections.Contains(section) && ctx.Server is null) continue;
            if (section == "persistence" && ctx.Server?.Persistence is null) continue;
            if (sections++ > 0) sb.Append("\r\n");
            switch (section)
            {
                case "server": ServerSection(ctx, sb); break;
                case "persistence": PersistenceSection(ctx.Server!.Persistence!, sb); break;
                case "clients": ClientsSection(sb); break;
                case "memory": MemorySection(sb); break;
                case "stats": StatsSection(ctx.Server!, sb); break;
                case "cpu": CpuSection(sb); break;
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
            .Append("server_time_usec:").Append(ctx.NowMicros.ToString(inv)).Append("\r\n")
            .Append("uptime_in_seconds:").Append(uptime.ToString(inv)).Append("\r\n")
            .Append("uptime_in_days:").Append((uptime / 86400).ToString(inv)).Append("\r\n");
    }

    /// <summary>
    /// REST has no connections: a client is a request this process is serving now. The fields
    /// Redis has for connections (buffers, tracking, timeouts) have no meaning here and are left out.
    /// </summary>
    static void ClientsSection(StringBuilder sb) =>
        sb.Append("# Clients\r\nconnected_clients:").Append(ProcessActivity.RequestsInFlight.ToString(CultureInfo.InvariantCulture)).Append("\r\n");

    /// <summary>
    /// This process's memory: the managed heap as used_memory, the working set as used_memory_rss, the
    /// memory the runtime may use as total_system_memory; no maxmemory and no eviction (the keys live in
    /// storage, not in this process). Allocator and dataset fields have no honest value and are left out.
    /// </summary>
    static void MemorySection(StringBuilder sb)
    {
        static void Field(StringBuilder sb, string name, long bytes) =>
            sb.Append(name).Append(':').Append(bytes.ToString(CultureInfo.InvariantCulture)).Append("\r\n")
              .Append(name).Append("_human:").Append(Human(bytes)).Append("\r\n");
        sb.Append("# Memory\r\n");
        Field(sb, "used_memory", GC.GetTotalMemory(forceFullCollection: false));
        Field(sb, "used_memory_rss", Environment.WorkingSet);
        Field(sb, "total_system_memory", GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        sb.Append("maxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\n");
    }

    /// <summary>Bytes as Redis's bytesToHuman writes them (B, K, M, G... with two decimals).</summary>
    static string Human(long bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + "B";
        double value = bytes;
        foreach (var unit in new[] { "K", "M", "G", "T", "P" })
        {
            value /= 1024;
            if (value < 1024 || unit == "P") return value.ToString("F2", CultureInfo.InvariantCulture) + unit;
        }
        return bytes.ToString(CultureInfo.InvariantCulture) + "B";
    }

    /// <summary>Commands this process ran, keys its entity worker expired, and no eviction ever.</summary>
    static void StatsSection(IServerStats stats, StringBuilder sb) =>
        sb.Append("# Stats\r\ntotal_commands_processed:").Append(ProcessActivity.CommandsProcessed.ToString(CultureInfo.InvariantCulture))
          .Append("\r\nexpired_keys:").Append(stats.ExpiredKeys.ToString(CultureInfo.InvariantCulture))
          .Append("\r\nevicted_keys:0\r\n");

    /// <summary>This process's CPU seconds, as Redis prints its own (six decimals); it starts no child processes.</summary>
    static void CpuSection(StringBuilder sb)
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# CPU\r\nused_cpu_sys:").Append(process.PrivilegedProcessorTime.TotalSeconds.ToString("F6", inv))
          .Append("\r\nused_cpu_user:").Append(process.UserProcessorTime.TotalSeconds.ToString("F6", inv))
          .Append("\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n");
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

    // ---------------------------------------------------------------- MEMORY

    static readonly string[] MemoryHelp =
    [
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
    ];

    /// <summary>
    /// MEMORY USAGE key [SAMPLES count], MEMORY HELP. A key's memory here is its stored state: the
    /// key's bytes plus its state as the entity stores it (JSON, see <see cref="KeyState"/>),
    /// computed whole, so SAMPLES (Redis's sampling of large values) is checked and not needed.
    /// </summary>
    public static Reply Memory(CommandContext ctx, byte[][] args)
    {
        if (Lower(args[1]) == "help") return Reply.Help("MEMORY", MemoryHelp);
        for (var j = 3; j < args.Length; j++)
        {
            if (Lower(args[j]) != "samples" || j + 1 >= args.Length) throw new RedisException(Errors.Syntax);
            if (Numbers.ParseLong(args[++j]) < 0) throw new RedisException(Errors.Syntax);
        }
        var state = ctx.Lookup(args[2]);
        if (state is null) return Reply.Nil;
        return Reply.Integer(args[2].Length + System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state).Length);
    }

    // ---------------------------------------------------------------- COMMAND

    static readonly string[] CommandHelp =
    [
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
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
    ];

    /// <summary>Every COMMAND INFO entry by full name ("get", "xgroup|create"), built once (the table never changes).</summary>
    static readonly Lazy<Dictionary<string, Reply>> Infos = new(BuildInfos);

    static Dictionary<string, Reply> BuildInfos()
    {
        var infos = new Dictionary<string, Reply>(StringComparer.OrdinalIgnoreCase);
        foreach (var spec in CommandTable.All)
        {
            infos[spec.Name] = CommandInfo(spec);
            foreach (var sub in spec.Subcommands ?? []) infos[spec.Name + "|" + sub.Name] = SubcommandInfo(spec, sub);
        }
        return infos;
    }

    /// <summary>COMMAND [COUNT | LIST | INFO | DOCS | GETKEYS | HELP]: the engine checked the subcommand and its arity.</summary>
    public static Reply Command(CommandContext ctx, byte[][] args)
    {
        if (args.Length == 1) return AllInfos();
        switch (Lower(args[1]))
        {
            case "count":
                return Reply.Integer(CommandTable.All.Count);
            case "help":
                return Reply.Help("COMMAND", CommandHelp);
            case "info":
                if (args.Length == 2) return AllInfos();
                var found = new Reply[args.Length - 2];
                for (var i = 2; i < args.Length; i++)
                    found[i - 2] = Infos.Value.GetValueOrDefault(Encoding.UTF8.GetString(args[i])) ?? Reply.Nil;
                return Reply.Array(found);
            case "docs":
                return CommandDocs.Reply(args.Length == 2 ? null : args[2..].Select(Encoding.UTF8.GetString));
            case "list":
                return CommandList(args);
            default:
                return GetKeys(args);
        }
    }

    static Reply AllInfos() => Reply.Array(CommandTable.All.Select(s => Infos.Value[s.Name]).ToArray());

    /// <summary>COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: commands and their subcommands.</summary>
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
            var rows = (spec.Subcommands ?? []).Select(sub => (Name: spec.Name + "|" + sub.Name, Sub: (SubcommandSpec?)sub))
                .Prepend((spec.Name, null));
            foreach (var (name, sub) in rows)
            {
                var keep = filter switch
                {
                    null => true,
                    "module" => false, // no modules here
                    "aclcat" => Categories(spec, sub).Contains("@" + Lower(argument!)),
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
        int firstKey = spec.FirstKey, arity = spec.Arity;
        var movable = spec.MovableKeys is not null;
        if (spec.Subcommands is not null && command.Length > 1)
        {
            // A container: Redis looks the subcommand up first.
            var sub = spec.FindSubcommand(command[1]) ?? throw new RedisException("ERR Invalid command specified");
            (firstKey, arity, movable) = (sub.FirstKey, sub.Arity, false);
        }
        if (firstKey == 0 && !movable) throw new RedisException("ERR The command has no key arguments");
        if (arity >= 0 ? command.Length != arity : command.Length < -arity)
            throw new RedisException("ERR Invalid number of arguments specified for command");
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
    /// out, so ours are a subset of Redis's. A container (XGROUP, OBJECT, CONFIG...) shows none
    /// of its own, as in Redis, and its subcommands' entries.
    /// </summary>
    static Reply CommandInfo(CommandSpec spec)
    {
        var container = spec.Subcommands is not null;
        return InfoEntry(spec.Name, spec.Arity, container ? CommandFlags.None : spec.Flags, spec.MovableKeys is not null && !container,
            spec.FirstKey, spec.LastKey, spec.Step, Categories(spec, null), container ? [] : KeySpecs(spec.Flags, spec.FirstKey, spec.LastKey, spec.Step, spec.MovableKeys is not null),
            (spec.Subcommands ?? []).Select(sub => SubcommandInfo(spec, sub)).ToArray());
    }

    static Reply SubcommandInfo(CommandSpec spec, SubcommandSpec sub) =>
        InfoEntry(spec.Name + "|" + sub.Name, sub.Arity, sub.Flags, false, sub.FirstKey, sub.LastKey, sub.Step,
            Categories(spec, sub), KeySpecs(sub.Flags, sub.FirstKey, sub.LastKey, sub.Step, movable: false), []);

    static Reply InfoEntry(string name, int arity, CommandFlags flags, bool movable, int firstKey, int lastKey, int step,
        List<string> categories, Reply[] keySpecs, Reply[] subcommands)
    {
        var words = new List<Reply>();
        if (flags.HasFlag(CommandFlags.Write)) words.Add(Reply.Simple("write"));
        if (flags.HasFlag(CommandFlags.ReadOnly)) words.Add(Reply.Simple("readonly"));
        // Our Admin (needs the full-access token) is wider than Redis's admin flag (FLUSHALL lacks it).
        if (flags.HasFlag(CommandFlags.Blocking)) words.Add(Reply.Simple("blocking"));
        if (movable) words.Add(Reply.Simple("movablekeys"));

        var tips = new List<Reply>();
        if (flags.HasFlag(CommandFlags.Nondeterministic)) tips.Add(Reply.Bulk("nondeterministic_output"));

        return Reply.Array(
        [
            Reply.Bulk(name),
            Reply.Integer(arity),
            Reply.Array(words),
            Reply.Integer(firstKey),
            Reply.Integer(lastKey),
            Reply.Integer(step),
            Reply.Array(categories.Select(Reply.Simple).ToArray()),
            Reply.Array(tips),
            Reply.Array(keySpecs),
            Reply.Array(subcommands),
        ]);
    }

    /// <summary>ACL categories implied by the table (for a subcommand: its container's group, its own flags).</summary>
    static List<string> Categories(CommandSpec spec, SubcommandSpec? sub)
    {
        var categories = new List<string>();
        if (spec.Subcommands is not null && sub is null)
        {
            // A container has only @slow in Redis, and COMMAND @connection too.
            if (spec.Name == "command") categories.Add("@connection");
            return categories;
        }
        var flags = sub?.Flags ?? spec.Flags;
        var group = spec.Handler.Method.DeclaringType;
        // EVAL_RO too: Redis gives scripts no @read; FUNCTION's writing subcommands are @write.
        if (group == typeof(Scripting.ScriptCommands)) return flags.HasFlag(CommandFlags.Write) ? ["@write", "@scripting"] : ["@scripting"];
        if (group == typeof(Keys) || group == typeof(Objects) || group == typeof(Dump)) categories.Add("@keyspace");
        if (flags.HasFlag(CommandFlags.ReadOnly)) categories.Add("@read");
        if (flags.HasFlag(CommandFlags.Write)) categories.Add("@write");
        if (group == typeof(Sets) || group == typeof(Sort)) categories.Add("@set");
        if (group == typeof(SortedSets) || group == typeof(Sort)) categories.Add("@sortedset");
        if (group == typeof(Lists) || group == typeof(Sort)) categories.Add("@list");
        if (group == typeof(Hashes)) categories.Add("@hash");
        if (group == typeof(Strings)) categories.Add("@string");
        if (group == typeof(Bitmaps)) categories.Add("@bitmap");
        if (group == typeof(HyperLogLog)) categories.Add("@hyperloglog");
        if (group == typeof(Geo)) categories.Add("@geo");
        if (group == typeof(Streams)) categories.Add("@stream");
        if (spec.Service == HostService.Snapshots || flags.HasFlag(CommandFlags.Admin) && spec.Name == "config") categories.Add("@admin");
        if (flags.HasFlag(CommandFlags.Blocking)) categories.Add("@blocking");
        // KEYS (O(n) in one go), INFO (exposes the server), SORT (reads keys it does not name),
        // RESTORE and SWAPDB are Redis's other dangerous commands.
        if (flags.HasFlag(CommandFlags.Admin) || spec.Name is "keys" or "info" or "sort" or "sort_ro" or "restore" or "swapdb")
            categories.Add("@dangerous");
        if (spec.Name is "ping" or "echo" or "command") categories.Add("@connection");
        if (flags.HasFlag(CommandFlags.Publishes)) categories.Add("@pubsub"); // PUBSUB itself is only @slow in Redis (its subcommands are @pubsub)
        return categories;
    }

    /// <summary>
    /// Key specs from the legacy first/last/step triple: one index/range spec. Commands whose keys
    /// move with their arguments get Redis's "unknown" spec for those. The access flags are the
    /// worst case (as Redis says of EVAL's keys): RO/access for reads, RW/access/update for writes.
    /// </summary>
    static Reply[] KeySpecs(CommandFlags commandFlags, int firstKey, int lastKey, int step, bool movable)
    {
        var specs = new List<Reply>();
        var flags = Reply.Array(commandFlags.HasFlag(CommandFlags.Write)
            ? [Reply.Simple("RW"), Reply.Simple("access"), Reply.Simple("update")]
            : [Reply.Simple("RO"), Reply.Simple("access")]);
        if (firstKey > 0)
        {
            var last = lastKey < 0 ? lastKey : lastKey - firstKey;
            specs.Add(Reply.Array(
            [
                Reply.Bulk("flags"), flags,
                Reply.Bulk("begin_search"), Reply.Array([Reply.Bulk("type"), Reply.Bulk("index"), Reply.Bulk("spec"),
                    Reply.Array([Reply.Bulk("index"), Reply.Integer(firstKey)])]),
                Reply.Bulk("find_keys"), Reply.Array([Reply.Bulk("type"), Reply.Bulk("range"), Reply.Bulk("spec"),
                    Reply.Array([Reply.Bulk("lastkey"), Reply.Integer(last), Reply.Bulk("keystep"), Reply.Integer(step),
                        Reply.Bulk("limit"), Reply.Zero])]),
            ]));
        }
        if (movable)
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
}
