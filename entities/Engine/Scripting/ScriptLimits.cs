namespace Serverless.Store.Scripting;

/// <summary>
/// The budget one script run gets; past it the run is stopped with an error and none of its writes
/// apply. Redis never stops a script by itself (past lua-time-limit it answers BUSY and waits for
/// SCRIPT KILL); a store whose scripts hold a key's entity stops them instead. Instructions are
/// counted by a Lua count hook (deterministic: a replayed run stops at the same place); time is
/// checked by the same hook; memory is every byte the Lua state allocates (its allocator refuses
/// past the limit, and the run stops).
/// </summary>
public sealed record ScriptLimits
{
    /// <summary>The defaults: about a second of Lua on a small machine, Redis's lua-time-limit, 64 MiB.</summary>
    public static ScriptLimits Default { get; } = new();

    /// <summary>Lua VM instructions one run may execute (0: no limit).</summary>
    public long MaxInstructions { get; init; } = 100_000_000;

    /// <summary>Wall-clock time one run may take, in ms (0: no limit). Redis's lua-time-limit default.</summary>
    public long TimeLimitMs { get; init; } = 5_000;

    /// <summary>Memory the run's Lua state may hold beyond what it held when the run started, in bytes (0: no limit).</summary>
    public long MaxMemoryBytes { get; init; } = 64L * 1024 * 1024;
}

/// <summary>redis.log's levels (server.h's LL_*), the numbers scripts pass.</summary>
public enum ScriptLogLevel
{
    Debug = 0,
    Verbose = 1,
    Notice = 2,
    Warning = 3,
}

/// <summary>Where redis.log writes: one line at a level (Redis writes it to the server log).</summary>
public delegate void ScriptLog(ScriptLogLevel level, string message);
