using Serverless.Store.Protocol;

namespace Serverless.Store.Commands;

[Flags]
public enum CommandFlags
{
    None = 0,
    /// <summary>Reads data only: allowed for read-only tokens, served by the read path.</summary>
    ReadOnly = 1,
    /// <summary>May change data.</summary>
    Write = 2,
    /// <summary>Needs the full-access token (FLUSHALL, SAVE...).</summary>
    Admin = 4,
    /// <summary>Works on the whole keyspace rather than on named keys (KEYS, SCAN, DBSIZE...).</summary>
    WholeKeyspace = 16,
    /// <summary>Reply depends on randomness (SPOP, RANDOMKEY...): compared loosely in tests.</summary>
    Nondeterministic = 32,
    /// <summary>
    /// Sends to subscribers (PUBLISH): it changes no key, so Redis does not flag it "write", yet a
    /// read-only token must not run it.
    /// </summary>
    Publishes = 256,
    /// <summary>
    /// May wait for data (BLPOP, BZPOPMIN, XREAD BLOCK...). The engine never waits: with nothing to
    /// serve it answers as Redis does inside MULTI (nil); the store waits (see <see cref="BlockingRequest"/>).
    /// </summary>
    Blocking = 512,
    /// <summary>
    /// Reads, as Redis flags it (read-only tokens may run it), yet may store a change to its key:
    /// PFCOUNT of one key caches the count it computed in the value. A store runs it where its key is.
    /// </summary>
    Rewrites = 1024,
    /// <summary>
    /// Runs a script (EVAL, EVALSHA, FCALL and their _RO forms): it needs the script or library from
    /// the catalog, writes unless _RO or the script declares no-writes, and may reach keys past those
    /// it names (a store runs it again with them, see <see cref="Protocol.KeysNeededReply"/>).
    /// </summary>
    RunsScript = 2048,
}

/// <summary>
/// A service of the host that serves commands which act on something outside the keyspace: the
/// store hands them over instead of running them on keys. The engine alone cannot run them.
/// </summary>
public enum HostService
{
    None,
    /// <summary>PUBLISH, PUBSUB: the pub/sub transport and its subscription registry.</summary>
    PubSub,
    /// <summary>SAVE, BGSAVE, LASTSAVE: the snapshot blobs.</summary>
    Snapshots,
    /// <summary>
    /// SCRIPT, FUNCTION: the script cache and function libraries shared by the whole store. Their
    /// handlers are functions of a <see cref="Scripting.ScriptCatalog"/> (the context's Scripts), so the
    /// engine alone runs them on its own catalog and a store runs them where it keeps the catalog.
    /// </summary>
    Scripts,
}

/// <summary>How a command is served, decided by its table row: what a store needs to run it.</summary>
public enum CommandRoute
{
    /// <summary>Names no key (PING, ECHO, TIME, INFO...): runs where it is received.</summary>
    Local,
    /// <summary>Names keys (one or several, per call): runs where those keys are.</summary>
    Keys,
    /// <summary>Works on the whole keyspace (KEYS, SCAN, DBSIZE, RANDOMKEY, FLUSHALL).</summary>
    Keyspace,
    /// <summary>Served by a <see cref="HostService"/>.</summary>
    Service,
}

/// <summary>One command's argument list, args[0] being the command name as sent.</summary>
public delegate Reply CommandHandler(CommandContext ctx, byte[][] args);

