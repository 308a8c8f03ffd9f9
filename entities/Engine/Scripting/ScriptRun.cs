using System.Diagnostics;
using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Scripting;

/// <summary>Why a run was stopped before its end.</summary>
internal enum ScriptStop { Instructions, Time, Memory, KeyspaceReach }

/// <summary>
/// One execution of a script or function (Redis's scriptRunCtx): the commands it runs go to an
/// overlay of the command's keyspace (<see cref="ScriptKeyspace"/>) through a context of its own,
/// under the run's budget, with Redis's checks (script.c's scriptCall: arity, commands scripts may
/// not call, writes in read-only runs).
/// </summary>
internal sealed class ScriptRun
{
    ScriptRun(ScriptLimits limits, string name, bool isEval)
    {
        Limits = limits;
        Name = name;
        IsEval = isEval;
    }

    /// <summary>A run of a script or function over a command's context.</summary>
    public ScriptRun(CommandContext outer, string name, bool isEval, bool readOnly)
        : this(outer.ScriptLimits ?? ScriptLimits.Default, name, isEval)
    {
        Outer = outer;
        ReadOnly = readOnly;
        Keyspace = new ScriptKeyspace(outer.Keyspace);
        Inner = new CommandContext(Keyspace, outer.NowMs, outer.Random)
        {
            Server = outer.Server,
            RecordEvents = outer.RecordEvents,
            Scripts = outer.Scripts,
            ScriptLimits = outer.ScriptLimits,
            ScriptLog = outer.ScriptLog,
        };
        Log = outer.ScriptLog;
        // Redis 7 keeps one generator for the server; a run starts from the command's random source.
        Random = new Rand48((ulong)outer.Random.NextInt64());
    }

    /// <summary>FUNCTION LOAD running a library's code: Redis gives it 500 ms.</summary>
    public static ScriptRun ForLoad(ScriptLimits limits, ScriptLog? log) =>
        new(limits with { TimeLimitMs = limits.TimeLimitMs > 0 ? Math.Min(limits.TimeLimitMs, 500) : 500 }, "", false) { Loading = true, Log = log };

    /// <summary>Where redis.log writes.</summary>
    public ScriptLog? Log { get; private init; }

    public ScriptLimits Limits { get; }

    /// <summary>The script's sha1 or the function's name, as Redis names it in errors.</summary>
    public string Name { get; }

    public bool IsEval { get; }

    public bool Loading { get; private init; }

    /// <summary>EVAL_RO, FCALL_RO, or a script flagged no-writes: write commands are refused.</summary>
    public bool ReadOnly { get; }

    public CommandContext? Outer { get; }
    public CommandContext? Inner { get; }
    public ScriptKeyspace? Keyspace { get; }

    /// <summary>The protocol of the replies redis.call hands the script (redis.setresp).</summary>
    public int Resp { get; set; } = 2;

    public Rand48 Random { get; } = new();

    /// <summary>cjson's settings, as the run's configuration calls left them.</summary>
    public Cjson.Config Cjson { get; } = new();

    public long StartedAt { get; set; }
    public long Instructions { get; set; }

    public ScriptStop? Stopped { get; private set; }
    public string? StopMessage { get; private set; }

    /// <summary>Patterns of keys the run needed listed (SCAN, KEYS... where the keyspace cannot list).</summary>
    public List<byte[]> Patterns { get; } = [];

    /// <summary>Stops the run when it is past its budget (or its allocator refused memory).</summary>
    public void CheckBudget(bool memoryRefused)
    {
        if (Stopped is not null) return;
        if (memoryRefused && Limits.MaxMemoryBytes > 0)
            Stop(ScriptStop.Memory, $"ERR script stopped: it used more than {Limits.MaxMemoryBytes} bytes of memory (the store's script budget); none of its writes were applied");
        else if (Limits.MaxInstructions > 0 && Instructions > Limits.MaxInstructions)
            Stop(ScriptStop.Instructions, $"ERR script stopped after {Limits.MaxInstructions} instructions (the store's script budget); none of its writes were applied");
        else if (Limits.TimeLimitMs > 0 && Stopwatch.GetElapsedTime(StartedAt).TotalMilliseconds > Limits.TimeLimitMs)
            Stop(ScriptStop.Time, $"ERR script stopped after {Limits.TimeLimitMs} ms (lua-time-limit); none of its writes were applied");
        if (Loading && Stopped is not null) StopMessage = "ERR FUNCTION LOAD timeout";
    }

    void Stop(ScriptStop why, string message)
    {
        Stopped = why;
        StopMessage = message;
    }

    /// <summary>
    /// Runs one command for redis.call/pcall (scriptCall): the reply, Redis's refusal as an error
    /// reply, or (a command that needs the whole keyspace where it cannot be listed) the run stopped.
    /// </summary>
    public Reply Execute(byte[][] args)
    {
        var spec = CommandTable.Find(args[0]);
        if (spec is null) return Reply.Error("ERR Unknown Redis command called from script");
        if (!spec.ArityOk(args.Length)) return Reply.Error("ERR Wrong number of args calling Redis command from script");
        if (!AllowedInScripts(spec, args)) return Reply.Error("ERR This Redis command is not allowed from script");
        if (ReadOnly && (spec.IsWrite || spec.Flags.HasFlag(CommandFlags.Publishes)))
            return Reply.Error("ERR Write commands are not allowed from read-only scripts.");
        try
        {
            return spec.Handler(Inner!, args);
        }
        catch (KeyspaceListingException)
        {
            Patterns.Add(ListingPattern(spec, args));
            Stop(ScriptStop.KeyspaceReach, "ERR the script needs keys the store does not hold here");
            throw new ScriptStopped();
        }
        catch (RedisException e)
        {
            return Reply.Error(e.Message);
        }
    }

    /// <summary>Redis's CMD_NOSCRIPT commands of our table (SCRIPT HELP and FUNCTION HELP are allowed).</summary>
    static bool AllowedInScripts(CommandSpec spec, byte[][] args) => spec.Name switch
    {
        "eval" or "evalsha" or "eval_ro" or "evalsha_ro" or "fcall" or "fcall_ro" or "save" or "bgsave" => false,
        "script" or "function" => args.Length == 2 && Encoding.ASCII.GetString(args[1]).Equals("help", StringComparison.OrdinalIgnoreCase),
        _ => true,
    };

    /// <summary>The keys a listing command wanted: KEYS' pattern, SCAN's MATCH, else every key.</summary>
    static byte[] ListingPattern(CommandSpec spec, byte[][] args)
    {
        if (spec.Name == "keys") return args[1];
        if (spec.Name == "scan")
            for (var i = 2; i + 1 < args.Length; i += 2)
                if (Encoding.ASCII.GetString(args[i]).Equals("match", StringComparison.OrdinalIgnoreCase)) return args[i + 1];
        return "*"u8.ToArray();
    }

    /// <summary>
    /// How the run ends for the command that ran it: keys it needed (no writes), its stop (no
    /// writes), or its reply with its writes applied and their keyspace events raised.
    /// </summary>
    public Reply Finish(Reply? reply)
    {
        if (Keyspace!.Undeclared.Count > 0 || Patterns.Count > 0)
            return new KeysNeededReply(Keyspace.Undeclared.ToArray(), Patterns.ToArray());
        if (Stopped is not null || reply is null) return Reply.Error(StopMessage ?? "ERR script stopped");
        Keyspace.Commit();
        if (Inner!.Events is { } events)
            foreach (var e in events) Outer!.Notify(e.Class, e.Name, e.Key);
        Outer!.CountExpired(Inner.ExpiredKeys);
        return reply;
    }
}
