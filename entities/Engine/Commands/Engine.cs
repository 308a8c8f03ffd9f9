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
    /// <remarks>
    /// As processCommand builds it: each argument's budget is 128 bytes less what is listed so far,
    /// counted before its opening quote, and the listing stops once it holds 128 bytes or more.
    /// </remarks>
    public static string UnknownCommand(byte[][] args)
    {
        var listed = new List<byte>();
        for (var i = 1; i < args.Length && listed.Count < 128; i++)
        {
            var budget = 128 - listed.Count;
            listed.Add((byte)'\'');
            listed.AddRange(args[i].AsSpan(0, Math.Min(args[i].Length, budget)));
            listed.AddRange("' "u8);
        }
        return $"ERR unknown command '{Errors.Clip(args[0], 128)}', with args beginning with: {Encoding.UTF8.GetString([.. listed])}";
    }
}
