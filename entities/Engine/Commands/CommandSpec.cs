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
    /// A container of subcommands (XGROUP, XINFO): Redis's COMMAND INFO shows no flags, categories
    /// or keys for the container itself; the handler checks each subcommand's arity.
    /// </summary>
    Container = 128,
    /// <summary>
    /// Sends to subscribers (PUBLISH): it changes no key, so Redis does not flag it "write", yet a
    /// read-only token must not run it.
    /// </summary>
    Publishes = 256,
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
/// function that finds the keys, and for commands a host serves, which service.
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
    HostService Service = HostService.None)
{
    public bool IsReadOnly => Flags.HasFlag(CommandFlags.ReadOnly);
    public bool IsWrite => Flags.HasFlag(CommandFlags.Write);

    /// <summary>How the command is served, from the row: what the store's plan starts from.</summary>
    public CommandRoute Route { get; } =
        Flags.HasFlag(CommandFlags.WholeKeyspace) ? CommandRoute.Keyspace
        : Service != HostService.None ? CommandRoute.Service
        : FirstKey > 0 || MovableKeys is not null ? CommandRoute.Keys
        : CommandRoute.Local;

    public bool ArityOk(int argc) => Arity >= 0 ? argc == Arity : argc >= -Arity;

    /// <summary>Positions in args of every key the command touches.</summary>
    public IReadOnlyList<int> KeyPositions(byte[][] args)
    {
        if (MovableKeys is not null) return MovableKeys(args);
        if (FirstKey == 0) return [];
        var last = LastKey < 0 ? args.Length + LastKey : LastKey;
        var positions = new List<int>();
        for (var i = FirstKey; i <= last && i < args.Length; i += Step) positions.Add(i);
        return positions;
    }

    public IReadOnlyList<byte[]> Keys(byte[][] args) => KeyPositions(args).Select(i => args[i]).ToArray();
}
