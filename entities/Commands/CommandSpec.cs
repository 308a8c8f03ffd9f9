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
    /// <summary>May touch several keys: runs where every key it names is locked.</summary>
    MultiKey = 8,
    /// <summary>Works on the whole keyspace rather than on named keys (KEYS, SCAN, DBSIZE...).</summary>
    WholeKeyspace = 16,
    /// <summary>Reply depends on randomness (SPOP, RANDOMKEY...): compared loosely in tests.</summary>
    Nondeterministic = 32,
    /// <summary>
    /// Served by a host service, not by keys (PUBLISH/PUBSUB by the pub/sub transport, SAVE/BGSAVE/
    /// LASTSAVE by the snapshot service): the store hands it to its <see cref="ICommandService"/>.
    /// </summary>
    Service = 64,
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

/// <summary>One command's argument list, args[0] being the command name as sent.</summary>
public delegate Reply CommandHandler(CommandContext ctx, byte[][] args);

/// <summary>
/// One row of the command table (Redis's commands.def): name, arity (negative = at least),
/// flags, the legacy first/last/step key positions, and for commands with a numkeys argument a
/// function that finds the keys.
/// </summary>
public sealed record CommandSpec(
    string Name,
    int Arity,
    CommandFlags Flags,
    int FirstKey,
    int LastKey,
    int Step,
    CommandHandler Handler,
    Func<byte[][], IReadOnlyList<int>>? MovableKeys = null)
{
    public bool IsReadOnly => Flags.HasFlag(CommandFlags.ReadOnly);
    public bool IsWrite => Flags.HasFlag(CommandFlags.Write);

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
