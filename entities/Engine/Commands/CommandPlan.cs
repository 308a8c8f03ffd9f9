using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Commands;

/// <summary>
/// A command looked up once (Redis's processCommand -> lookupCommand): its table row, its arguments
/// and the distinct keys it names. Everything after parsing (permissions, routing, running) takes
/// the plan; nothing looks the command up again. A command that cannot run (empty, unknown, wrong
/// number of arguments, an unknown subcommand) has no <see cref="Spec"/> and answers
/// <see cref="Refusal"/>, as Redis does before calling any command (and MULTI before queueing it).
/// </summary>
public sealed class CommandPlan
{
    CommandPlan(byte[][] args, CommandSpec? spec, IReadOnlyList<byte[]> keys, ErrorReply? refusal)
    {
        Args = args;
        Spec = spec;
        Keys = keys;
        Refusal = refusal;
    }

    public byte[][] Args { get; }

    /// <summary>The table row; null when the command cannot run (see <see cref="Refusal"/>).</summary>
    public CommandSpec? Spec { get; }

    /// <summary>The distinct keys the command names (per the table's key positions), in order of appearance.</summary>
    public IReadOnlyList<byte[]> Keys { get; }

    /// <summary>Redis's error for a command that cannot run: empty, unknown, a wrong number of arguments, an unknown subcommand.</summary>
    public ErrorReply? Refusal { get; }

    public CommandRoute Route => Spec?.Route ?? CommandRoute.Local;

    public bool IsWrite => Spec?.IsWrite == true;

    public static CommandPlan Of(byte[][] args)
    {
        if (args.Length == 0) return new(args, null, [], new ErrorReply("ERR empty command"));
        var spec = CommandTable.Find(args[0]);
        if (spec is null) return new(args, null, [], new ErrorReply(Engine.UnknownCommand(args)));
        if (spec.DispatchError(args) is { } refused) return new(args, null, [], new ErrorReply(refused)); // arity, unknown subcommand
        return new(args, spec, DistinctKeys(spec, args), null);
    }

    /// <summary>Runs the command on a context (the refusal for a command that cannot run).</summary>
    public Reply Execute(CommandContext ctx) => Spec is null ? Refusal! : Engine.Execute(ctx, Spec, Args);

    static IReadOnlyList<byte[]> DistinctKeys(CommandSpec spec, byte[][] args)
    {
        var positions = spec.KeyPositions(args);
        if (positions.Count == 0) return [];
        if (positions.Count == 1) return [args[positions[0]]];
        var keys = new List<byte[]>(positions.Count);
        foreach (var p in positions)
            if (!keys.Exists(k => Bytes.Comparer.Equals(k, args[p]))) keys.Add(args[p]);
        return keys;
    }
}
