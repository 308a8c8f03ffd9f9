using System.Text;
using Serverless.Store.Protocol;

namespace Serverless.Store.Commands;

/// <summary>
/// The one entry point of Redis semantics: (keyspace, command, now) -> (changed keyspace, reply).
/// The key entity, the read path, transactions and the tests all run commands through here.
/// </summary>
public static class Engine
{
    /// <summary>Looks the command up, checks its arity (and a container's subcommand), runs it. Errors come back as replies.</summary>
    public static Reply Execute(CommandContext ctx, byte[][] args)
    {
        if (args.Length == 0) return Reply.Error("ERR empty command");
        var spec = CommandTable.Find(args[0]);
        if (spec is null) return Reply.Error(UnknownCommand(args));
        return Execute(ctx, spec, args);
    }

    public static Reply Execute(CommandContext ctx, CommandSpec spec, byte[][] args)
    {
        if (spec.DispatchError(args) is { } refused) return Reply.Error(refused);
        try
        {
            return spec.Handler(ctx, args);
        }
        catch (RedisException e)
        {
            return Reply.Error(e.Message);
        }
    }

    /// <summary>Redis 7's text: ERR unknown command 'x', with args beginning with: 'a' 'b' </summary>
    public static string UnknownCommand(byte[][] args)
    {
        var listed = new StringBuilder();
        for (var i = 1; i < args.Length && listed.Length < 128; i++)
            listed.Append('\'').Append(Errors.Clip(args[i], 128 - listed.Length)).Append("' ");
        return $"ERR unknown command '{Errors.Clip(args[0], 128)}', with args beginning with: {listed}";
    }
}
