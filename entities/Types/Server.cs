using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>STUB: Server commands.</summary>
public static class Server
{
    public static Reply Ping(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Echo(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Time(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Info(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Command(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
}