/// <summary>
/// One row of the command table (Redis's commands.def): name, arity (negative = at least),
/// flags, the legacy first/last/step key positions, for commands with a numkeys argument a
/// function that finds the keys, for commands a host serves, which service, and for a container
/// (XGROUP, OBJECT, CONFIG...: Redis shows no flags, categories or keys of its own for one), its
/// subcommands.
/// </summary>
public sealed record CommandSpec(
    string Name,
    int Arity,
    CommandFlags Flags,
    int FirstKey,
    int LastKey,
    int Step,
    CommandHandler Handler,
    Func<byte[][], IReadOnlyList<int>>? MovableKeys = null,
    HostService Service = HostService.None,
    IReadOnlyList<SubcommandSpec>? Subcommands = null)
{
    public bool IsReadOnly => Flags.HasFlag(CommandFlags.ReadOnly);
    public bool IsWrite => Flags.HasFlag(CommandFlags.Write);

    /// <summary>How the command is served, from the row: what the store's plan starts from.</summary>
    public CommandRoute Route { get; } =
        Flags.HasFlag(CommandFlags.WholeKeyspace) ? CommandRoute.Keyspace
        : Service != HostService.None ? CommandRoute.Service
        : FirstKey > 0 || MovableKeys is not null || (Subcommands?.Any(s => s.FirstKey > 0) ?? false) ? CommandRoute.Keys
        : CommandRoute.Local;

    public bool ArityOk(int argc) => Arity >= 0 ? argc == Arity : argc >= -Arity;

    /// <summary>
    /// What Redis's dispatcher answers before it runs a command: the wrong-arity error, and for a
    /// container (XGROUP, OBJECT, CONFIG...) called with a subcommand, the unknown-subcommand
    /// error or the subcommand's wrong-arity error. Null when the command may run.
    /// </summary>
    public string? DispatchError(byte[][] args)
    {
        if (!ArityOk(args.Length)) return Errors.WrongArity(Name);
        if (Subcommands is null || args.Length < 2) return null;
        var sub = FindSubcommand(args[1]);
        if (sub is null)
            return $"ERR unknown subcommand '{Errors.Clip(args[1], 128)}'. Try {Name.ToUpperInvariant()} HELP.";
        return sub.ArityOk(args.Length) ? null : Errors.WrongArity(Name + "|" + sub.Name);
    }

    /// <summary>A container's subcommand by its name as sent (any case), or null.</summary>
    public SubcommandSpec? FindSubcommand(byte[] name)
    {
        if (Subcommands is null || name.Length > 32) return null;
        foreach (var sub in Subcommands)
            if (System.Text.Ascii.EqualsIgnoreCase(name, sub.Name)) return sub;
        return null;
    }

    /// <summary>Positions in args of every key the command touches.</summary>
    public IReadOnlyList<int> KeyPositions(byte[][] args)
    {
        if (MovableKeys is not null) return MovableKeys(args);
        if (Subcommands is not null)
            return args.Length >= 2 && FindSubcommand(args[1]) is { } sub ? Range(args, sub.FirstKey, sub.LastKey, sub.Step) : [];
        return Range(args, FirstKey, LastKey, Step);
    }

    /// <summary>The legacy first/last/step key range (a negative last counts from the end).</summary>
    static List<int> Range(byte[][] args, int firstKey, int lastKey, int step)
    {
        var positions = new List<int>();
        if (firstKey == 0) return positions;
        var last = lastKey < 0 ? args.Length + lastKey : lastKey;
        for (var i = firstKey; i <= last && i < args.Length; i += step) positions.Add(i);
        return positions;
    }

    public IReadOnlyList<byte[]> Keys(byte[][] args) => KeyPositions(args).Select(i => args[i]).ToArray();
}

/// <summary>
/// One subcommand of a container (XGROUP CREATE, OBJECT ENCODING, CONFIG GET...) as Redis 7.0
/// declares it: its name, arity counted from the container's name, flags and key positions.
/// The engine checks it before the container's handler runs; COMMAND INFO, LIST and GETKEYS show it.
/// </summary>
public sealed record SubcommandSpec(string Name, int Arity, CommandFlags Flags = CommandFlags.None, int FirstKey = 0, int LastKey = 0, int Step = 0)
{
    public bool ArityOk(int argc) => Arity >= 0 ? argc == Arity : argc >= -Arity;

    /// <summary>A read-only subcommand whose key is the third argument (OBJECT ENCODING key, XINFO STREAM key).</summary>
    public static SubcommandSpec ReadKey(string name, int arity) => new(name, arity, CommandFlags.ReadOnly, 2, 2, 1);

    /// <summary>A writing subcommand whose key is the third argument (XGROUP CREATE key ...).</summary>
    public static SubcommandSpec WriteKey(string name, int arity) => new(name, arity, CommandFlags.Write, 2, 2, 1);
}
