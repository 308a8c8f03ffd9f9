using Serverless.Store.Protocol;

namespace Serverless.Store.Commands;

/// <summary>
/// MULTI/EXEC semantics (multi.c): a command that cannot be queued (unknown, wrong arity, an
/// unknown subcommand) discards the whole transaction with EXECABORT; the others run in order,
/// and a runtime error fails only its own command. Callers provide isolation (every key locked).
/// </summary>
public static class Transaction
{
    public const string ExecAbort = "EXECABORT Transaction discarded because of previous errors.";

    /// <summary>The EXECABORT error if any command could not have been queued, else null.</summary>
    public static ErrorReply? Validate(IReadOnlyList<CommandPlan> commands)
    {
        foreach (var command in commands)
            if (command.Refusal is not null) return new ErrorReply(ExecAbort);
        return null;
    }

    /// <summary>Runs a validated transaction against one context; one reply per command.</summary>
    public static Reply[] Execute(CommandContext ctx, IReadOnlyList<CommandPlan> commands)
    {
        var replies = new Reply[commands.Count];
        for (var i = 0; i < commands.Count; i++) replies[i] = commands[i].Execute(ctx);
        return replies;
    }
}
